"""Reports over the API (shared/API.md "Reports"): the same services as the report screens, the same data scope.

Cost and margin leave the server only for roles that see costs; a salesperson's figures are their own
customers' (applied in app.reports.sales).
"""
from flask import abort, g, request
from flask_babel import gettext as _

from app.api.routes import bp
from app.api.schema import DecimalString, Field, ListOf, Nested, Schema, String, ValidationFailed
from app.api.spec import operation, reply
from app.auth.roles import SALES_REPORT_READERS, allow, sees_cost
from app.limits import MAX_ID, parse_int
from app.reports import sales
from app.reports.periods import period_from_args

COST = "Absent for roles that may not see costs"


class GroupKey(Field):
    openapi = {"type": ["string", "integer", "null"],
               "description": "The bucket's first day (YYYY-MM-DD) for day/week/month; else the id "
                              "(null: no category / no salesperson)"}


def _costed(row: sales.SalesRow) -> bool:
    return row.cost is not None  # app.reports.sales sums costs only for roles that see them


COSTED = {"visible": sees_cost, "when": _costed}
FIGURES = {"qty": DecimalString(3), "revenue": DecimalString(2, description="Net of discount, before tax"),
           "cost": DecimalString(2, description=COST, **COSTED), "margin": DecimalString(2, description=COST, **COSTED),
           "margin_pct": DecimalString(1, nullable=True, description=COST + "; null without revenue", **COSTED),
           "prev_revenue": DecimalString(2, description="The same group in the previous period of the same length"),
           "change_pct": DecimalString(1, nullable=True, description="Revenue against prev_revenue; null when that is 0")}
SALES_ROW = Schema("SalesReportRow", {"key": GroupKey(), "label": String(), **FIGURES})
SALES_REPORT = Schema("SalesReport", {
    "from": String(description="YYYY-MM-DD"), "to": String(description="YYYY-MM-DD"),
    "previous_from": String(description="YYYY-MM-DD"), "previous_to": String(description="YYYY-MM-DD"),
    "group_by": String(), "rows": ListOf(Nested(SALES_ROW)),
    "total": Nested(Schema("SalesReportTotal", {"label": String(), **FIGURES}))})
DATE = {"type": "string", "format": "date"}


def _id_arg(name: str) -> int | None:
    """An optional id in the query string; anything but a positive whole number is a 422."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return parse_int(value, 1, MAX_ID)
    except ValueError:
        raise ValidationFailed({name: [_("Must be a whole number from %(low)d to %(high)d.", low=1, high=MAX_ID)]}) from None


@bp.route("/reports/sales")
@allow(SALES_REPORT_READERS)
@operation("Sales report: quantity, revenue (cost and margin for roles that see costs) per group, with the "
           "previous period", response=SALES_REPORT, query={
               "from": DATE, "to": DATE,
               "period": {"type": "string", "enum": ["today", "week", "month", "quarter", "year"],
                          "description": "Instead of from/to (default: this month)"},
               "group_by": {"type": "string", "enum": list(sales.GROUPS), "default": "day"},
               "product_id": {"type": "integer"}, "customer_id": {"type": "integer",
                                                                 "description": "Outside the caller's scope: 404"},
               "category_id": {"type": "integer", "description": "With its subcategories"},
               "salesperson_id": {"type": "integer", "description": "Ignored for a salesperson (always their own)"}},
           problems=(404, 422))
def reports_sales():
    """Every group of the period (a salesperson: their own customers' sales), biggest first for non-time groups."""
    period = period_from_args(request.args)
    filters = sales.SalesFilters(product_id=_id_arg("product_id"), customer_id=_id_arg("customer_id"),
                                 category_id=_id_arg("category_id"), salesperson_id=_id_arg("salesperson_id"))
    if sales.filter_names(g.user, filters) is None:  # a filter naming what the caller may not see: 404, as the object would
        abort(404)
    report = sales.sales_summary(g.user, period, request.args.get("group_by") or "day", filters)
    return reply({"from": period.start, "to": period.end, "previous_from": report.previous.start,
                  "previous_to": report.previous.end, "group_by": report.group_by, "rows": report.rows,
                  "total": report.total})
