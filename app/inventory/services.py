"""Warehouses and the stock documents: adjustments (其他入库/其他出库/报损/报溢) and transfers (调拨)."""
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app import database
from app.books import posting
from app.audit import services as audit
from app.catalog.models import Product
from app.errors import BusinessRuleError, Duplicate
from app.extensions import db
from app.inventory.bulk import insert_lines
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import (AdjustmentKind, MoveKind, StockAdjustment, StockAdjustmentLine, StockTransfer,
                                  StockTransferLine, Warehouse)
from app.limits import COST, SIGNED_QUANTITY, parse_number
from app.numbering import next_number

ADJUSTMENT_MOVE_KIND = {
    AdjustmentKind.OTHER_IN: MoveKind.ADJUSTMENT_IN, AdjustmentKind.OTHER_OUT: MoveKind.ADJUSTMENT_OUT,
    AdjustmentKind.DAMAGE: MoveKind.DAMAGE, AdjustmentKind.OVERAGE: MoveKind.OVERAGE,
}


@dataclass(frozen=True)
class LineInput:
    product_id: int
    qty: Decimal
    unit_cost: Decimal | None = None


def default_warehouse() -> Warehouse | None:
    return db.session.scalar(select(Warehouse).where(Warehouse.is_default, Warehouse.active)) or db.session.scalar(
        select(Warehouse).where(Warehouse.active).order_by(Warehouse.id))


def create_warehouse(actor, code: str, name: str, address: str = "", is_default: bool = False) -> Warehouse:
    code, name = (code or "").strip().upper(), (name or "").strip()
    if not code:
        raise BusinessRuleError(_("Enter a code."), "code")
    if not name:
        raise BusinessRuleError(_("Enter a name."), "name")
    if db.session.scalar(select(Warehouse.id).where(func.upper(Warehouse.code) == code)):
        raise Duplicate(_("Warehouse code %(code)s is already used.", code=code), "code")
    first = db.session.scalar(select(func.count()).select_from(Warehouse)) == 0
    warehouse = Warehouse(code=code, name=name, address=(address or "").strip(), is_default=is_default or first)
    if warehouse.is_default:
        db.session.execute(update(Warehouse).values(is_default=False))
    db.session.add(warehouse)
    audit.record(actor, "warehouse.create", warehouse, {"code": (None, code), "name": (None, name)})
    return warehouse


def active_warehouse(warehouse_id) -> Warehouse:
    warehouse = db.session.get(Warehouse, warehouse_id) if isinstance(warehouse_id, int) else None
    if warehouse is None or not warehouse.active:
        raise BusinessRuleError(_("Choose a warehouse."), "warehouse_id")
    return warehouse


def _lines(lines: list[LineInput], sign: int = 0) -> list[LineInput]:
    """Check the lines of a stock document: known products, non-zero quantities of the right sign."""
    if not lines:
        raise BusinessRuleError(_("Add at least one line."), "lines")
    ids = {line.product_id for line in lines}
    found = set(db.session.scalars(select(Product.id).where(Product.id.in_(ids))))
    if found != ids:
        raise BusinessRuleError(_("Unknown product."), "lines")
    checked = []
    for line in lines:
        qty = parse_number(line.qty, SIGNED_QUANTITY, "lines")
        if qty == 0:
            raise BusinessRuleError(_("Quantities cannot be zero."), "lines")
        if sign and qty * sign < 0:
            raise BusinessRuleError(_("This kind of document only adds stock.") if sign > 0
                                    else _("This kind of document only removes stock."), "lines")
        cost = parse_number(line.unit_cost, COST, "lines") if line.unit_cost is not None else None
        checked.append(LineInput(line.product_id, qty, cost))
    return checked


def create_adjustment(actor, warehouse_id, kind, reason: str, lines: list[LineInput]) -> StockAdjustment:
    """Post an adjustment: every line a move at once, or nothing (on any refusal the caller rolls back)."""
    warehouse = active_warehouse(warehouse_id)
    try:
        kind = AdjustmentKind(kind)
    except ValueError:
        raise BusinessRuleError(_("Choose a kind of adjustment."), "kind") from None
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleError(_("Give a reason."), "reason")
    lines = _lines(lines, kind.sign)
    database.writing_begins()  # the checks above read only: the API's adjustments read first (database.reads_first)
    adjustment = StockAdjustment(number=next_number("ADJ"), warehouse=warehouse, kind=kind, reason=reason[:200],
                                 user_id=getattr(actor, "id", None))
    db.session.add(adjustment)
    db.session.flush()
    made = insert_lines(adjustment, "lines", [StockAdjustmentLine(product_id=line.product_id, qty=line.qty,
                                                                  unit_cost=line.unit_cost or 0) for line in lines])
    # Stock taken out of a warehouse leaves at the average; a cost only prices what comes in. Each line keeps the
    # cost its goods moved at.
    posted = post_moves(actor, Source("adjustment", adjustment.id, adjustment.number),
                        [Move(line.product_id, warehouse.id, line.qty, _move_kind(kind, line.qty),
                              unit_cost=given.unit_cost if line.qty > 0 else None, line=line)
                         for line, given in zip(made, lines)])
    audit.record(actor, "adjustment.create", adjustment, {
        "kind": (None, kind), "reason": (None, reason),
        "lines": (None, audit.listed((move.product.sku, move.qty, move.unit_cost) for move in posted))})
    posting.post(actor, "adjustment", adjustment, moves=posted)
    return adjustment


def _move_kind(kind: AdjustmentKind, qty: Decimal) -> MoveKind:
    if kind in ADJUSTMENT_MOVE_KIND:
        return ADJUSTMENT_MOVE_KIND[kind]
    return MoveKind.ADJUSTMENT_IN if qty > 0 else MoveKind.ADJUSTMENT_OUT


def create_transfer(actor, from_id, to_id, lines: list[LineInput], notes: str = "") -> StockTransfer:
    """Move goods between warehouses: out of one and into the other in one transaction, at average cost."""
    source, target = active_warehouse(from_id), active_warehouse(to_id)
    if source.id == target.id:
        raise BusinessRuleError(_("Choose two different warehouses."), "to_warehouse_id")
    lines = _lines(lines, sign=1)
    transfer = StockTransfer(number=next_number("TRF"), from_warehouse=source, to_warehouse=target,
                             notes=(notes or "").strip()[:200], user_id=getattr(actor, "id", None))
    db.session.add(transfer)
    db.session.flush()
    moves = []
    for line in insert_lines(transfer, "lines", [StockTransferLine(product_id=line.product_id, qty=line.qty)
                                                 for line in lines]):
        moves.append(Move(line.product_id, source.id, -line.qty, MoveKind.TRANSFER_OUT, line_id=line.id))
        moves.append(Move(line.product_id, target.id, line.qty, MoveKind.TRANSFER_IN, line_id=line.id))
    posted = post_moves(actor, Source("transfer", transfer.id, transfer.number), moves)
    audit.record(actor, "transfer.create", transfer, {
        "from": (None, source.code), "to": (None, target.code),
        "lines": (None, audit.listed((move.product.sku, move.qty, move.unit_cost) for move in posted[1::2]))})
    return transfer
