"""Sales orders: drafts that save on every change (priced by app.sales.pricing), confirming (credit and stock) and
cancelling."""
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.auth.roles import Role
from app.db_types import business_today, utcnow
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.formatting import money
from app.inventory.ledger import reserve
from app.inventory.services import active_warehouse
from app.numbering import next_number
from app.partners.models import Customer
from app.sales.models import ZERO, OrderStatus, SalesOrder, SalesOrderLine
from app.sales.pricing import Pricing
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


# Drafts ---------------------------------------------------------------------------------------------

def create_order(actor, customer: Customer, warehouse_id=None, lines: list[LineInput] = (), notes: str = "") -> SalesOrder:
    """A draft order for `customer` (already checked to be in the actor's scope), its lines added in one pass and
    audited in its one entry. A refused line (its error says which: drafts.refused_line) makes nothing."""
    if not customer.active:
        raise BusinessRuleError(_("This customer is inactive."), "customer_id")
    warehouse = drafts.order_warehouse(warehouse_id)
    salesperson_id = actor.id if actor.role == Role.SALES else customer.salesperson_id
    order = SalesOrder(number=next_number("SO"), status=OrderStatus.DRAFT, customer=customer, warehouse=warehouse, salesperson_id=salesperson_id,
                       notes=(notes or "").strip()[:2000])
    # No lock: no one else can see an order this transaction is making.
    touched = _add(actor, order, lines, attach=False) if lines else []
    db.session.add(order)
    drafts.insert_lines(order, [line for line, _before in touched])
    drafts.audit_lines(actor, "sales_order", order, touched, head={"customer": (None, customer.name)})
    return order


def repeat_order(actor, source: SalesOrder) -> SalesOrder:
    """再来一单: a new draft for the source order's customer with its products and quantities, priced as new lines are
    today; products no longer sold are left out, and an inactive warehouse gives way to the default one."""
    lines = [LineInput(line.product_id, line.qty) for line in source.lines if line.product.active]
    warehouse_id = source.warehouse_id if source.warehouse.active else None
    return create_order(actor, source.customer, warehouse_id, lines)  # notes belong to the one delivery


def lock(*orders: SalesOrder) -> None:
    """Wait for anyone else changing these orders, then read them afresh (see app.trade.drafts.lock)."""
    drafts.lock(SalesOrder, orders)


def _draft(order: SalesOrder) -> None:
    lock(order)
    if order.status != OrderStatus.DRAFT:
        raise InvalidState(_("Order %(number)s is %(status)s; only a draft can be changed.",
                             number=order.number, status=order.status.label))


def _add(actor, order: SalesOrder, inputs, attach: bool = True) -> list:
    inputs = list(inputs)
    products = drafts.products_for(inputs)
    pricing = Pricing(actor, order, products.values())
    return drafts.add_lines(order, inputs, products, pricing.new_line, pricing.set_terms, attach)


def add_lines(actor, order: SalesOrder, inputs: list[LineInput]) -> list[SalesOrderLine]:
    """Add products to a draft in one pass (the order locked once, priced in one pass, one audit entry); a product
    already on the order, or given twice, gets its quantity raised instead. All or nothing: a refused input
    (drafts.refused_line says which) leaves the order as it was. Returns the lines touched."""
    _draft(order)
    touched = _add(actor, order, inputs)
    drafts.audit_lines(actor, "sales_order", order, touched)
    return [line for line, _before in touched]


def add_line(actor, order: SalesOrder, given: LineInput) -> SalesOrderLine:
    """Add a product to a draft; a product already on the order gets its quantity raised instead."""
    return add_lines(actor, order, [given])[0]


def _terms(line: SalesOrderLine) -> dict:
    return {"qty": line.qty, **line.terms()}


def update_line(actor, order: SalesOrder, line_id: int, given: LineInput) -> SalesOrderLine:
    _draft(order)
    line = drafts.line_on(order, line_id)
    before = _terms(line)
    Pricing(actor, order, [line.product]).set_terms(line, given)
    order.recompute_totals()
    drafts.audit_lines(actor, "sales_order", order, [(line, before)])
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

@dataclass(frozen=True)
class CreditStanding:
    """Where a draft's customer stands with this order counted: the banner on the draft shows it, confirming checks it."""
    balance: Decimal  # owed on invoices now
    overdue: Decimal  # of that, what is past its due date
    promised: Decimal  # confirmed orders not yet invoiced, this one left out
    limit: Decimal | None  # None: no credit limit
    order_total: Decimal

    @property
    def headroom(self) -> Decimal | None:
        """How much more the customer may take before this order (None: no limit)."""
        return None if self.limit is None else self.limit - self.balance - self.promised

    @property
    def over(self) -> Decimal:
        """How far this order would go past the limit (zero when it fits, or there is no limit)."""
        return ZERO if self.limit is None else max(self.order_total - self.headroom, ZERO)


def credit_standing(order: SalesOrder) -> CreditStanding:
    customer, today = order.customer, business_today()
    overdue = sum((invoice.open_amount for invoice in balances.open_invoices(balances.RECEIVABLES, customer.id)
                   if invoice.overdue(today)), ZERO)
    return CreditStanding(balances.customer_balance(customer), overdue,
                          balances.uninvoiced_orders_total(customer, excluding=order), customer.credit_limit,
                          order.total)


def credit_check(order: SalesOrder) -> str | None:
    """Why confirming would break the customer's credit limit, in plain words; None when it would not."""
    standing = credit_standing(order)
    if not standing.over:
        return None
    return _("%(customer)s has a credit limit of %(limit)s and already owes %(owed)s (%(promised)s more on orders "
             "not yet billed). This order of %(total)s would go %(over)s over the limit.",
             customer=order.customer.name, limit=money(standing.limit), owed=money(standing.balance),
             promised=money(standing.promised), total=money(order.total), over=money(standing.over))


def confirm_order(actor, order: SalesOrder, approve_over_limit: bool = False) -> SalesOrder:
    """Draft to confirmed: within the credit limit (or approved over it by the owner), stock reserved."""
    _draft(order)
    if not order.lines:
        raise BusinessRuleError(_("Add at least one line."), "lines")
    # One confirmation per customer at a time, or two orders that each fit could together pass the limit.
    db.session.scalars(select(Customer).where(Customer.id == order.customer_id).with_for_update(key_share=True)
                       .execution_options(populate_existing=True)).all()
    # No limit, nothing to check: reading the customer's balance and open orders would only cost time.
    if order.customer.credit_limit is not None and (refusal := credit_check(order)):
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
