"""After confirming: receipts (入库) that update the moving-average cost, supplier invoices, returns (采购退货)."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.books import posting
from app.audit import services as audit
from app.db_types import business_today, utcnow
from app.errors import InvalidState
from app.extensions import db
from app.finance.models import PurchaseCreditAllocation
from app.inventory.bulk import insert_lines
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import MoveKind
from app.lines import QtyInput, pick_quantities
from app.inventory.services import active_warehouse
from app.numbering import next_number
from app.partners.models import SupplierProduct
from app.purchasing.models import (ZERO, PurchaseInvoice, PurchaseInvoiceLine, PurchaseOrder, PurchaseOrderLine,
                                   PurchaseReceipt, PurchaseReceiptLine, PurchaseReturn, PurchaseReturnLine)
from app.purchasing.services import lock
from app.settings.services import company
from app.trade import documents
from app.trade.documents import billable
from app.trade.settlement import allocate_credit
from app.trade.status import refresh_status  # noqa: F401  (re-exported: app.purchasing.scanning imports it from here)

COST = Decimal("0.0001")


def receivable(line: PurchaseOrderLine) -> Decimal:
    """What may still come in on a line: what is left, plus the owner's over-receipt tolerance."""
    tolerance = (line.qty * company().receipt_tolerance_pct / 100).quantize(Decimal("0.001"))
    return max(line.qty + tolerance - line.received_qty, ZERO)


def receive(actor, order: PurchaseOrder, lines: list[QtyInput], warehouse_id=None) -> PurchaseReceipt:
    """Goods in against the order: stock moves at the order's price (the moving average follows), partial allowed."""
    lock(order)
    if not order.status.open_for_receipt:
        raise InvalidState(_("Purchase order %(number)s is %(status)s; it cannot be received.",
                             number=order.number, status=order.status.label))
    warehouse = active_warehouse(warehouse_id) if warehouse_id is not None else order.warehouse
    picked = pick_quantities(order, lines, receivable,
                         _("Only %(qty)s %(unit)s of %(name)s can still be received on this order."))
    receipt = PurchaseReceipt(number=next_number("GR"), order=order, warehouse=warehouse, user_id=actor.id,
                              posted_at=utcnow())
    db.session.add(receipt)
    db.session.flush()
    made = insert_lines(receipt, "lines", [PurchaseReceiptLine(order_line=line, product_id=line.product_id, qty=qty,
                                                               unit_cost=line.unit_price) for line, qty in picked])
    posted = post_moves(actor, Source("purchase_receipt", receipt.id, receipt.number),
                        [Move(rl.product_id, warehouse.id, rl.qty, MoveKind.PURCHASE_RECEIPT, unit_cost=rl.unit_cost,
                              line_id=rl.id) for rl in made])
    for line, qty in picked:
        line.received_qty += qty
    remember_prices(order.supplier_id, [line for line, _qty in picked])
    order.received_at = utcnow()
    before = order.status
    refresh_status(order)
    audit.record(actor, "purchase_order.receive", order, {
        "status": (before, order.status), "receipt": (None, receipt.number),
        "lines": (None, audit.listed((move.product.sku, move.qty, move.unit_cost) for move in posted))})
    posting.post(actor, "purchase_receipt", receipt, moves=posted)
    return receipt


def remember_price(supplier_id: int, line: PurchaseOrderLine) -> None:
    """The supplier's last price for the product: the next order starts from it."""
    remember_prices(supplier_id, [line])


def remember_prices(supplier_id: int, lines: list[PurchaseOrderLine]) -> None:
    """The supplier's last price for each line's product (the next order starts from it): one read, and the
    products new to the supplier added in one statement."""
    products = {line.product_id for line in lines}
    items = {item.product_id: item for item in db.session.scalars(select(SupplierProduct).where(
        SupplierProduct.supplier_id == supplier_id, SupplierProduct.product_id.in_(products)))}
    new = {}
    for line in lines:
        if (item := items.get(line.product_id)) is not None:
            item.last_price = line.unit_price
        else:
            new[line.product_id] = {"supplier_id": supplier_id, "product_id": line.product_id, "supplier_sku": "",
                                    "last_price": line.unit_price, "min_order_qty": ZERO, "preferred": False}
    if new:
        db.session.connection().execute(SupplierProduct.__table__.insert(), list(new.values()))


def invoice_order(actor, order: PurchaseOrder, supplier_reference: str = "") -> PurchaseInvoice:
    """The supplier's invoice for what was received and not yet invoiced; due after its payment terms."""
    lock(order)
    lines = billable(order, _("Purchase order %(number)s has nothing received waiting to be invoiced.",
                              number=order.number))
    invoice = documents.invoice(actor, order, order.supplier, PurchaseInvoice, PurchaseInvoiceLine, "PI", lines,
                                business_today(), supplier_reference=(supplier_reference or "").strip()[:50],
                                supplier_id=order.supplier_id)
    before = order.status
    refresh_status(order)
    audit.record(actor, "purchase_order.invoice", order, {"status": (before, order.status),
                                                          "invoice": (None, invoice.number),
                                                          "total": (None, invoice.total)})
    posting.post(actor, "purchase_invoice", invoice)
    return invoice


def return_goods(actor, order: PurchaseOrder, lines: list[QtyInput], warehouse_id=None,
                 reason: str = "") -> PurchaseReturn:
    """Send received goods back at the cost they came in at; what had been invoiced is credited by the supplier."""
    lock(order)
    shipped_to = order.receipts[-1].warehouse if order.receipts else order.warehouse
    warehouse = active_warehouse(warehouse_id) if warehouse_id is not None else shipped_to
    picked = pick_quantities(order, lines, lambda line: line.returnable,
                         _("Only %(qty)s %(unit)s of %(name)s were received and not returned."))
    purchase_return = documents.take_back(actor, order, PurchaseReturn, PurchaseReturnLine, "PR", picked, warehouse,
                                          reason, lambda line: line.unit_price, supplier_id=order.supplier_id)
    posted = post_moves(actor, Source("purchase_return", purchase_return.id, purchase_return.number),
                        [Move(rl.product_id, warehouse.id, -rl.qty, MoveKind.PURCHASE_RETURN, unit_cost=rl.unit_cost,
                              line_id=rl.id) for rl in purchase_return.lines])
    allocate_credit(purchase_return, lambda note, invoice, amount: PurchaseCreditAllocation(
        purchase_return=note, invoice=invoice, amount=amount))
    before = order.status
    refresh_status(order)
    audit.record(actor, "purchase_return.create", purchase_return, {
        "order": (None, order.number), "order_status": (before, order.status), "credit": (None, purchase_return.total),
        "lines": (None, audit.listed((move.product.sku, -move.qty, move.unit_cost) for move in posted))})
    posting.post(actor, "purchase_return", purchase_return, moves=posted)
    return purchase_return
