"""The go-live checklist on the owner's home: each step links to where it is done and ticks itself from the data.

Nothing is stored per step (queries only), except the owner's "done" for opening balances, since having none to
bring is a valid answer.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from app.auth.models import User
from app.auth.roles import Role
from app.catalog.models import Product
from app.extensions import db
from app.inventory.models import MoveKind, StockMove, Warehouse
from app.partners.models import Customer, Supplier
from app.purchasing.models import PurchaseInvoice
from app.sales.models import OrderStatus, SalesInvoice, SalesOrder
from app.settings.services import calendar_in_use, company


def _any(*conditions) -> bool:
    return bool(db.session.scalar(select(exists().where(*conditions))))


def company_profile_done() -> bool:
    """Name, address and phone: what every printed document heads with."""
    settings = company()
    return bool(settings.name.strip() and settings.address.strip() and settings.phone.strip())


def users_invited() -> bool:
    return _any(User.role != Role.OWNER)


def opening_stock_done() -> bool:
    return _any(StockMove.kind == MoveKind.OPENING)


def opening_balances_done() -> bool:
    """The owner said so (none to bring, or all brought), or any opening receivable or payable exists."""
    return (company().opening_balances_done or _any(SalesInvoice.opening.is_(True))
            or _any(PurchaseInvoice.opening.is_(True)))


def first_sale_done() -> bool:
    return _any(SalesOrder.status.notin_((OrderStatus.DRAFT, OrderStatus.CANCELLED)))


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    hint: str
    endpoint: str
    done: Callable[[], bool]
    # The owner may tick this step by hand (only where "nothing to do" is a real answer).
    confirmable: bool = False
    args: dict = field(default_factory=dict)  # the step's URL arguments


# In the order a business goes live; the lists a business already keeps come in from spreadsheets.
STEPS = (
    Step("company", _l("Company profile"), _l("Name, address, phone, tax number and bank: printed on your documents."),
         "settings.edit", company_profile_done),
    Step("warehouses", _l("Warehouses"), _l("Where your goods are kept; add a shop or a second store."),
         "inventory.warehouses", lambda: _any(Warehouse.active.is_(True))),
    Step("users", _l("Invite your staff"), _l("Salespeople, warehouse, purchasing and finance, each with a role."),
         "users.invite", users_invited),
    Step("products", _l("Products"), _l("Import your product list from a spreadsheet, or add them one by one."),
         "imports.kind", lambda: _any(Product.id.isnot(None)), args={"name": "products"}),
    Step("opening_stock", _l("Opening stock"), _l("What is on your shelves today, with its cost."),
         "opening.index", opening_stock_done),
    Step("customers", _l("Customers"), _l("Who you sell to, their terms and credit limits."),
         "imports.kind", lambda: _any(Customer.id.isnot(None)), args={"name": "customers"}),
    Step("suppliers", _l("Suppliers"), _l("Who you buy from."),
         "imports.kind", lambda: _any(Supplier.id.isnot(None)), args={"name": "suppliers"}),
    Step("opening_balances", _l("Opening balances"), _l("What customers owe you and what you owe suppliers today."),
         "opening.index", opening_balances_done, confirmable=True),
    Step("first_sale", _l("First sale"), _l("Take an order and confirm it: you are live."),
         "sales.new", first_sale_done),
)


@dataclass(frozen=True)
class Item:
    step: Step
    done: bool

    @property
    def url(self) -> str:
        return url_for(self.step.endpoint, **self.step.args)


def items() -> list[Item]:
    return [Item(step, step.done()) for step in STEPS]


def all_done() -> bool:
    return all(step.done() for step in STEPS)


def for_home(user) -> list[Item] | None:
    """The checklist to show the owner on home, or None: not the owner, hidden by them, everything done, or a demo
    (its ticks would say nothing about going live; home offers to clear it instead)."""
    settings = company()
    if user.role != Role.OWNER or settings.checklist_hidden or settings.is_demo:
        return None
    listed = items()
    return None if all(item.done for item in listed) else listed


def for_settings() -> dict:
    """What the settings screen offers: clearing a demo, bringing back a hidden checklist not yet done, and whether
    the time zone is fixed (stock has moved)."""
    settings = company()
    return {"is_demo": settings.is_demo, "can_show": settings.checklist_hidden and not all_done(),
            "timezone_locked": calendar_in_use()}
