"""Sales orders: prices, drafts that save on every change, confirming (credit and stock) and cancelling."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.auth.roles import Role
from app.catalog.models import Product
from app.db_types import utcnow
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.formatting import money
from app.inventory.ledger import reserve
from app.inventory.services import active_warehouse
from app.limits import QUANTITY, parse_number
from app.numbering import next_number
from app.partners.models import Customer, PriceLevel
from app.sales.models import CENT, ZERO, OrderStatus, SalesOrder, SalesOrderLine
from app.settings.services import company
from app.trade import balances, drafts


class CreditLimitExceeded(BusinessRuleError):
    problem = "credit-limit-exceeded"


@dataclass(frozen=True)
class LineInput:
    product_id: int
    qty: object = Decimal("1")
    unit_price: object = None  # None: the customer's price
    discount_pct: object = None
    tax_rate: object = None  # None: the company's default rate


# Prices ---------------------------------------------------------------------------------------------

def list_price(customer: Customer, product: Product) -> Decimal:
    """The price the customer's price level gives, before any line discount."""
    if customer.price_level == PriceLevel.WHOLESALE and product.wholesale_price is not None:
        return product.wholesale_price
    if customer.price_level == PriceLevel.DISCOUNT:
        return (product.sale_price * (100 - customer.discount_pct) / 100).quantize(CENT, ROUND_HALF_UP)
    return product.sale_price


def last_price(customer: Customer, product_id: int) -> Decimal | None:
    """The net price this customer last paid for the product on a confirmed order."""
    line = db.session.scalar(
        select(SalesOrderLine).join(SalesOrderLine.order)
        .where(SalesOrder.customer_id == customer.id, SalesOrderLine.product_id == product_id,
               SalesOrder.status.not_in([OrderStatus.DRAFT, OrderStatus.CANCELLED]))
        .order_by(SalesOrder.confirmed_at.desc(), SalesOrderLine.id.desc()).limit(1))
    return line.net_price if line else None


def price_floor(customer: Customer, product: Product) -> Decimal:
    """The lowest net price a salesperson may give: the list price less the owner's allowed discount,
    or the customer's last price if that was lower (an agreed price stays usable; a giveaway at zero does not)."""
    floor = (list_price(customer, product) * (100 - company().max_sales_discount_pct) / 100).quantize(CENT, ROUND_HALF_UP)
    last = last_price(customer, product.id)
    return min(floor, last) if last else floor


def _price_line(actor, order: SalesOrder, line: SalesOrderLine, given: LineInput, new: bool) -> None:
    """Set a line's quantity and price terms from input, within the limits the owner set, and price it."""
    product = line.product
    if new:
        line.list_price = list_price(order.customer, product)
        last = last_price(order.customer, product.id)
        line.unit_price = last if last is not None else line.list_price
        line.discount_pct = ZERO
        line.tax_rate = company().default_tax_rate
    drafts.read_terms(line, given)
    if actor.role != Role.OWNER and (floor := price_floor(order.customer, product)) > line.net_price:
        raise BusinessRuleError(_("%(name)s cannot be sold below %(floor)s without the owner.",
                                  name=product.name, floor=money(floor)), "unit_price")
    line.price()


# Drafts ---------------------------------------------------------------------------------------------

def create_order(actor, customer: Customer, warehouse_id=None, lines: list[LineInput] = (), notes: str = "") -> SalesOrder:
    """A draft order for `customer` (already checked to be in the actor's scope)."""
    if not customer.active:
        raise BusinessRuleError(_("This customer is inactive."), "customer_id")
    warehouse = drafts.order_warehouse(warehouse_id)
    salesperson_id = actor.id if actor.role == Role.SALES else customer.salesperson_id
    order = SalesOrder(number=next_number("SO"), status=OrderStatus.DRAFT, customer=customer, warehouse=warehouse, salesperson_id=salesperson_id,
                       notes=(notes or "").strip()[:2000])
    db.session.add(order)
    for given in lines:
        add_line(actor, order, given)
    audit.record(actor, "sales_order.create", order, {"customer": (None, customer.name)})
    return order


def lock(*orders: SalesOrder) -> None:
    """Wait for anyone else changing these orders, then read them afresh (see app.trade.drafts.lock)."""
    drafts.lock(SalesOrder, orders)


def _draft(order: SalesOrder) -> None:
    lock(order)
    if order.status != OrderStatus.DRAFT:
        raise InvalidState(_("Order %(number)s is %(status)s; only a draft can be changed.",
                             number=order.number, status=order.status.label))


def add_line(actor, order: SalesOrder, given: LineInput) -> SalesOrderLine:
    """Add a product to a draft; a product already on the order gets its quantity raised instead."""
    _draft(order)
    product = drafts.product_to_add(given)
    existing = drafts.line_of(order, product)
    if existing is not None and drafts.only_qty(given, SalesOrderLine.TERMS):
        before = _terms(existing)
        _price_line(actor, order, existing, LineInput(product.id, existing.qty + parse_number(given.qty, QUANTITY, "qty")), new=False)
        order.recompute_totals()
        _audit_line(actor, order, existing, before)
        return existing
    line = SalesOrderLine(product=product, delivered_qty=ZERO, invoiced_qty=ZERO, returned_qty=ZERO, credited_qty=ZERO)
    with db.session.no_autoflush:  # priced from queries before the half-made line may be written
        _price_line(actor, order, line, given, new=True)
    order.lines.append(line)
    order.recompute_totals()
    _audit_line(actor, order, line, {})
    return line


def _terms(line: SalesOrderLine) -> dict:
    return {"qty": line.qty, **line.terms()}


def _audit_line(actor, order: SalesOrder, line: SalesOrderLine, before: dict) -> None:
    """Record a draft line's new terms (prices are audited from the first keystroke they are saved)."""
    after = _terms(line)
    changes = {name: (before.get(name), value) for name, value in after.items() if before.get(name) != value}
    if changes:
        changes["product"] = (None, line.product.sku)
        audit.record(actor, "sales_order.line_update" if before else "sales_order.line_add", order, changes)


def update_line(actor, order: SalesOrder, line_id: int, given: LineInput) -> SalesOrderLine:
    _draft(order)
    line = drafts.line_on(order, line_id)
    before = _terms(line)
    _price_line(actor, order, line, given, new=False)
    order.recompute_totals()
    _audit_line(actor, order, line, before)
    return line


def remove_line(actor, order: SalesOrder, line_id: int) -> None:
    _draft(order)
    line = drafts.line_on(order, line_id)
    order.lines.remove(line)
    order.recompute_totals()
    audit.record(actor, "sales_order.line_remove", order, {"product": (line.product.sku, None), "qty": (line.qty, None)})


def update_order(actor, order: SalesOrder, warehouse_id=None, notes: str | None = None) -> SalesOrder:
    _draft(order)
    values, warehouse = {}, active_warehouse(warehouse_id) if warehouse_id is not None else None
    if warehouse is not None:
        values["warehouse_id"] = warehouse.id
    if notes is not None:
        values["notes"] = notes.strip()[:2000]
    if changes := audit.apply_changes(order, values):
        if warehouse is not None:
            order.warehouse = warehouse  # keep the relationship in step with the id just set
        audit.record(actor, "sales_order.update", order, changes)
    return order


# Confirming and cancelling -------------------------------------------------------------------------

def credit_check(order: SalesOrder) -> str | None:
    """Why confirming would break the customer's credit limit, in plain words; None when it would not."""
    customer = order.customer
    if customer.credit_limit is None:
        return None
    owed = balances.customer_balance(customer)
    promised = balances.uninvoiced_orders_total(customer, excluding=order)
    if owed + promised + order.total <= customer.credit_limit:
        return None
    return _("%(customer)s has a credit limit of %(limit)s and already owes %(owed)s (%(promised)s more on orders "
             "not yet billed). This order of %(total)s would go %(over)s over the limit.",
             customer=customer.name, limit=money(customer.credit_limit), owed=money(owed), promised=money(promised),
             total=money(order.total), over=money(owed + promised + order.total - customer.credit_limit))


def confirm_order(actor, order: SalesOrder, approve_over_limit: bool = False) -> SalesOrder:
    """Draft to confirmed: within the credit limit (or approved over it by the owner), stock reserved."""
    _draft(order)
    if not order.lines:
        raise BusinessRuleError(_("Add at least one line."), "lines")
    # One confirmation per customer at a time, or two orders that each fit could together pass the limit.
    db.session.scalars(select(Customer).where(Customer.id == order.customer_id).with_for_update(key_share=True)
                       .execution_options(populate_existing=True)).all()
    if refusal := credit_check(order):
        if not approve_over_limit:
            raise CreditLimitExceeded(refusal, "customer_id")
        if actor.role != Role.OWNER:
            raise BusinessRuleError(_("Only the owner can approve an order over the credit limit."),
                                    "customer_id", problem="forbidden")
        order.over_limit_approved_by_id = actor.id
        audit.record(actor, "sales_order.approve_over_limit", order, {"reason": (None, refusal)})
    reserve([(line.product_id, order.warehouse_id, line.qty) for line in order.lines])
    order.status = OrderStatus.CONFIRMED
    order.confirmed_at = utcnow()
    audit.record(actor, "sales_order.confirm", order, {"status": (OrderStatus.DRAFT, order.status),
                                                       "total": (None, order.total)})
    return order


def release_reservations(order: SalesOrder) -> None:
    items = [(line.product_id, order.warehouse_id, -line.to_deliver) for line in order.lines if line.to_deliver > 0]
    if items:
        reserve(items)


def cancel_order(actor, order: SalesOrder) -> SalesOrder:
    """Cancel before anything is delivered; a confirmed order gives its reserved stock back."""
    lock(order)
    if not order.status.can_cancel or any(line.delivered_qty for line in order.lines):
        raise InvalidState(_("Order %(number)s is %(status)s; only an order with nothing delivered can be cancelled.",
                             number=order.number, status=order.status.label))
    before = order.status
    if before.holds_reservation:
        release_reservations(order)
    order.status = OrderStatus.CANCELLED
    audit.record(actor, "sales_order.cancel", order, {"status": (before, order.status)})
    return order
