"""Warehouses, stock levels, the ledger, adjustments and transfers over the API."""
from flask import abort, g, request, url_for
from sqlalchemy import select

from app.api.routes import bp
from app.api import feed
from app.api.feed import Feed
from app.api.schema import Boolean, Choice, DateTime, DecimalString, Integer, ListOf, Nested, Schema, String, updated
from app.api.spec import operation, parse_body, reply, reply_page
from app.auth.roles import EVERYONE, Role, allow, sees_cost
from app.database import reads_first
from app.extensions import db
from app.inventory import queries
from app.inventory import services as inventory
from app.inventory.models import (AdjustmentKind, MoveKind, StockAdjustment, StockLevel, StockMove, StockTransfer,
                                  Warehouse)
from app.inventory.services import LineInput
from app.limits import COST, QUANTITY, SIGNED_QUANTITY

STOCK_WRITERS = (Role.OWNER, Role.WAREHOUSE)
STOCK_READERS = (Role.OWNER, Role.WAREHOUSE, Role.PURCHASING, Role.FINANCE)

WAREHOUSE = Schema("Warehouse", {"id": Integer(), "code": String(), "name": String(), "address": String(),
                                 "is_default": Boolean(), "active": Boolean(), "updated_at": updated()})
WAREHOUSE_CREATE = Schema("WarehouseCreate", {
    "code": String(required=True, min_length=1, max_length=20), "name": String(required=True, min_length=1,
                                                                                 max_length=100),
    "address": String(max_length=300), "is_default": Boolean()})
STOCK_LEVEL = Schema("StockLevel", {"product_id": Integer(), "warehouse_id": Integer(), "on_hand": DecimalString(3),
                                    "reserved": DecimalString(3), "available": DecimalString(3),
                                    "updated_at": updated()})
MOVE = Schema("StockMove", {
    "id": Integer(), "product_id": Integer(), "warehouse_id": Integer(), "qty": DecimalString(3, description="Signed"),
    "kind": Choice(MoveKind),
    "document": String(description="Blank (and user null) for a salesperson, but on their own documents",
                       source="source_number"),
    "created_at": DateTime(), "user": String(nullable=True, source="username"),
    "unit_cost": DecimalString(4, description="Only for roles that may see costs", visible=sees_cost),
    "updated_at": updated("created_at")})
LINE_IN = Schema("StockLineInput", {"product_id": Integer(required=True),
                                    "qty": DecimalString(3, SIGNED_QUANTITY, required=True),
                                    "unit_cost": DecimalString(4, COST, description="Inbound cost (roles that see costs)")})
ADJUSTMENT_CREATE = Schema("AdjustmentCreate", {
    "warehouse_id": Integer(required=True), "reason": String(required=True, min_length=1, max_length=200),
    "kind": Choice(AdjustmentKind, description="Default correction: signed quantities either way"),
    "lines": ListOf(Nested(LINE_IN), min_items=1, required=True)})
TRANSFER_CREATE = Schema("TransferCreate", {
    "from_warehouse_id": Integer(required=True), "to_warehouse_id": Integer(required=True),
    "notes": String(max_length=200),
    "lines": ListOf(Nested(Schema("TransferLineInput", {"product_id": Integer(required=True),
                                                        "qty": DecimalString(3, QUANTITY, required=True)})),
                    min_items=1, required=True)})
_MOVED = {"id": Integer(), "product_id": Integer(), "qty": DecimalString(3)}
DOC_LINE = Schema("StockDocumentLine", {**_MOVED, "unit_cost": DecimalString(
    4, description="Only for roles that see costs", visible=sees_cost)})
ADJUSTMENT = Schema("Adjustment", {"id": Integer(), "number": String(), "warehouse_id": Integer(),
                                   "kind": Choice(AdjustmentKind), "reason": String(), "created_at": DateTime(),
                                   "updated_at": updated("created_at"), "lines": ListOf(Nested(DOC_LINE))})
TRANSFER = Schema("Transfer", {"id": Integer(), "number": String(), "from_warehouse_id": Integer(),
                               "to_warehouse_id": Integer(), "notes": String(), "created_at": DateTime(),
                               "updated_at": updated("created_at"),
                               "lines": ListOf(Nested(Schema("TransferLine", _MOVED)))})  # a transfer line has no cost


@bp.route("/warehouses")
@allow(EVERYONE)
@operation("List warehouses", response=WAREHOUSE, listing=True, feed=Feed(Warehouse))
def warehouses_index():
    """Active warehouses, the default first; a feed has the closed ones too (a closing is a change)."""
    query = select(Warehouse).order_by(Warehouse.is_default.desc(), Warehouse.code)
    return reply_page(query if feed.requested() else query.where(Warehouse.active))


@bp.route("/warehouses", methods=["POST"])
@allow(Role.OWNER)
@operation("Create a warehouse", body=WAREHOUSE_CREATE, response=WAREHOUSE, status=201, problems=(409,))
def warehouses_create():
    """A new warehouse; the first one (or one sent with is_default) becomes the default."""
    data = parse_body()
    warehouse = inventory.create_warehouse(g.user, data["code"], data["name"], data.get("address", ""),
                                           data.get("is_default", False))
    db.session.flush()
    return reply(warehouse, location=url_for("api.warehouses_index"))


@bp.route("/stock")
@allow(EVERYONE)
@operation("Stock levels", response=STOCK_LEVEL, listing=True, feed=Feed(StockLevel, keys=("product_id", "warehouse_id")),
           query={"product_id": {"type": "integer"}, "warehouse_id": {"type": "integer"}})
def stock_index():
    """On hand, reserved and available per product and warehouse."""
    query = select(StockLevel).order_by(StockLevel.product_id, StockLevel.warehouse_id)
    for field in ("product_id", "warehouse_id"):
        if (value := request.args.get(field, type=int)) is not None:
            query = query.where(getattr(StockLevel, field) == value)
    return reply_page(query)


@bp.route("/stock/moves")
@allow(EVERYONE)
@operation("The stock ledger (append-only)", response=MOVE, listing=True, feed=Feed(StockMove, updated="created_at"),
           query={"product_id": {"type": "integer"}, "warehouse_id": {"type": "integer"}})
def stock_moves():
    """Ledger rows, newest first; a salesperson sees colleagues' documents and names blank (the data scope)."""
    query = queries.moves_query(g.user, request.args.get("product_id", type=int),
                                request.args.get("warehouse_id", type=int))
    return reply_page(query, whole_rows=True)


@bp.route("/stock/adjustments", methods=["POST"])
@allow(*STOCK_WRITERS)
@reads_first
@operation("Post an adjustment (signed quantities)", body=ADJUSTMENT_CREATE, response=ADJUSTMENT, status=201,
           problems=(409,), location="api.adjustments_show")
def adjustments_create():
    """All lines post as moves, or none do (409 insufficient-stock names the product)."""
    data = parse_body()
    lines = [LineInput(line["product_id"], line["qty"], line.get("unit_cost") if sees_cost(g.user) else None)
             for line in data["lines"]]
    adjustment = inventory.create_adjustment(g.user, data["warehouse_id"], data.get("kind", AdjustmentKind.CORRECTION),
                                             data["reason"], lines)
    return reply(adjustment, location=url_for("api.adjustments_show", adjustment_id=adjustment.id))


@bp.route("/stock/adjustments/<int:adjustment_id>")
@allow(*STOCK_READERS)
@operation("Read an adjustment", response=ADJUSTMENT)
def adjustments_show(adjustment_id):
    """One adjustment document."""
    return reply(db.session.get(StockAdjustment, adjustment_id) or abort(404))


@bp.route("/stock/transfers", methods=["POST"])
@allow(*STOCK_WRITERS)
@operation("Transfer stock between warehouses", body=TRANSFER_CREATE, response=TRANSFER, status=201,
           problems=(409,), location="api.transfers_show")
def transfers_create():
    """Out of one warehouse and into the other, in one transaction."""
    data = parse_body()
    transfer = inventory.create_transfer(g.user, data["from_warehouse_id"], data["to_warehouse_id"],
                                         [LineInput(line["product_id"], line["qty"]) for line in data["lines"]],
                                         data.get("notes", ""))
    return reply(transfer, location=url_for("api.transfers_show", transfer_id=transfer.id))


@bp.route("/stock/transfers/<int:transfer_id>")
@allow(*STOCK_READERS)
@operation("Read a transfer", response=TRANSFER)
def transfers_show(transfer_id):
    """One transfer document."""
    return reply(db.session.get(StockTransfer, transfer_id) or abort(404))
