"""Report screens: the owner's dashboard (经营看板), its headline tiles for the home screen, and the list of reports."""
from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l

from app.auth.roles import BOOKS, EVERYONE, MONEY_REPORT_READERS, PUBLIC, allow, allowed_roles
from app.formatting import date_, money
from app.backups import status as backup_status
from app.reports import dashboard
from app.reports.routes import bp
from app.reports.periods import period_from_args, preset, preset_of
from app.web import render

DASHBOARD_ROLES = MONEY_REPORT_READERS  # the owner and finance
SWITCH = ("today", "week", "month")

# Every report screen the dashboard and the report list may point to, in the order the list shows them. Only
# those whose endpoint exists and admits the user are shown, so a report appears here the day its route does.
REPORTS = (
    ("reports.dashboard", _l("Dashboard"), _l("Today, this week and this month at a glance")),
    ("reports.sales", _l("Sales"), _l("By day, product, category, customer and salesperson")),
    ("reports.stock_value", _l("Stock value"), _l("By warehouse and category")),
    ("reports.inventory_summary", _l("Stock movement summary"), _l("Opening, in, out and closing per product")),
    ("reports.turnover", _l("Stock turnover"), _l("Days of stock per product")),
    ("reports.abc", _l("ABC classification"), _l("Which products make up most of the cost of goods sold")),
    ("reports.slow_movers", _l("Slow movers and dead stock"), _l("No sale in the last N days")),
    ("reports.best_sellers", _l("Best sellers"), _l("What sells most")),
    ("reports.stockout_risk", _l("Stock-out risk"), _l("Days of stock left at the recent sales rate")),
    ("reports.receivables_aging", _l("Receivables aging"), _l("What customers owe, by age")),
    ("reports.payables_aging", _l("Payables aging"), _l("What we owe suppliers, by age")),
    ("reports.statements", _l("Customer statements"), _l("对账单 for a period, as PDF")),
    ("reports.cash", _l("Cash received and paid"), _l("By payment method")),
    ("purchasing.analysis", _l("Purchase analysis"), _l("Suppliers compared, purchase price trends")),
)


def link(endpoint: str, **args) -> str | None:
    """The URL of `endpoint` if it exists and the signed-in user may open it; else None (the tile is not a link)."""
    view = current_app.view_functions.get(endpoint)
    roles = allowed_roles(view) if view else None
    if not roles or roles == PUBLIC or g.user.role not in roles:
        return None
    return url_for(endpoint, **args)


@bp.app_context_processor
def _dashboard_link():
    # The home screen shows today's tiles to whoever may open the dashboard (asked of the route, not repeated).
    return {"dashboard_link": lambda: link("reports.dashboard") if g.get("user") else None}


def _low_stock_link() -> str | None:
    # Buyers and the owner act on low stock from the reorder suggestions; finance can only look at the list.
    return link("purchasing.suggestions") or link("inventory.index", flag="low")


@bp.route("/", endpoint="dashboard")
@allow(DASHBOARD_ROLES)
def dashboard_page():
    """Sales, margin and orders for today, this week or this month; top products and customers; what needs attention."""
    period = period_from_args(request.args, default="today")
    sales, trend = dashboard.sales_and_trend(period)
    top_products, top_customers = dashboard.top_products(period), dashboard.top_customers(period)
    return render("reports/dashboard.html", period=period, chosen=preset_of(period, request.args.get("period")), switch=SWITCH,
                  sales=sales, orders=dashboard.orders_taken(period),
                  top_products=top_products, top_customers=top_customers,
                  product_bars=[(row.name, row.revenue, money(row.revenue)) for row in top_products],
                  customer_bars=[(row.name, row.revenue, money(row.revenue)) for row in top_customers],
                  trend=trend, trend_series=_trend_series(trend),
                  trend_labels=(date_(trend[0].day, "short"), date_(trend[-1].day, "short")),
                  trend_bars=[(date_(day.day, "short"), day.revenue, money(day.revenue)) for day in trend[-7:]],
                  attention=_attention(), link=link, low_stock_link=_low_stock_link(), books=_books())


@bp.route("/summary", endpoint="dashboard_summary")
@allow(DASHBOARD_ROLES)
def dashboard_summary():
    """Today's headline tiles, loaded into the home screen after it has drawn (no page waits for the figures)."""
    period = preset("today")
    return render("reports/dashboard_summary.html", period=period, sales=dashboard.sales(period), orders=dashboard.orders_taken(period),
                  attention=_attention(), link=link, low_stock_link=_low_stock_link(), books=_books())


@bp.route("/list", endpoint="index")
@allow(EVERYONE)
def index():
    """Every report the user may open (a salesperson: sales; warehouse and buyers: stock reports)."""
    reports = [(url, label, about) for endpoint, label, about in REPORTS if (url := link(endpoint))]
    return render("reports/dashboard_list.html", reports=reports)


def _trend_series(trend) -> list:
    """Revenue and margin by day as plain numbers for the line chart (drawing only; the figures stay Decimal)."""
    return [(str(_l("Revenue")), [(n, float(day.revenue)) for n, day in enumerate(trend)]),
            (str(_l("Gross margin")), [(n, float(day.margin)) for n, day in enumerate(trend)])]


def _books() -> dashboard.Books | None:
    """The books' figures (profit, cash) for the owner and finance only, whoever else may one day see the dashboard."""
    return dashboard.books() if g.user.role in BOOKS else None


def _attention() -> dict:
    return {"overdue": dashboard.overdue_receivables(), "payables": dashboard.payables_due(),
            "purchases": dashboard.open_purchase_orders(), "stocktakes": dashboard.open_stocktakes(),
            "low_stock": dashboard.below_minimum(), "backup": backup_status.latest()}

