"""Orders taken without signal: what the phone keeps to take them, and the draft each one becomes when it is sent.

The phone keeps the salesperson's own customers (the data scope), the active products, the price each customer
would pay and the last known available stock (static/js/offline_orders.js, IndexedDB). An order taken offline
waits in the outbox and arrives here once, in order, under its client key. The key is stored on the order with a
unique index, because a phone may come back days later, when the idempotency record (24 h) is long gone.
"""
import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.catalog.models import Barcode, PackUnit, Product
from app.db_types import utcnow
from app.errors import BusinessRuleError
from app.extensions import db
from app.formatting import plain
from app.inventory.models import StockLevel
from app.inventory.services import default_warehouse
from app.limits import MAX_ID, QUANTITY, clean_text, parse_number
from app.partners.models import Customer, PriceLevel
from app.sales import pricing, scope, services
from app.sales.models import OrderStatus, SalesOrder
from app.settings.services import company

MAX_LINES = 200
MAX_NOTES = 2000
KEY = re.compile(r"[A-Za-z0-9_-]{8,100}", re.ASCII)  # a UUID as the phone makes it, or any like it
FIELDS = {"client_key", "customer_id", "lines", "notes", "confirm"}
LINE_FIELDS = {"product_id", "qty"}


# What the phone keeps ------------------------------------------------------------------------------

def snapshot(user) -> dict:
    """The salesperson's customers, the products with the price each customer pays and the stock available in
    the warehouse offline orders go to. No cost, no purchase price, no other salesperson's customer.

    Prices come from pricing.list_price, once per price list (customers sharing a level and a discount share
    a list), and from the last price each customer paid (pricing.last_price's rule, read in one query), so the
    phone shows what the draft will charge. The server prices the draft again when it arrives.
    """
    warehouse = default_warehouse()
    customers = list(db.session.scalars(scope.customers(user).where(Customer.active).order_by(Customer.name)))
    products = list(db.session.scalars(select(Product).where(Product.active).order_by(Product.sku)))
    # The first list is the retail one, shown before a customer is chosen; each customer names theirs by index.
    retail = Customer(price_level=PriceLevel.RETAIL, discount_pct=Decimal(0))  # never added to the session
    lists: dict[tuple, Customer] = {(retail.price_level, retail.discount_pct): retail}
    for customer in customers:
        lists.setdefault((customer.price_level, customer.discount_pct), customer)
    index = {terms: number for number, terms in enumerate(lists)}
    available = _available(warehouse)
    return {
        "made_at": utcnow().isoformat(timespec="seconds"),
        "user": user.id,
        "warehouse": {"id": warehouse.id, "name": warehouse.name} if warehouse else None,
        "tax_rate": str(company().default_tax_rate),  # what a new line is taxed at (the total shown includes it)
        "customers": [{"id": c.id, "name": c.name, "code": c.code, "search": c.search_text or c.name.lower(),
                       "prices": index[(c.price_level, c.discount_pct)]} for c in customers],
        "products": [{"id": p.id, "sku": p.sku, "name": p.name, "spec": p.spec, "unit": p.unit,
                      "search": p.search_text or p.name.lower(), "available": plain(available.get(p.id, Decimal(0))),
                      "prices": [str(pricing.list_price(model, p)) for model in lists.values()]}
                     for p in products],
        "barcodes": _barcodes(),
        "last_prices": _last_prices([c.id for c in customers]),
    }


def _available(warehouse) -> dict[int, Decimal]:
    if warehouse is None:
        return {}
    rows = db.session.execute(select(StockLevel.product_id, StockLevel.on_hand, StockLevel.reserved)
                              .where(StockLevel.warehouse_id == warehouse.id))
    return {row.product_id: row.on_hand - row.reserved for row in rows}


def _barcodes() -> dict[str, list]:
    """{code: [product id, base units one scan counts]} for the active products (a pack's code adds the pack)."""
    rows = db.session.execute(select(Barcode.code, Barcode.product_id, PackUnit.ratio)
                              .join(Product, Product.id == Barcode.product_id)
                              .outerjoin(PackUnit, PackUnit.id == Barcode.pack_unit_id).where(Product.active))
    return {row.code: [row.product_id, plain(row.ratio or Decimal(1))] for row in rows}


def _last_prices(customer_ids: list[int]) -> dict[str, dict[str, str]]:
    """{customer id: {product id: the net price last paid on a confirmed order}} (pricing.paid_last)."""
    found: dict[str, dict[str, str]] = {}
    if customer_ids:
        for (customer_id, product_id), price in pricing.paid_last(customer_ids).items():
            found.setdefault(str(customer_id), {})[str(product_id)] = str(price)
    return found


# The order when it arrives -------------------------------------------------------------------------

@dataclass(frozen=True)
class OfflineOrder:
    client_key: str
    customer_id: int
    lines: list
    notes: str
    confirm: bool


def read(data) -> OfflineOrder:
    """The order as the phone sent it, checked field by field; BusinessRuleError names the first field at fault."""
    if not isinstance(data, dict):
        raise BusinessRuleError(_("Send the order as JSON."), "order")
    if unknown := sorted(set(data) - FIELDS):
        raise BusinessRuleError(_("Unknown field: %(name)s.", name=", ".join(unknown)), unknown[0])
    key = data.get("client_key")
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise BusinessRuleError(_("The order has no valid key."), "client_key")
    customer_id = data.get("customer_id")
    if not _an_id(customer_id):
        raise BusinessRuleError(_("Choose a customer."), "customer_id")
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        raise BusinessRuleError(_("Add at least one line."), "lines")
    if len(lines) > MAX_LINES:
        raise BusinessRuleError(_("At most %(n)s lines on one order.", n=MAX_LINES), "lines")
    read_lines = []
    for line in lines:
        if not isinstance(line, dict) or set(line) - LINE_FIELDS or not _an_id(line.get("product_id")):
            raise BusinessRuleError(_("Unknown product."), "lines")
        qty = parse_number(line.get("qty", "1"), QUANTITY, "qty")
        if qty <= 0:
            raise BusinessRuleError(_("Enter a quantity above zero."), "qty")
        read_lines.append(services.LineInput(line["product_id"], qty))
    notes = data.get("notes", "")
    if not isinstance(notes, str) or len(notes) > MAX_NOTES:
        raise BusinessRuleError(_("Notes: at most %(n)s characters.", n=MAX_NOTES), "notes")
    confirm = data.get("confirm", False)
    if not isinstance(confirm, bool):
        raise BusinessRuleError(_("Confirm is yes or no."), "confirm")
    return OfflineOrder(key, customer_id, read_lines, clean_text(notes), confirm)


def _an_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def arrived(key: str) -> SalesOrder | None:
    """The order this client key already made, if any: whoever sends it again gets that order, never a second."""
    return db.session.scalar(select(SalesOrder).where(SalesOrder.client_key == key))


def create(actor, given: OfflineOrder) -> SalesOrder:
    """The draft for an order taken offline, priced now as any new draft is (the customer's price, or the last
    they paid). The customer must be in the actor's scope (404 otherwise, never revealing it exists)."""
    customer = scope.get(scope.customers(actor), Customer, given.customer_id)
    if customer is None:
        raise BusinessRuleError(_("This customer is not one of yours, or no longer exists."), "customer_id",
                                problem="not-found")
    order = services.create_order(actor, customer, lines=given.lines, notes=given.notes)
    order.client_key = given.client_key
    return order


def answer(order: SalesOrder, created: bool, refusal: str | None = None) -> dict:
    """What the phone keeps of a sent order: its number, where to open it, and whether it was confirmed."""
    notice = _("Order %(number)s for %(customer)s was not confirmed: %(reason)s It is kept as a draft.",
               number=order.number, customer=order.customer.name, reason=refusal) if refusal else None
    return {"client_key": order.client_key, "id": order.id, "number": order.number, "status": order.status.value,
            "status_label": str(order.status.label), "total": str(order.total), "created": created,
            "confirmed": order.status != OrderStatus.DRAFT, "refusal": refusal, "notice": notice}
