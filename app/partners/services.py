"""Customers: create, edit, reassign, and what they owe (derived from documents, never typed in)."""
import re
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import User
from app.auth.roles import Role
from app.errors import BusinessRuleError, Duplicate
from app.extensions import db
from app.finance.models import Payment
from app.limits import AMOUNT, PERCENT, normalise_code, parse_number
from app.partners.models import Customer, PriceLevel
from app.sales.models import OrderStatus, SalesInvoice, SalesOrder, SalesReturn
from app.search import haystack

TEXT_FIELDS = {"name": 200, "contact": 100, "phone": 50, "mobile": 50, "email": 200, "address": 300,
               "tax_number": 50, "bank_name": 100, "bank_account": 50, "notes": 2000, "tags": 200}
CODE_LENGTH = 32
EDITABLE = ("code", *TEXT_FIELDS, "credit_limit", "payment_terms_days", "price_level", "discount_pct", "salesperson_id",
            "active")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SELLERS = (Role.SALES, Role.OWNER)  # who may own customers


def _clean(values: dict) -> dict:
    """Trim text, parse numbers, check the simple rules; raises BusinessRuleError naming the field."""
    clean = {}
    for field, limit in TEXT_FIELDS.items():
        if field in values:
            text = (values[field] or "").strip()
            if len(text) > limit:
                raise BusinessRuleError(_("At most %(n)s characters.", n=limit), field)
            clean[field] = text
    if "code" in values:
        clean["code"] = clean_code(values["code"])
    if "name" in clean and not clean["name"]:
        raise BusinessRuleError(_("Enter the customer's name."), "name")
    if clean.get("email") and not EMAIL.match(clean["email"]):
        raise BusinessRuleError(_("Enter a valid email address."), "email")
    if "credit_limit" in values:
        limit = values["credit_limit"]
        clean["credit_limit"] = None if limit in (None, "") else parse_number(limit, AMOUNT, "credit_limit")
    if "payment_terms_days" in values:
        days = values["payment_terms_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365:
            raise BusinessRuleError(_("Enter a number of days from 0 to 365."), "payment_terms_days")
        clean["payment_terms_days"] = days
    if "price_level" in values:
        try:
            clean["price_level"] = PriceLevel(values["price_level"] or PriceLevel.RETAIL)
        except ValueError:
            raise BusinessRuleError(_("Choose a price level."), "price_level") from None
    if "discount_pct" in values:
        clean["discount_pct"] = parse_number(values["discount_pct"] or 0, PERCENT, "discount_pct")
    if "salesperson_id" in values:
        clean["salesperson_id"] = _salesperson(values["salesperson_id"])
    if "active" in values:
        clean["active"] = bool(values["active"])
    return clean


def _salesperson(user_id) -> int | None:
    if user_id in (None, ""):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or user.role not in SELLERS:
        raise BusinessRuleError(_("Choose an active salesperson."), "salesperson_id")
    return user.id


def clean_code(value) -> str:
    """A customer's or supplier's code as stored: NFKC, trimmed, no spaces; '' means "assign one"."""
    code = normalise_code(value if isinstance(value, str) else "")
    if len(code) > CODE_LENGTH:
        raise BusinessRuleError(_("At most %(n)s characters.", n=CODE_LENGTH), "code")
    if any(char.isspace() for char in code):
        raise BusinessRuleError(_("A code has no spaces."), "code")
    return code


def check_unique_code(model, code: str, record=None) -> None:
    query = select(model.id).where(func.lower(model.code) == code.lower())
    if record is not None and record.id is not None:
        query = query.where(model.id != record.id)
    if db.session.scalar(query):
        raise Duplicate(_("The code %(code)s is already used.", code=code), "code")


def _check_unique_name(name: str, customer: Customer | None = None) -> None:
    query = select(Customer.id).where(func.lower(Customer.name) == name.lower())
    if customer is not None:
        query = query.where(Customer.id != customer.id)
    if db.session.scalar(query):
        raise Duplicate(_("A customer named %(name)s already exists.", name=name), "name")


def create_customer(actor, values: dict) -> Customer:
    """A new customer; a salesperson who creates one becomes its salesperson."""
    values = {k: v for k, v in values.items() if k in EDITABLE}
    if actor.role == Role.SALES:
        values["salesperson_id"] = actor.id
    clean = _clean({"name": "", **values})
    _check_unique_name(clean["name"])
    if clean.get("code"):
        check_unique_code(Customer, clean["code"])
    else:
        clean.pop("code", None)  # the next free one is given when it is saved (models._code_giver)
    customer = Customer(**clean)
    customer.search_text = search_text(customer)
    db.session.add(customer)
    audit.record(actor, "customer.create", customer, {k: (None, v) for k, v in clean.items() if v not in ("", None)})
    return customer


def update_customer(actor, customer: Customer, values: dict) -> Customer:
    """Change a customer; only the owner may hand it to another salesperson."""
    values = {k: v for k, v in values.items() if k in EDITABLE}
    if values.get("salesperson_id", customer.salesperson_id) == customer.salesperson_id:
        values.pop("salesperson_id", None)  # unchanged: keep it even if that salesperson has left since
    if actor.role != Role.OWNER and "salesperson_id" in values:
        raise BusinessRuleError(_("Only the owner can give a customer to another salesperson."), "salesperson_id",
                                problem="forbidden")
    clean = _clean(values)
    if not clean.get("code", True):
        clean.pop("code")  # blank: keep the code it has
    if "code" in clean:
        check_unique_code(Customer, clean["code"], customer)
    if "name" in clean:
        _check_unique_name(clean["name"], customer)
    changes = audit.apply_changes(customer, clean)
    if changes:
        customer.search_text = search_text(customer)
        action = "customer.reassign" if "salesperson_id" in changes else "customer.update"
        audit.record(actor, action, customer, changes)
    return customer


def search_text(customer: Customer) -> str:
    return haystack(customer.name, customer.code, customer.contact, customer.phone, customer.mobile, customer.tags)


def salesperson_choices() -> list[tuple[int, str]]:
    users = db.session.scalars(select(User).where(User.active, User.role.in_(SELLERS)).order_by(User.username))
    return [(u.id, u.display_name or u.username) for u in users]


def balances(customer_ids) -> dict[int, Decimal]:
    """What each customer owes: invoices, less credit notes (returns), less receipts. Negative: we owe them."""
    ids = list(customer_ids)
    totals = {cid: Decimal("0") for cid in ids}
    if not ids:
        return totals
    for model, amount, sign in ((SalesInvoice, SalesInvoice.total, 1), (SalesReturn, SalesReturn.total, -1),
                                (Payment, Payment.amount, -1)):
        rows = db.session.execute(select(model.customer_id, func.sum(amount)).where(model.customer_id.in_(ids))
                                  .group_by(model.customer_id))
        for customer_id, total in rows:
            totals[customer_id] += sign * (total or 0)
    return totals


def balance(customer: Customer) -> Decimal:
    return balances([customer.id])[customer.id]


def uninvoiced_orders_total(customer: Customer, excluding: SalesOrder | None = None) -> Decimal:
    """Confirmed orders' value not yet invoiced: already promised, so it counts against the credit limit."""
    query = select(SalesOrder).where(SalesOrder.customer_id == customer.id, SalesOrder.status.in_(
        [OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_DELIVERED, OrderStatus.DELIVERED]))
    if excluding is not None and excluding.id is not None:
        query = query.where(SalesOrder.id != excluding.id)
    return sum((order.uninvoiced_total for order in db.session.scalars(query)), Decimal("0"))


def credit_headroom(customer: Customer) -> Decimal | None:
    """How much more the customer may take on credit (None: no limit)."""
    if customer.credit_limit is None:
        return None
    return customer.credit_limit - balance(customer) - uninvoiced_orders_total(customer)
