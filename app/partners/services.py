"""Customers: create, edit, reassign; what they owe is app.trade.balances' (derived from documents)."""
import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import User
from app.auth.roles import Role
from app.errors import BusinessRuleError, Duplicate
from app.extensions import db
from app.limits import AMOUNT, PERCENT, normalise_code, parse_number
from app.partners.models import Customer, PriceLevel
from app.search import haystack

TEXT_FIELDS = {"name": 200, "contact": 100, "phone": 50, "mobile": 50, "email": 200, "address": 300,
               "tax_number": 50, "bank_name": 100, "bank_account": 50, "notes": 2000, "tags": 200}
CODE_LENGTH = 32
EDITABLE = ("code", *TEXT_FIELDS, "credit_limit", "payment_terms_days", "price_level", "discount_pct", "salesperson_id",
            "active")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SELLERS = (Role.SALES, Role.OWNER)  # who may own customers


def clean_contact(values: dict, fields: dict, no_name: str) -> dict:
    """What customers and suppliers share: text `fields` trimmed within their lengths, the code, a name (else
    `no_name`) and a valid email; raises BusinessRuleError naming the field."""
    clean = {}
    for field, limit in fields.items():
        if field in values:
            text = (values[field] or "").strip()
            if len(text) > limit:
                raise BusinessRuleError(_("At most %(n)s characters.", n=limit), field)
            clean[field] = text
    if "code" in values:
        clean["code"] = clean_code(values["code"])
    if "name" in clean and not clean["name"]:
        raise BusinessRuleError(no_name, "name")
    if clean.get("email") and not EMAIL.match(clean["email"]):
        raise BusinessRuleError(_("Enter a valid email address."), "email")
    return clean


def days(value, field: str) -> int:
    """A number of days from 0 to 365 (payment terms, lead times)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
        raise BusinessRuleError(_("Enter a number of days from 0 to 365."), field)
    return value


def _clean(values: dict) -> dict:
    """Trim text, parse numbers, check the simple rules; raises BusinessRuleError naming the field."""
    clean = clean_contact(values, TEXT_FIELDS, _("Enter the customer's name."))
    if "credit_limit" in values:
        limit = values["credit_limit"]
        clean["credit_limit"] = None if limit in (None, "") else parse_number(limit, AMOUNT, "credit_limit")
    if "payment_terms_days" in values:
        clean["payment_terms_days"] = days(values["payment_terms_days"], "payment_terms_days")
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


def check_unique_name(model, name: str, record, taken: str) -> None:
    """A Duplicate saying `taken` when another customer or supplier (`model`) has this name, in any case."""
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if record is not None:
        query = query.where(model.id != record.id)
    if db.session.scalar(query):
        raise Duplicate(taken, "name")


def _check_unique_name(name: str, customer: Customer | None = None) -> None:
    check_unique_name(Customer, name, customer, _("A customer named %(name)s already exists.", name=name))


def create_customer(actor, values: dict) -> Customer:
    """A new customer; a salesperson who creates one becomes its salesperson."""
    values = {k: v for k, v in values.items() if k in EDITABLE}
    if actor.role == Role.SALES:
        values["salesperson_id"] = actor.id
    return add_partner(actor, Customer, _clean({"name": "", **values}), _check_unique_name, search_text,
                       "customer.create")


def add_partner(actor, model, clean: dict, check_name, search, action: str):
    """A new customer or supplier (`model`) from cleaned values, its name and code unique (without a code, the next
    free one is given when it is saved: models._code_giver), audited as `action`."""
    check_name(clean["name"])
    if clean.get("code"):
        check_unique_code(model, clean["code"])
    else:
        clean.pop("code", None)
    partner = model(**clean)
    partner.search_text = search(partner)
    db.session.add(partner)
    audit.record(actor, action, partner, {k: (None, v) for k, v in clean.items() if v not in ("", None)})
    return partner


def check_identity(model, record, clean: dict, check_name) -> None:
    """A changed code or name stays unique; a blank code keeps the one the record has."""
    if not clean.get("code", True):
        clean.pop("code")
    if "code" in clean:
        check_unique_code(model, clean["code"], record)
    if "name" in clean:
        check_name(clean["name"], record)


def update_customer(actor, customer: Customer, values: dict) -> Customer:
    """Change a customer; only the owner may hand it to another salesperson."""
    values = {k: v for k, v in values.items() if k in EDITABLE}
    if values.get("salesperson_id", customer.salesperson_id) == customer.salesperson_id:
        values.pop("salesperson_id", None)  # unchanged: keep it even if that salesperson has left since
    if actor.role != Role.OWNER and "salesperson_id" in values:
        raise BusinessRuleError(_("Only the owner can give a customer to another salesperson."), "salesperson_id",
                                problem="forbidden")
    clean = _clean(values)
    check_identity(Customer, customer, clean, _check_unique_name)
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
