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
    return item_price(supplier_item(supplier.id, product.id), product)


def item_price(item: SupplierProduct | None, product: Product) -> Decimal:
    """What we expect to pay for `product` given the supplier's item for it (if any): see default_price."""
    return item.last_price if item is not None and item.last_price is not None else product.purchase_price


def lock(*orders: PurchaseOrder) -> None:
    """Lock these orders (id order) and re-read their lines and invoices: see app.trade.drafts.lock for why."""
    drafts.lock(PurchaseOrder, orders)


class _Pricing:
    """Prices lines of one order, reading once what every new line needs: the supplier's items for the products
    (one query) and the company's settings."""

    def __init__(self, order: PurchaseOrder, products):
        ids = [product.id for product in products]
        self.items = {item.product_id: item for item in db.session.scalars(select(SupplierProduct).where(
            SupplierProduct.supplier_id == order.supplier.id, SupplierProduct.product_id.in_(ids)))} if ids else {}
        self.tax_rate = company().default_tax_rate

    def new_line(self, product: Product, given: LineInput) -> PurchaseOrderLine:
        line = PurchaseOrderLine(product=product, unit_price=item_price(self.items.get(product.id), product),
                                 tax_rate=self.tax_rate, received_qty=ZERO, invoiced_qty=ZERO, returned_qty=ZERO,
                                 credited_qty=ZERO)
        self.set_terms(line, given)
        return line

    @staticmethod
    def set_terms(line: PurchaseOrderLine, given: LineInput) -> None:
        drafts.read_terms(line, given)
        line.price()


def create_order(actor, supplier: Supplier, warehouse_id=None, lines: list[LineInput] = (), notes: str = "",
                 auto_drafted: bool = False) -> PurchaseOrder:
    """A draft purchase order, expected after the supplier's lead time, its lines added in one pass and audited in
    its one entry. A refused line (its error says which: drafts.refused_line) makes nothing."""
    if not supplier.active:
        raise BusinessRuleError(_("This supplier is inactive."), "supplier_id")
    warehouse = drafts.order_warehouse(warehouse_id)
    order = PurchaseOrder(number=next_number("PO"), status=PurchaseStatus.DRAFT, supplier=supplier, warehouse=warehouse,
                          expected_on=business_today() + timedelta(days=supplier.lead_time_days),
                          notes=(notes or "").strip()[:2000], auto_drafted=auto_drafted,
                          user_id=getattr(actor, "id", None))
    # No lock: no one else can see an order this transaction is making.
    touched = _add(order, lines, attach=False) if lines else []
    db.session.add(order)
    drafts.insert_lines(order, [line for line, _before in touched])
    drafts.audit_lines(actor, "purchase_order", order, touched, head={"supplier": (None, supplier.name)})
    return order


def _draft(order: PurchaseOrder) -> None:
    lock(order)
    if order.status != PurchaseStatus.DRAFT:
        raise InvalidState(_("Purchase order %(number)s is %(status)s; only a draft can be changed.",
                             number=order.number, status=order.status.label))


def _add(order: PurchaseOrder, inputs, attach: bool = True) -> list:
    inputs = list(inputs)
    products = drafts.products_for(inputs)
    pricing = _Pricing(order, products.values())
    return drafts.add_lines(order, inputs, products, pricing.new_line, pricing.set_terms, attach)


def add_lines(actor, order: PurchaseOrder, inputs: list[LineInput]) -> list[PurchaseOrderLine]:
    """Add products to a draft in one pass (locked once, one audit entry); one already on the order, or given
    twice, gets its quantity raised instead. All or nothing: a refused input (drafts.refused_line) changes nothing."""
    _draft(order)
    touched = _add(order, inputs)
    drafts.audit_lines(actor, "purchase_order", order, touched)
    return [line for line, _before in touched]


def add_line(actor, order: PurchaseOrder, given: LineInput) -> PurchaseOrderLine:
    """Add a product to a draft; one already on the order gets its quantity raised instead."""
    return add_lines(actor, order, [given])[0]


def update_line(actor, order: PurchaseOrder, line_id: int, given: LineInput) -> PurchaseOrderLine:
    _draft(order)
    line = drafts.line_on(order, line_id)
    before = (line.qty, line.unit_price, line.tax_rate)
    _Pricing.set_terms(line, given)
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
