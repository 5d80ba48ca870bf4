"""Stocktakes over the API: open a count, send scans (one at a time, or a batch replayed by an offline phone),
read the differences, post them."""
from flask import abort, g, url_for
from flask_babel import gettext as _

from app.api.routes import bp
from app.api.schema import Boolean, Choice, DateTime, DecimalString, Integer, ListOf, Nested, Schema, String
from app.api.sales import optional_body
from app.api.spec import operation, parse_body, reply
from app.auth.roles import STOCKTAKE_COUNTERS, STOCKTAKE_REVIEWERS, allow, sees_cost
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import QUANTITY
from app.stocktake import services as stocktakes
from app.stocktake.models import Stocktake, StocktakeStatus

MAX_BATCH = 500

STOCKTAKE = Schema("Stocktake", {
    "id": Integer(), "number": String(), "name": String(), "warehouse_id": Integer(),
    "category_id": Integer(nullable=True), "blind": Boolean(), "status": Choice(StocktakeStatus),
    "opened_at": DateTime(), "posted_at": DateTime(nullable=True), "lines": Integer(), "counted_lines": Integer()})
STOCKTAKE_CREATE = Schema("StocktakeCreate", {
    "warehouse_id": Integer(required=True), "name": String(max_length=100),
    "category_id": Integer(nullable=True, description="Count only this category and its subcategories"),
    "blind": Boolean(description="Counters are not shown the expected quantities")})
SCAN_IN = Schema("StocktakeScanInput", {
    "scan_id": String(required=True, min_length=8, max_length=64, description="A UUID made by the client"),
    "barcode": String(required=True, min_length=1, max_length=64),
    "qty": DecimalString(3, QUANTITY, description="Scanned units (a pack's barcode counts its units each); default 1"),
    "counted_at": String(max_length=40, description="When it was scanned (ISO 8601), for scans sent later")})
SCAN = Schema("StocktakeScan", {
    "scan_id": String(), "product_id": Integer(), "qty": DecimalString(3, description="Base units counted"),
    "counted": DecimalString(3, description="The product's count so far, all counters together")})
BATCH_IN = Schema("StocktakeScanBatch", {"scans": ListOf(Nested(SCAN_IN), min_items=1, required=True)})
BATCH_RESULT = Schema("StocktakeScanResult", {
    "scan_id": String(), "status": Integer(description="201 counted, 200 seen before, 404 unknown barcode, 422"),
    "product_id": Integer(), "qty": DecimalString(3), "counted": DecimalString(3), "problem": String(),
    "message": String()}, sparse=True)  # a counted scan has no problem, a refused one no count
BATCH = Schema("StocktakeScanBatchResult", {"results": ListOf(Nested(BATCH_RESULT))})
VARIANCE_ROW = Schema("StocktakeVarianceRow", {
    "product_id": Integer(), "sku": String(), "name": String(), "expected": DecimalString(3),
    "book": DecimalString(3, description="Expected plus the moves up to the product's last scan"),
    "counted": DecimalString(3, nullable=True, description="null: not counted"),
    "difference": DecimalString(3, nullable=True),
    "value": DecimalString(2, description="Roles that see costs", visible=sees_cost,
                           when=lambda row: row.value is not None)})
VARIANCE = Schema("StocktakeVariance", {"rows": ListOf(Nested(VARIANCE_ROW))})
POST_IN = Schema("StocktakePost", {"uncounted": Choice(
    list(stocktakes.UNCOUNTED_CHOICES),
    description="Products nobody counted: keep their stock (the default, a partial count) or zero it (a full count)")})


def _stocktake(stocktake_id: int) -> Stocktake:
    return db.session.get(Stocktake, stocktake_id) or abort(404)


def _stocktake_reply(stocktake: Stocktake, **kw):
    """The stocktake with how many of its products have been counted."""
    progress = stocktakes.progress(stocktake)
    return reply(stocktake, lines=progress["lines"], counted_lines=progress["counted"], **kw)


@bp.route("/stocktakes", methods=["POST"])
@allow(STOCKTAKE_COUNTERS)
@operation("Open a stocktake", body=STOCKTAKE_CREATE, response=STOCKTAKE, status=201, problems=(409,),
           location="api.stocktakes_show")
def stocktakes_create():
    """The expected quantities are what the books say is on hand now, in the warehouse (or category). 409
    invalid-state: a count of the same products is under way (the warehouse's, or an overlapping category's)."""
    data = parse_body()
    stocktake = stocktakes.open_stocktake(g.user, data["warehouse_id"], data.get("category_id"), data.get("name", ""),
                                          data.get("blind", False))
    return _stocktake_reply(stocktake, location=url_for("api.stocktakes_show", stocktake_id=stocktake.id))


@bp.route("/stocktakes/<int:stocktake_id>")
@allow(STOCKTAKE_COUNTERS)
@operation("Read a stocktake", response=STOCKTAKE)
def stocktakes_show(stocktake_id):
    """Its state and how many products have been counted."""
    return _stocktake_reply(_stocktake(stocktake_id))


@bp.route("/stocktakes/<int:stocktake_id>/scans", methods=["POST"])
@allow(STOCKTAKE_COUNTERS)
@operation("Count a scan (201; 200 when its scan_id was counted before)", body=SCAN_IN, response=SCAN, status=201,
           also=(200,), problems=(404, 409))
def stocktakes_scan(stocktake_id):
    """201 counted; 200 this scan_id was counted before (nothing added); 404 unknown barcode; 409 closed."""
    data = parse_body()
    result = stocktakes.record_scan(g.user, stocktake_id, data["scan_id"], data["barcode"], data.get("qty"),
                                    data.get("counted_at"))
    return reply(result, status=201 if result.created else 200)


@bp.route("/stocktakes/<int:stocktake_id>/scans/batch", methods=["POST"])
@allow(STOCKTAKE_COUNTERS)
@operation("Count a batch of scans (offline replay)", body=BATCH_IN, response=BATCH, problems=(409,))
def stocktakes_scan_batch(stocktake_id):
    """Each scan answers on its own, in order; scan_ids seen before are skipped. At most 500 a batch."""
    data = parse_body()
    if len(data["scans"]) > MAX_BATCH:
        raise BusinessRuleError(_("Send at most %(count)s scans at a time.", count=MAX_BATCH), "scans")
    results = stocktakes.record_scans(g.user, stocktake_id, data["scans"])
    return reply({"results": results})


@bp.route("/stocktakes/<int:stocktake_id>/variance")
@allow(STOCKTAKE_REVIEWERS)
@operation("The differences, per product", response=VARIANCE)
def stocktakes_variance(stocktake_id):
    """Expected at opening, book at counting time, counted and the difference (value for roles that see costs)."""
    return reply({"rows": stocktakes.variance(_stocktake(stocktake_id))})


@bp.route("/stocktakes/<int:stocktake_id>/post", methods=["POST"])
@allow(STOCKTAKE_REVIEWERS)
@operation("Post the differences and close the count", body=POST_IN, body_optional=True, response=STOCKTAKE,
           problems=(409,))
def stocktakes_post(stocktake_id):
    """Differences become stocktake_gain / stocktake_loss moves through the ledger; the count then takes no scans."""
    data = optional_body()
    stocktake = stocktakes.post_stocktake(g.user, _stocktake(stocktake_id),
                                          data.get("uncounted", stocktakes.UNCOUNTED_KEEP))
    return _stocktake_reply(stocktake)
