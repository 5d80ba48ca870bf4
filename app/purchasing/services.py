"""Purchase orders: prices from the supplier's last price, drafts, confirming and cancelling."""
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.catalog.models import Product
from app.db_types import business_today, utcnow
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.limits import QUANTITY, parse_number
from app.numbering import next_number
from app.partners.models import Supplier, SupplierProduct
from app.purchasing.models import ZERO, PurchaseOrder, PurchaseOrderLine, PurchaseStatus
from app.settings.services import company
from app.trade import drafts


@dataclass(frozen=True)
class LineInput:
    product_id: int
    qty: object = Decimal("1")
    unit_price: object = None  # None: the supplier's last price, else the product's purchase price
    tax_rate: object = None  # None: the company's default rate


def supplier_item(supplier_id: int, product_id: int) -> SupplierProduct | None:
    return db.session.scalar(select(SupplierProduct).where(SupplierProduct.supplier_id == supplier_id,
                                                           SupplierProduct.product_id == product_id))


def default_price(supplier: Supplier, product: Product) -> Decimal:
    """What we expect to pay: this supplier's last price for the product, else its purchase price."""
    item = supplier_item(supplier.id, product.id)
    return item.last_price if item is not None and item.last_price is not None else product.purchase_price


def lock(*orders: PurchaseOrder) -> None:
    """Lock these orders (id order) and re-read their lines and invoices: see app.trade.drafts.lock for why."""
    drafts.lock(PurchaseOrder, orders)


def _price_line(order: PurchaseOrder, line: PurchaseOrderLine, given: LineInput, new: bool) -> None:
    if new:
        line.unit_price = default_price(order.supplier, line.product)
        line.tax_rate = company().default_tax_rate
    drafts.read_terms(line, given)
    line.price()


def create_order(actor, supplier: Supplier, warehouse_id=None, lines: list[LineInput] = (), notes: str = "",
                 auto_drafted: bool = False) -> PurchaseOrder:
    """A draft purchase order, expected after the supplier's lead time."""
    if not supplier.active:
        raise BusinessRuleError(_("This supplier is inactive."), "supplier_id")
    warehouse = drafts.order_warehouse(warehouse_id)
    order = PurchaseOrder(number=next_number("PO"), status=PurchaseStatus.DRAFT, supplier=supplier, warehouse=warehouse,
                          expected_on=business_today() + timedelta(days=supplier.lead_time_days),
                          notes=(notes or "").strip()[:2000], auto_drafted=auto_drafted,
                          user_id=getattr(actor, "id", None))
    db.session.add(order)
    for given in lines:
        add_line(actor, order, given)
    audit.record(actor, "purchase_order.create", order, {"supplier": (None, supplier.name)})
    return order


def _draft(order: PurchaseOrder) -> None:
    lock(order)
    if order.status != PurchaseStatus.DRAFT:
        raise InvalidState(_("Purchase order %(number)s is %(status)s; only a draft can be changed.",
                             number=order.number, status=order.status.label))


def add_line(actor, order: PurchaseOrder, given: LineInput) -> PurchaseOrderLine:
    """Add a product to a draft; one already on the order gets its quantity raised instead."""
    _draft(order)
    product = drafts.product_to_add(given)
    existing = drafts.line_of(order, product)
    if existing is not None and drafts.only_qty(given, PurchaseOrderLine.TERMS):
        _price_line(order, existing, LineInput(product.id, existing.qty + parse_number(given.qty, QUANTITY, "qty")), new=False)
        line = existing
    else:
        line = PurchaseOrderLine(product=product, received_qty=ZERO, invoiced_qty=ZERO, returned_qty=ZERO,
                                 credited_qty=ZERO)
        with db.session.no_autoflush:
            _price_line(order, line, given, new=True)
        order.lines.append(line)
    order.recompute_totals()
    audit.record(actor, "purchase_order.line_add", order, {"product": (None, product.sku), "qty": (None, line.qty),
                                                            "unit_price": (None, line.unit_price)})
    return line


def update_line(actor, order: PurchaseOrder, line_id: int, given: LineInput) -> PurchaseOrderLine:
    _draft(order)
    line = drafts.line_on(order, line_id)
    before = (line.qty, line.unit_price, line.tax_rate)
    _price_line(order, line, given, new=False)
    order.recompute_totals()
    audit.record(actor, "purchase_order.line_update", order, {
        "product": (None, line.product.sku), "qty": (before[0], line.qty), "unit_price": (before[1], line.unit_price),
        "tax_rate": (before[2], line.tax_rate)})
    return line


def remove_line(actor, order: PurchaseOrder, line_id: int) -> None:
    _draft(order)
    line = drafts.line_on(order, line_id)
    order.lines.remove(line)
    order.recompute_totals()
    audit.record(actor, "purchase_order.line_remove", order, {"product": (line.product.sku, None)})


def confirm_order(actor, order: PurchaseOrder) -> PurchaseOrder:
    """Draft to confirmed: sent to the supplier, counted as on order, open for receiving."""
    _draft(order)
    if not order.lines:
        raise BusinessRuleError(_("Add at least one line."), "lines")
    order.status, order.confirmed_at = PurchaseStatus.CONFIRMED, utcnow()
    audit.record(actor, "purchase_order.confirm", order, {"status": (PurchaseStatus.DRAFT, order.status),
                                                          "total": (None, order.total)})
    return order


def cancel_order(actor, order: PurchaseOrder) -> PurchaseOrder:
    """Cancel before anything is received."""
    lock(order)
    if not order.status.can_cancel or any(line.received_qty for line in order.lines):
        raise InvalidState(_("Purchase order %(number)s is %(status)s; only an order with nothing received can be "
                             "cancelled.", number=order.number, status=order.status.label))
    before, order.status = order.status, PurchaseStatus.CANCELLED
    audit.record(actor, "purchase_order.cancel", order, {"status": (before, order.status)})
    return order
