"""Navigation and the home screen's jobs, per role. Each area adds its entries here."""
from dataclasses import dataclass

from flask import g, url_for
from flask_babel import lazy_gettext as _l

from app.auth.roles import (BOOKS, CUSTOMER_READERS, EVERYONE, MONEY_READERS, PURCHASE_READERS, RECEIVERS, SALES_READERS,
                            SUPPLIER_READERS, Role)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    icon: str
    roles: frozenset
    description: object = ""
    # Primary entries make the phone's bottom bar (at most five per role): True for every role, or the
    # roles it is primary for. The rest show in the side bar on tablets and as tiles on the home screen.
    primary: bool | frozenset = True
    badge_endpoint: str | None = None

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    def primary_for(self, role) -> bool:
        return self.primary if isinstance(self.primary, bool) else role in self.primary

    @property
    def badge_url(self) -> str | None:
        """Where the entry's count comes from, loaded after the page so no page waits for it."""
        return url_for(self.badge_endpoint) if self.badge_endpoint else None


NAV = (
    NavItem("home.index", _l("Home"), "home", EVERYONE),
    NavItem("catalog.index", _l("Products"), "box", EVERYONE,
            _l("Find products, scan barcodes, check stock and prices"),
            primary=EVERYONE - {Role.FINANCE, Role.WAREHOUSE}),  # the warehouse scans more than it browses
    NavItem("inventory.index", _l("Stock"), "stock", EVERYONE,
            _l("Stock by warehouse, ledger, adjustments and transfers"), badge_endpoint="inventory.low_stock_badge",
            # Sales and purchasing check stock from the product; finance's bar has room for the books instead.
            primary=EVERYONE - {Role.SALES, Role.PURCHASING, Role.FINANCE}),
    NavItem("sales.index", _l("Orders"), "cart", SALES_READERS,
            _l("Take orders, deliver, make sales slips, take returns"), primary=SALES_READERS - {Role.FINANCE}),
    NavItem("partners.index", _l("Customers"), "people", CUSTOMER_READERS,
            _l("Customers, what they owe and what they buy"), primary=frozenset({Role.SALES})),
    NavItem("sales.invoices", _l("Sales slips"), "log", MONEY_READERS,
            _l("What customers owe, overdue first"), primary=frozenset({Role.FINANCE})),
    NavItem("finance.receipts", _l("Receipts"), "cash", MONEY_READERS,
            _l("Money received and what it paid"), primary=frozenset({Role.FINANCE})),
    # Every report the role may open, the owner's and finance's dashboard first (their home also shows today's
    # tiles and links to it). One entry, not two: the owner's side bar must still fit a 768 px high tablet.
    NavItem("reports.index", _l("Reports"), "stock", EVERYONE,
            _l("Dashboard, sales, stock and money reports, with charts, Excel and PDF"), primary=False),
    NavItem("books.index", _l("Books"), "log", BOOKS,
            _l("Accounts, vouchers, profit and balance sheet, money accounts and expenses"),
            primary=frozenset({Role.FINANCE})),
    NavItem("users.index", _l("Users"), "users", frozenset({Role.OWNER}),
            _l("Add staff, set their roles, reset passwords"), primary=False),
    NavItem("audit.index", _l("Audit log"), "log", frozenset({Role.OWNER}),
            _l("Who changed what, and when"), primary=False),
    NavItem("settings.edit", _l("Settings"), "settings", frozenset({Role.OWNER}),
            _l("Company name, logo, tax rate, currency"), primary=False),
    NavItem("purchasing.receiving", _l("Receive"), "box", RECEIVERS,
            _l("Goods in at the door: scan against the purchase order"), primary=frozenset({Role.WAREHOUSE})),
    # The warehouse's bar is full (deliveries, receiving, stock) and the owner's side bar too: a home tile for the
    # warehouse, and a link on the stock page (and the owner's dashboard) for everyone who counts.
    NavItem("stocktake.index", _l("Stocktake"), "scan", frozenset({Role.WAREHOUSE}),
            _l("Count a warehouse by scanning, review the differences, post them"), primary=False),
    NavItem("purchasing.index", _l("Purchasing"), "cart", PURCHASE_READERS - {Role.WAREHOUSE},
            _l("Purchase orders, reorder suggestions, supplier invoices"), primary=frozenset({Role.PURCHASING})),
    NavItem("purchasing.suppliers", _l("Suppliers"), "people", SUPPLIER_READERS,
            _l("Suppliers, what we owe them and how they perform"), primary=frozenset({Role.PURCHASING})),
    NavItem("auth.account", _l("Me"), "me", EVERYONE,
            _l("Password, language and API tokens")),
)


def nav_items():
    """The navigation entries the signed-in user may open."""
    user = g.get("user")
    return [item for item in NAV if user is not None and user.role in item.roles]


def jobs():
    """The home screen's tiles: every entry but home itself."""
    return [item for item in nav_items() if item.endpoint != "home.index"]
