"""Report screens: sales (销售报表), on screen, as .xlsx and as PDF from the same route and filters."""
from datetime import timedelta

from flask import abort, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.auth.roles import SALES_REPORT_READERS, Role, allow
from app.catalog.models import Category
from app.errors import BusinessRuleError
from app.extensions import db
from app.formatting import money
from app.reports import periods, sales
from app.reports.routes import bp
from app.reports.export import xlsx_response
from app.reports.printing import report_pdf
from app.web import render

bp.context_processor(periods.template_context)  # the preset links of reports/_layout.html, for every report

# Owner and finance see all sales; a salesperson their own customers' sales, without cost (applied in the service).
TITLES = {"day": _l("Sales by day"), "week": _l("Sales by week"), "month": _l("Sales by month"),
          "product": _l("Sales by product"), "category": _l("Sales by category"), "customer": _l("Sales by customer"),
          "salesperson": _l("Sales by salesperson")}
SCREEN_ROWS = 200  # the biggest groups on screen and paper; the spreadsheet has them all


@bp.route("/sales", endpoint="sales")
@allow(SALES_REPORT_READERS)
def sales_report():
    """Sales by day, week, month, product, category, customer or salesperson, against the previous period."""
    output = request.args.get("format", "")
    try:
        period, group_by, filters = _choices()
        names = _filter_names(filters)  # before any figure: a filter out of scope answers 404 in every format
        summary = sales.sales_summary(g.user, period, group_by, filters,
                                      limit=None if output == "xlsx" else SCREEN_ROWS)
    except BusinessRuleError as error:  # a typed date or choice the report cannot use: say so beside the filters
        summary = sales.sales_summary(g.user, periods.preset("month"), "day")
        return _screen(summary, [], error=error.message, status=422)
    if output == "xlsx":
        return xlsx_response(f"sales-{period.start}-{period.end}.xlsx", _title(summary), *_sheet(summary))
    if output == "pdf":
        return report_pdf(f"sales-{period.start}-{period.end}.pdf", "reports/sales_print.html", **_context(summary),
                          title=_title(summary), filters=[f"{label}: {name}" for _arg, label, name in names])
    return _screen(summary, names)


def _choices():
    args = request.args
    group_by = args.get("group_by") or "day"
    if group_by not in sales.GROUPS:
        raise BusinessRuleError(_("Group by one of: %(groups)s.", groups=", ".join(sales.GROUPS)), field="group_by")
    others = g.user.role != Role.SALES  # a salesperson's report is theirs already
    filters = sales.SalesFilters(product_id=args.get("product_id", type=int), customer_id=args.get("customer_id", type=int),
                                 category_id=args.get("category_id", type=int),
                                 salesperson_id=args.get("salesperson_id", type=int) if others else None)
    return periods.period_from_args(args), group_by, filters


def _screen(summary, names, error=None, status=200):
    return render("reports/sales.html", status=status, **_context(summary), filter_error=error,
                  drill=_drill(summary), salespeople=_salespeople(), categories=_categories(),
                  filter_names=names)


def _context(summary) -> dict:
    time = summary.group_by in sales.TIME_GROUPS
    return {"summary": summary, "period": summary.period, "group_by": summary.group_by, "groups": sales.GROUPS,
            "trend": sales.chart_trend(summary) if time and len(summary.rows) > 1 else None,
            "bars": sales.chart_bars(summary, money) if not time else None,
            "x_labels": (summary.rows[0].label, summary.rows[-1].label) if summary.rows else ("", "")}


def _title(summary) -> str:
    return str(TITLES[summary.group_by])


def _drill(summary):
    """Where a row's label leads: a bucket opens its days (a day its products); a name narrows the report to it."""
    args = {k: v for k, v in request.args.items() if k not in ("from", "to", "period", "format", "group_by")}

    def report(start, end, group_by, **narrow):
        return url_for("reports.sales", **{**args, **narrow, "from": start.isoformat(), "to": end.isoformat(),
                                           "group_by": group_by})

    def link(row):
        period, group_by = summary.period, summary.group_by
        if group_by == "day":
            return report(row.key, row.key, "product")
        if group_by == "week":
            return report(max(row.key, period.start), min(row.key + timedelta(days=6), period.end), "day")
        if group_by == "month":
            last = (row.key.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            return report(max(row.key, period.start), min(last, period.end), "day")
        if row.key is None:
            return None
        narrow, then = {"product": ("product_id", "customer"), "category": ("category_id", "product"),
                        "customer": ("customer_id", "product"), "salesperson": ("salesperson_id", "customer")}[group_by]
        return report(period.start, period.end, then, **{narrow: row.key})
    return link


FILTER_LABELS = {"product_id": _l("Product"), "customer_id": _l("Customer"), "category_id": _l("Category"),
                 "salesperson_id": _l("Salesperson")}


def _filter_names(filters) -> list[tuple[str, str, str]]:
    """The narrowing filters in force as (argument, label, name), so the screen can show and drop them; a filter
    naming something outside the user's scope (or nothing) is 404, as the object itself would be."""
    names = sales.filter_names(g.user, filters)
    if names is None:
        abort(404)
    return [(arg, str(FILTER_LABELS[arg]), name) for arg, name in names]


def _salespeople():
    if g.user.role == Role.SALES:
        return []
    return db.session.execute(select(User.id, User.display_name).where(User.role.in_([Role.SALES, Role.OWNER]))
                              .order_by(User.display_name)).all()


def _categories():
    return db.session.execute(select(Category.id, Category.name).order_by(Category.name)).all()


def _sheet(summary):
    """The spreadsheet's columns and rows: the same figures as the screen, every group."""
    columns = [("label", str(sales.GROUPS[summary.group_by]))]
    if summary.group_by == "product":
        columns.append(("sku", _("SKU")))
    columns += [("qty", _("Quantity")), ("revenue", _("Revenue"))]
    if summary.shows_cost:
        columns += [("cost", _("Cost")), ("margin", _("Margin")), ("margin_pct", _("Margin rate"))]
    columns += [("prev_revenue", _("Previous period")), ("change_pct", _("Change"))]
    rows = [_sheet_row(row) for row in summary.rows] + [_sheet_row(summary.total)]
    return columns, rows


def _sheet_row(row) -> dict:
    return {"label": row.label, "sku": row.sku, "qty": row.qty, "revenue": row.revenue, "cost": row.cost,
            "margin": row.margin, "margin_pct": row.margin_pct, "prev_revenue": row.prev_revenue,
            "change_pct": row.change_pct}
