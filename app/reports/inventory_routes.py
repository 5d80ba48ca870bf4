"""Report screens: inventory (库存报表): stock value, 进销存汇总, turnover, ABC, slow movers, best sellers, stock-out risk.

Each screen answers ?format=xlsx and ?format=pdf from the same route and filters. Owner, finance and purchasing
see values; the warehouse sees quantities only (value, cost and revenue columns are never computed for it);
salespeople have no inventory reports.
"""
from dataclasses import dataclass, field

from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select

from app.auth.roles import INVENTORY_REPORT_READERS, allow, allowed_roles, sees_cost
from app.catalog.models import Category
from app.errors import BusinessRuleError
from app.extensions import db
from app.formatting import money, number
from app.inventory.queries import active_warehouses
from app.paging import page_number
from app.reports import periods
from app.reports.routes import bp
from app.reports import inventory as reports
from app.reports.export import xlsx_response
from app.reports.printing import report_pdf
from app.web import render

SCREEN_ROWS = 100   # a page of products on screen
PRINT_ROWS = 500    # a printed report longer than this is not read; the spreadsheet has every row
CLASSES = ("A", "B", "C")


@dataclass
class Table:
    """One table of a report: columns as (key, label, kind) with kind text|qty|money|days|date|class."""
    title: str
    columns: list
    rows: list
    totals: dict | None = None
    link: str = "ledger"  # what the first column's cell opens: ledger, warehouse, category or none
    more: dict = field(default_factory=dict)  # paging: page, has_next, count


def _int(name: str, default: int, low: int, high: int) -> int:
    text = (request.args.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise BusinessRuleError(_("Enter a whole number from %(low)d to %(high)d.", low=low, high=high), field=name)
    return int(text)


def _scope() -> reports.Scope:
    return reports.Scope(request.args.get("warehouse_id", type=int), request.args.get("category_id", type=int))


def _output() -> str:
    return request.args.get("format", "")


def _filter_texts(scope: reports.Scope, extra: list[str] = ()) -> list[str]:
    texts = []
    if scope.warehouse_id:
        names = {w.id: w.name for w in active_warehouses()}
        texts.append(f"{_('Warehouse')}: {names.get(scope.warehouse_id, scope.warehouse_id)}")
    if scope.category_id:
        texts.append(f"{_('Category')}: {reports.category_paths().get(scope.category_id, scope.category_id)}")
    return texts + list(extra)


def _respond(name: str, title: str, tables: list[Table], period=None, filters=(), chart=None, error=None,
             **context):
    """The report as a screen, an .xlsx (every row of every table) or a PDF (the first PRINT_ROWS rows)."""
    output = _output()
    if output == "xlsx" and not error:
        return xlsx_response(f"{name}.xlsx", title, *_sheet(tables))
    if output == "pdf" and not error:
        for table in tables:
            table.rows = table.rows[:PRINT_ROWS]
        return report_pdf(name, "reports/inventory_print.html", title=title, period=period, tables=tables,
                          filters=_filter_texts(_scope(), filters), chart=chart, print_rows=PRINT_ROWS,
                          note=context.get("note"))
    return render("reports/inventory.html", status=422 if error else 200, report_title=title, tables=tables,
                  period=period, chart=chart, filter_error=error, warehouses=active_warehouses(),
                  categories=db.session.execute(select(Category.id, Category.name).order_by(Category.name)).all(),
                  scope=_scope(), show_value=sees_cost(g.user), **context)


def _sheet(tables: list[Table]):
    """One sheet: the tables one after the other, with a column naming the table when there are several."""
    columns = [(key, str(label)) for key, label, _kind in tables[0].columns]
    if len(tables) > 1:
        columns = [("table", _("Table"))] + columns
    rows = []
    for table in tables:
        keys = [key for key, _label, _kind in table.columns]
        rows += [{"table": table.title, **{key: row.get(key) for key in keys}} for row in table.rows]
        if table.totals:
            rows.append({"table": table.title, **{key: table.totals.get(key) for key in keys}, keys[0]: _("Total")})
    return columns, rows


def _period(default: str):
    return periods.period_from_args(request.args, default=default)


def _product_columns(*more) -> list:
    return [("sku", _l("SKU"), "text"), ("name", _l("Product"), "text"), ("unit", _l("Unit"), "text"), *more]


def _bars(rows, key, label_key="name", formatter=number, top=10) -> list:
    """(label, value, shown) for the bar chart macro: the `top` biggest positive values."""
    return [(row[label_key], row[key], formatter(row[key])) for row in rows[:top] if row.get(key)]


def link(endpoint: str, **args) -> str | None:
    """The URL of `endpoint` if it exists and the signed-in user may open it, else None."""
    view = current_app.view_functions.get(endpoint)
    roles = allowed_roles(view) if view else None
    if not roles or roles == "public" or g.user.role not in roles:
        return None
    return url_for(endpoint, **args)


@bp.route("/inventory/value", endpoint="stock_value")
@allow(INVENTORY_REPORT_READERS)
def stock_value():
    """Stock on hand and its value (on hand x average cost) by warehouse and by category."""
    scope, show_value = _scope(), sees_cost(g.user)
    by_warehouse, by_category = reports.stock_value(scope, show_value)
    uncategorised = _("Uncategorised")
    columns = [("label", _l("Name"), "text"), ("products", _l("Products"), "int"), ("on_hand", _l("On hand"), "qty")]
    if show_value:
        columns.append(("value", _l("Value"), "money"))

    def rows(found):
        return [{"key": r.key, "label": r.label or uncategorised, "products": r.products, "on_hand": r.on_hand,
                 "value": r.value} for r in found]

    def total(found):
        return {"products": sum(r.products for r in found), "on_hand": sum((r.on_hand for r in found), reports.ZERO),
                "value": sum((r.value for r in found), reports.ZERO) if show_value else None}

    tables = [Table(_("By warehouse"), columns, rows(by_warehouse), total(by_warehouse), link="warehouse"),
              Table(_("By category"), columns, rows(by_category), total(by_category), link="category")]
    key, fmt = ("value", money) if show_value else ("on_hand", number)
    chart = (_("Value by category") if show_value else _("On hand by category"),
             [(row["label"], row[key], fmt(row[key])) for row in tables[1].rows[:12] if row[key] and row[key] > 0])
    return _respond("stock-value", _("Stock value"), tables, chart=chart, report="stock_value")


@bp.route("/inventory/summary", endpoint="inventory_summary")
@allow(INVENTORY_REPORT_READERS)
def inventory_summary():
    """进销存汇总表: per product the opening, in, out and closing quantity (and value) for a period."""
    show_value, error = sees_cost(g.user), None
    try:
        period = _period("month")
    except BusinessRuleError as wrong:
        period, error = periods.preset("month"), wrong.message
    text = request.args.get("q", "").strip()[:100]
    every = _output() in ("xlsx", "pdf")
    found = reports.movement(period, _scope(), show_value, text, page=page_number(),
                             per_page=None if every else SCREEN_ROWS)
    columns = _product_columns()
    for qty, value, label in (("opening_qty", "opening_value", _l("Opening")), ("in_qty", "in_value", _l("In")),
                              ("out_qty", "out_value", _l("Out")), ("closing_qty", "closing_value", _l("Closing"))):
        columns.append((qty, label, "qty"))
        if show_value:
            columns.append((value, _l("%(what)s value", what=label), "money"))
    table = Table(_("Products"), columns, found.rows, found.totals,
                  more={"page": page_number(), "has_next": found.has_next, "count": found.count})
    return _respond(f"stock-movement-{period.start}-{period.end}", _("Stock movement summary"), [table],
                    period=period, error=error, report="inventory_summary", search=text,
                    note=_("Opening is the stock before the first day, closing = opening + in − out. Values are at "
                           "the cost each move carried. Across all warehouses, transfers between them are left out."))


def _turnover(endpoint: str, title: str, order: str):
    show_value, error = sees_cost(g.user), None
    try:
        period = _period("quarter")
    except BusinessRuleError as wrong:
        period, error = periods.preset("quarter"), wrong.message
    abc = request.args.get("class", "") if request.args.get("class") in CLASSES else ""
    every = _output() in ("xlsx", "pdf")
    found = reports.turnover(period, _scope(), abc, page=page_number(), per_page=None if every else SCREEN_ROWS,
                             order=order)
    columns = _product_columns(("abc", lazy_pgettext("ABC analysis", "Class"), "class"),
                              ("on_hand", _l("On hand"), "qty"))
    if show_value:
        columns.append(("value", _l("Value"), "money"))
    columns += [("opening_qty", _l("Opening"), "qty"), ("closing_qty", _l("Closing"), "qty"),
                ("sold_qty", _l("Sold"), "qty")]
    if show_value:
        columns.append(("sold_cost", _l("Cost of goods sold"), "money"))
    columns += [("turnover_days", _l("Days of stock"), "days"), ("last_sale_at", _l("Last sale"), "date")]
    table = Table(_("Products"), columns, found.rows,
                  more={"page": page_number(), "has_next": found.has_next, "count": found.count})
    classes = [(name, *found.classes.get(name, (0, reports.ZERO))) for name in CLASSES]
    if show_value:
        chart = (_("Cost of goods sold by class"), [(name, cost or 0, money(cost)) for name, _n, cost in classes if cost])
    else:
        chart = (_("Products by class"), [(name, count, str(count)) for name, count, _c in classes if count])
    return _respond(f"{endpoint}-{period.start}-{period.end}", title, [table], period=period, error=error,
                    chart=chart, report=endpoint, chosen_class=abc, classes=classes, filters=[
                        f"{_('Class')}: {abc}"] if abc else [],
                    note=_("Days of stock = days in the period × average stock ((opening + closing) ÷ 2) ÷ quantity "
                           "sold (deliveries less returns). ABC ranks products by the cost of goods sold in the "
                           "period: A up to 80 %, B the next 15 %, C the rest and products that sold nothing."))


@bp.route("/inventory/turnover", endpoint="turnover")
@allow(INVENTORY_REPORT_READERS)
def turnover():
    """Days of stock per product over a period, slowest first."""
    return _turnover("turnover", _("Stock turnover"), order="days")


@bp.route("/inventory/abc", endpoint="abc")
@allow(INVENTORY_REPORT_READERS)
def abc():
    """ABC classification by cost of goods sold over a period, A first."""
    return _turnover("abc", _("ABC classification"), order="abc")


@bp.route("/inventory/slow-movers", endpoint="slow_movers")
@allow(INVENTORY_REPORT_READERS)
def slow_movers():
    """Products with stock and no sale in the last N days (default 90), most value stuck first."""
    error = None
    try:
        days = _int("days", 90, 1, 3650)
    except BusinessRuleError as wrong:
        days, error = 90, wrong.message
    every = _output() in ("xlsx", "pdf")
    rows, count = reports.slow_movers(_scope(), days, limit=None if every else SCREEN_ROWS * 2)
    columns = _product_columns(("on_hand", _l("On hand"), "qty"))
    if sees_cost(g.user):
        columns.append(("value", _l("Value"), "money"))
    columns.append(("last_sale_at", _l("Last sale"), "date"))
    table = Table(_("Products"), columns, rows, more={"count": count, "shown": len(rows)})
    key, fmt = ("value", money) if sees_cost(g.user) else ("on_hand", number)
    return _respond(f"slow-movers-{days}", _("Slow movers and dead stock"), [table], error=error,
                    chart=(_("Most stuck"), _bars(rows, key, formatter=fmt)), report="slow_movers", days=days,
                    filters=[_("No sale in %(days)d days", days=days)])


@bp.route("/inventory/best-sellers", endpoint="best_sellers")
@allow(INVENTORY_REPORT_READERS)
def best_sellers():
    """The top N products by quantity sold or by revenue over a period."""
    show_value, error = sees_cost(g.user), None
    by = request.args.get("by", "qty") if show_value and request.args.get("by") == "revenue" else "qty"
    try:
        period, top = _period("month"), _int("top", 20, 1, 500)
    except BusinessRuleError as wrong:
        period, top, error = periods.preset("month"), 20, wrong.message
    rows = reports.best_sellers(period, _scope(), by, top, with_revenue=show_value)
    columns = _product_columns(("sold_qty", _l("Sold"), "qty"))
    if show_value:
        columns += [("revenue", _l("Revenue"), "money"), ("sold_cost", _l("Cost of goods sold"), "money")]
    key, fmt = ("revenue", money) if by == "revenue" else ("sold_qty", number)
    return _respond(f"best-sellers-{period.start}-{period.end}", _("Best sellers"), [Table(_("Products"), columns, rows)],
                    period=period, error=error, chart=(_("Best sellers"), _bars(rows, key, formatter=fmt)),
                    report="best_sellers", by=by, top=top)


@bp.route("/inventory/stockout-risk", endpoint="stockout_risk")
@allow(INVENTORY_REPORT_READERS)
def stockout_risk():
    """Products that run out within N days (default 14) at the last 30 days' sales rate, soonest first."""
    error = None
    try:
        threshold = _int("days", 14, 1, 365)
    except BusinessRuleError as wrong:
        threshold, error = 14, wrong.message
    every = _output() in ("xlsx", "pdf")
    rows, count = reports.stockout_risk(_scope(), threshold, limit=None if every else SCREEN_ROWS * 2)
    columns = _product_columns(("available", _l("Available"), "qty"), ("sold_30", _l("Sold in 30 days"), "qty"),
                               ("daily", _l("Per day"), "qty"), ("days_left", _l("Days left"), "days"))
    table = Table(_("Products"), columns, rows, more={"count": count, "shown": len(rows)})
    scope = _scope()
    reorder = link("purchasing.suggestions", **({"warehouse_id": scope.warehouse_id} if scope.warehouse_id else {}))
    return _respond(f"stockout-risk-{threshold}", _("Stock-out risk"), [table], error=error,
                    chart=(_("Days left"), _bars(rows, "days_left")), report="stockout_risk", days=threshold,
                    reorder=reorder, filters=[_("Under %(days)d days left", days=threshold)],
                    note=_("Days left = available (on hand less reserved) ÷ the average daily quantity sold over the "
                           "last 30 days."))
