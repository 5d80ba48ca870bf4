"""Roles and the one access rule: every view declares who may reach it, or nobody may."""
import enum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext


class Role(enum.StrEnum):
    OWNER = "owner"
    SALES = "sales"
    WAREHOUSE = "warehouse"
    PURCHASING = "purchasing"
    FINANCE = "finance"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.OWNER: _l("Owner"),
    Role.SALES: _l("Sales"),
    Role.WAREHOUSE: lazy_pgettext("role", "Warehouse"),
    Role.PURCHASING: _l("Purchasing"),
    Role.FINANCE: _l("Finance"),
}

EVERYONE = frozenset(Role)
PUBLIC = "public"


def allow(*roles):
    """Mark a view as reachable by these roles (EVERYONE for any signed-in user).

    The check itself runs once, in access.enforce, for HTML, htmx and API alike; a view without
    this mark (or `public`) is refused.
    """
    allowed = frozenset(r for group in roles for r in (group if isinstance(group, frozenset) else [group]))

    def mark(view):
        view.allowed_roles = allowed
        return view

    return mark


def public(view):
    """Mark a view as open to anonymous visitors (sign-in, health, static, PWA files)."""
    view.allowed_roles = PUBLIC
    return view


def allowed_roles(view):
    """The roles a view function declares, PUBLIC, or None when it declares nothing."""
    return getattr(view, "allowed_roles", None)



# What each role may see of money. Enforced where data leaves the server (API serialisers, page
# context), never by hiding in HTML alone.
SEES_COST = frozenset({Role.OWNER, Role.PURCHASING, Role.FINANCE})
SEES_SALE_PRICE = frozenset({Role.OWNER, Role.PURCHASING, Role.FINANCE, Role.SALES})


# Who may open sales screens at all (the data scope then narrows what a salesperson sees).
SALES_READERS = frozenset({Role.OWNER, Role.SALES, Role.WAREHOUSE, Role.FINANCE})  # warehouse: to deliver
SALES_WRITERS = frozenset({Role.OWNER, Role.SALES})  # create, change, confirm, cancel orders
DELIVERERS = frozenset({Role.OWNER, Role.SALES, Role.WAREHOUSE})  # deliveries and returns move stock
INVOICERS = frozenset({Role.OWNER, Role.SALES, Role.FINANCE})
CUSTOMER_READERS = frozenset({Role.OWNER, Role.SALES, Role.FINANCE})
CUSTOMER_WRITERS = frozenset({Role.OWNER, Role.SALES})
MONEY_READERS = frozenset({Role.OWNER, Role.SALES, Role.FINANCE})  # a salesperson: own customers' receipts
MONEY_WRITERS = frozenset({Role.OWNER, Role.SALES, Role.FINANCE})
# Purchasing: the warehouse receives (without prices); finance reads and pays.
PURCHASE_READERS = frozenset({Role.OWNER, Role.PURCHASING, Role.FINANCE, Role.WAREHOUSE})
PURCHASE_WRITERS = frozenset({Role.OWNER, Role.PURCHASING})
RECEIVERS = frozenset({Role.OWNER, Role.PURCHASING, Role.WAREHOUSE})
SUPPLIER_READERS = frozenset({Role.OWNER, Role.PURCHASING, Role.FINANCE})
SUPPLIER_WRITERS = frozenset({Role.OWNER, Role.PURCHASING})
PAYABLES = frozenset({Role.OWNER, Role.PURCHASING, Role.FINANCE})  # supplier invoices and payments
# The books (accounts, vouchers, statements, exports), money accounts and expenses: nobody else sees any of it.
BOOKS = frozenset({Role.OWNER, Role.FINANCE})


def sees_cost(user) -> bool:
    return user is not None and user.role in SEES_COST


def sees_sale_price(user) -> bool:
    return user is not None and user.role in SEES_SALE_PRICE
# Products: who edits the catalogue (and attaches an unknown scanned barcode).
PRODUCT_EDITORS = frozenset({Role.OWNER, Role.PURCHASING, Role.WAREHOUSE})
PRODUCT_IMPORTERS = frozenset({Role.OWNER, Role.PURCHASING})  # the product list's old import address
# Reports: sales for salespeople too (their own customers, without cost), stock for those who look after it
# (the warehouse without values), money and the dashboard for the owner and finance.
SALES_REPORT_READERS = frozenset({Role.OWNER, Role.SALES, Role.FINANCE})
INVENTORY_REPORT_READERS = frozenset({Role.OWNER, Role.FINANCE, Role.PURCHASING, Role.WAREHOUSE})
MONEY_REPORT_READERS = frozenset({Role.OWNER, Role.FINANCE})
# Stocktake: the warehouse opens counts and counts; the owner reviews the differences and posts them.
STOCKTAKE_COUNTERS = frozenset({Role.OWNER, Role.WAREHOUSE})
STOCKTAKE_REVIEWERS = frozenset({Role.OWNER})
