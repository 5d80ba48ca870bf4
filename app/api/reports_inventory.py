"""GET /reports/inventory: per product on hand, value, days of stock, last sale and ABC class (shared/API.md)."""
from flask import request
from flask_babel import gettext as _

from app.api.routes import bp
from app.api.pagination import page_args
from app.api.schema import Choice, DateTime, DecimalString, Integer, Schema, String, ValidationFailed
from app.api.spec import NOT_A_FEED, operation, reply
from app.auth.roles import INVENTORY_REPORT_READERS, allow, sees_cost
from app.reports import inventory as reports
from app.reports.periods import period_from_args


ROW = Schema("InventoryReportRow", {
    "product_id": Integer(), "sku": String(), "name": String(), "on_hand": DecimalString(3),
    "value": DecimalString(2, description="On hand x average cost; only for roles that may see costs",
                           visible=sees_cost),
    "sold_qty": DecimalString(3, description="Sold in the period, net of returns"),
    "turnover_days": DecimalString(1, nullable=True, description=(
        "Days of stock: days in the period x average stock ((opening + closing) / 2) / quantity sold; "
        "null when nothing sold")),
    "last_sale_at": DateTime(nullable=True), "class": Choice(("A", "B", "C"), source="abc", description=(
        "ABC by cost of goods sold in the period: A up to 80 %, B the next 15 %, C the rest"))})


@bp.route("/reports/inventory")
@allow(INVENTORY_REPORT_READERS)
@operation("Inventory report: stock, value, days of stock, last sale and ABC class per product", response=ROW,
           listing=True, description=NOT_A_FEED, query={"warehouse_id": {"type": "integer"}, "category_id": {"type": "integer"},
                                "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                                "period": {"type": "string", "enum": ["today", "week", "month", "quarter", "year"],
                                           "description": "Default quarter (to date); from/to win"},
                                "class": {"type": "string", "enum": ["A", "B", "C"]}})
def reports_inventory():
    """Products A first (biggest cost of goods sold first); value absent for roles that may not see costs."""
    page, per_page = page_args()
    period = period_from_args(request.args, default="quarter")
    scope = reports.Scope(request.args.get("warehouse_id", type=int), request.args.get("category_id", type=int))
    abc = request.args.get("class", "")
    if abc and abc not in ("A", "B", "C"):
        raise ValidationFailed({"class": [_("Must be one of: %(values)s.", values="A, B, C")]})
    found = reports.turnover(period, scope, abc, page=page, per_page=per_page)
    return reply({"items": found.rows, "total": found.count, "page": page, "per_page": per_page,
                  "from": period.start.isoformat(), "to": period.end.isoformat()})
