"""Receiving at the warehouse door by scanning (扫码收货): each scan counts one unit (or one pack) into an open
receipt against the order's lines; posting the receipt moves the stock. A scan of something unknown, not
ordered, or beyond what may still come in is refused in plain words and counts nothing."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.books import posting
from app.audit import services as audit
from app.catalog import services as catalog
from app.db_types import utcnow
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.formatting import number
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import MoveKind
from app.numbering import next_number
from app.purchasing.models import ZERO, PurchaseOrder, PurchaseReceipt, PurchaseReceiptLine
from app.purchasing.receiving import remember_price, receivable, refresh_status
from app.purchasing.services import lock


def open_receipt(actor, order: PurchaseOrder) -> PurchaseReceipt | None:
    """This person's receipt being scanned for the order, if any."""
    return db.session.scalar(select(PurchaseReceipt).where(PurchaseReceipt.order_id == order.id,
                                                           PurchaseReceipt.user_id == actor.id,
                                                           PurchaseReceipt.posted_at.is_(None)))


def _scanned(order: PurchaseOrder) -> dict[int, Decimal]:
    """Quantities on every open receipt of the order, per order line: counted but not yet posted."""
    rows = db.session.execute(select(PurchaseReceiptLine.order_line_id, PurchaseReceiptLine.qty)
                              .join(PurchaseReceiptLine.receipt)
                              .where(PurchaseReceipt.order_id == order.id, PurchaseReceipt.posted_at.is_(None)))
    scanned: dict[int, Decimal] = {}
    for line_id, qty in rows:
        scanned[line_id] = scanned.get(line_id, ZERO) + qty
    return scanned


def scan(actor, order: PurchaseOrder, code: str, count: int = 1) -> PurchaseReceiptLine:
    """Count `count` scans of `code` (each one unit, or one pack of units) into the actor's open receipt."""
    lock(order)
    if not order.status.open_for_receipt:
        raise InvalidState(_("Purchase order %(number)s is %(status)s; it cannot be received.",
                             number=order.number, status=order.status.label))
    barcode = catalog.lookup(code or "")
    if barcode is None:
        raise BusinessRuleError(_("Unknown barcode %(code)s: nothing was counted.", code=(code or "").strip()),
                                "barcode", problem="not-found")
    lines = [line for line in order.lines if line.product_id == barcode.product_id]
    if not lines:
        raise BusinessRuleError(_("%(name)s is not on this order: nothing was counted.", name=barcode.product.name),
                                "barcode")
    qty, scanned = barcode.quantity * count, _scanned(order)
    line = next((line for line in lines if receivable(line) - scanned.get(line.id, ZERO) >= qty), None)
    if line is None:
        left = sum((receivable(line) - scanned.get(line.id, ZERO) for line in lines), ZERO)
        raise BusinessRuleError(_("Only %(left)s %(unit)s of %(name)s may still come in on this order: nothing was "
                                  "counted.", left=number(max(left, ZERO)), unit=barcode.product.unit,
                                  name=barcode.product.name), "barcode")
    receipt = open_receipt(actor, order)
    if receipt is None:
        receipt = PurchaseReceipt(number=None, order=order, warehouse_id=order.warehouse_id, user_id=actor.id)
        db.session.add(receipt)
    counted = next((rl for rl in receipt.lines if rl.order_line_id == line.id), None)
    if counted is None:
        counted = PurchaseReceiptLine(order_line=line, product_id=line.product_id, qty=ZERO, unit_cost=line.unit_price)
        receipt.lines.append(counted)
    counted.qty += qty
    return counted


def set_counted(actor, receipt: PurchaseReceipt, receipt_line_id: int, qty) -> None:
    """Correct a count on an open receipt (undo a scan: one less; 0 drops the line)."""
    lock(receipt.order)
    if receipt.posted_at is not None:
        raise InvalidState(_("Receipt %(number)s is posted; it cannot be changed.", number=receipt.number))
    counted = next((rl for rl in receipt.lines if rl.id == receipt_line_id), None)
    if counted is None:
        raise BusinessRuleError(_("This line is not on the receipt."), "line_id")
    qty = Decimal(qty)
    if qty < 0 or qty > receivable(counted.order_line) - _scanned(receipt.order).get(counted.order_line_id, ZERO) + counted.qty:
        raise BusinessRuleError(_("Enter a quantity from 0 to what may still come in."), "qty")
    if qty == 0:
        receipt.lines.remove(counted)
    else:
        counted.qty = qty


def post_receipt(actor, receipt: PurchaseReceipt) -> PurchaseReceipt:
    """Post a scanned receipt: it gets its number, stock comes in at the order's prices, the order's status follows."""
    order = receipt.order
    lock(order)
    if receipt.posted_at is not None:
        raise InvalidState(_("Receipt %(number)s is already posted.", number=receipt.number))
    if not receipt.lines:
        raise BusinessRuleError(_("Scan at least one item."), "lines")
    for counted in receipt.lines:
        if counted.qty > receivable(counted.order_line):
            raise BusinessRuleError(_("Only %(left)s %(unit)s of %(name)s may still come in on this order.",
                                      left=number(receivable(counted.order_line)), unit=counted.product.unit,
                                      name=counted.product.name), "lines")
    receipt.number, receipt.posted_at = next_number("GR"), utcnow()
    db.session.flush()
    post_moves(actor, Source("purchase_receipt", receipt.id, receipt.number),
               [Move(rl.product_id, receipt.warehouse_id, rl.qty, MoveKind.PURCHASE_RECEIPT, unit_cost=rl.unit_cost,
                     line_id=rl.id) for rl in receipt.lines])
    for counted in receipt.lines:
        counted.order_line.received_qty += counted.qty
        remember_price(order.supplier_id, counted.order_line)
    order.received_at = utcnow()
    before = order.status
    refresh_status(order)
    audit.record(actor, "purchase_order.receive", order, {"status": (before, order.status),
                                                          "receipt": (None, receipt.number)})
    posting.post(actor, "purchase_receipt", receipt)
    return receipt
