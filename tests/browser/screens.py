"""The main screens of each role, on the demo company (app/demo.py), for the checks that walk them all: axe-core
and touch targets (test_axe_screens.py), table layout (test_layout_tables.py)."""
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from app.demo import DEMO_PASSWORD, load_demo
from app.extensions import db
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = f"/static/vendor/axe-core-{json.loads((ROOT / 'package.json').read_text())['dependencies']['axe-core']}.min.js"

LOGINS = {"owner": "boss", "sales": "sales1", "warehouse": "warehouse", "purchasing": "buyer", "finance": "finance"}


def load_company() -> dict:
    """Load the demo company; returns the ids the screens' addresses need."""
    from app.auth.models import User
    from app.books.models import Account, Voucher
    from app.catalog.models import Product
    from app.finance.models import Payment
    from app.partners.models import Customer
    from app.purchasing.models import PurchaseOrder
    from app.sales.models import SalesDelivery, SalesInvoice, SalesOrder
    from app.stocktake.models import Stocktake

    load_demo()
    db.session.commit()
    sales1 = db.session.scalar(select(User.id).where(User.username == "sales1"))
    first = lambda model, *where: db.session.scalar(select(model.id).where(*where).order_by(model.id))  # noqa: E731
    return {
        "product": first(Product), "customer": first(Customer, Customer.salesperson_id == sales1),
        "order": first(SalesOrder, SalesOrder.salesperson_id == sales1), "invoice": first(SalesInvoice),
        "delivery": first(SalesDelivery), "receipt": first(Payment), "purchase_order": first(PurchaseOrder),
        "stocktake": first(Stocktake), "voucher": first(Voucher), "account": first(Account, Account.role == "receivables"),
    }


def screens(role: str, ids: dict) -> list[tuple[str, str]]:
    """(name, address) of the screens a person of `role` works in most."""
    return {
        "owner": [
            ("home", "/"), ("dashboard", "/reports/"), ("products", "/products"),
            ("product", f"/products/{ids['product']}"), ("customers", "/customers"),
            ("customer", f"/customers/{ids['customer']}"), ("order", f"/orders/{ids['order']}"),
            ("invoice", f"/invoices/{ids['invoice']}"), ("receipts", "/receipts"),
            ("purchase order", f"/purchase-orders/{ids['purchase_order']}"),
            ("receiving", f"/purchase-orders/{ids['purchase_order']}/receive"), ("stock", "/stock"),
            ("stocktake review", f"/stocktakes/{ids['stocktake']}/review"), ("reports", "/reports/list"),
            ("inventory summary", "/reports/inventory/summary"), ("turnover", "/reports/inventory/turnover"),
            ("abc", "/reports/inventory/abc"),
        ],
        "sales": [("home", "/"), ("customers", "/customers"), ("new order", "/orders/new"),
                  ("order", f"/orders/{ids['order']}")],
        "warehouse": [("home", "/"), ("stock", "/stock"), ("deliveries", "/orders"),
                      ("delivery", f"/deliveries/{ids['delivery']}"), ("receiving", "/receiving"),
                      ("stocktake count", f"/stocktakes/{ids['stocktake']}")],
        "purchasing": [("purchase orders", "/purchase-orders"), ("suppliers", "/suppliers")],
        "finance": [("invoices", "/invoices"), ("receipts", "/receipts"), ("aging", "/reports/receivables"),
                    ("books", "/books/"), ("vouchers", "/books/vouchers"), ("voucher", f"/books/vouchers/{ids['voucher']}"),
                    ("new voucher", "/books/vouchers/new"), ("chart of accounts", "/books/accounts"),
                    ("account", f"/books/accounts/{ids['account']}"), ("posting rules", "/books/rules"),
                    ("close a month", "/books/periods")],
    }[role]


def other_screens(ids: dict) -> list[tuple[str, str]]:
    """The owner's less-travelled screens: the 44 px rule and axe hold everywhere, not only on the main ones."""
    return [
        ("orders", "/orders"), ("invoices", "/invoices"), ("new receipt", f"/receipts/new?customer_id={ids['customer']}"),
        ("receipt", f"/receipts/{ids['receipt']}"), ("delivery", f"/deliveries/{ids['delivery']}"),
        ("new product", "/products/new"), ("categories", "/categories"), ("import", "/products/import"),
        ("labels", "/products/labels"), ("new customer", "/customers/new"),
        ("edit customer", f"/customers/{ids['customer']}/edit"), ("ledger", f"/stock/ledger/{ids['product']}"),
        ("adjustments", "/adjustments"), ("new adjustment", "/adjustments/new"), ("transfers", "/transfers"),
        ("new transfer", "/transfers/new"), ("warehouses", "/warehouses"), ("purchase orders", "/purchase-orders"),
        ("new purchase order", "/purchase-orders/new"), ("suggestions", "/purchase-orders/suggestions"),
        ("analysis", "/purchase-orders/analysis"), ("suppliers", "/suppliers"), ("receiving", "/receiving"),
        ("stocktakes", "/stocktakes/"), ("sales report", "/reports/sales"), ("cash", "/reports/cash"),
        ("payables", "/reports/payables"), ("statements", "/reports/statements"),
        ("statement", f"/reports/customers/{ids['customer']}/statement"), ("stock value", "/reports/inventory/value"),
        ("best sellers", "/reports/inventory/best-sellers"), ("slow movers", "/reports/inventory/slow-movers"),
        ("stockout risk", "/reports/inventory/stockout-risk"), ("users", "/users"), ("audit", "/audit"),
        ("settings", "/settings"), ("account", "/account"),
        ("scheduled reports", "/settings/reports"), ("email server", "/settings/reports/smtp"),
        ("notifications", "/notifications"), ("sign-in security", "/settings/security"),
        ("two-step sign-in", "/account/2fa"), ("devices", "/account/devices"), ("backups", "/settings/backups"),
        ("webhooks", "/settings/webhooks"), ("new webhook", "/settings/webhooks/new"),
        ("help", "/help?q=订单"), ("help page", "/help/sales.show"), ("quick start", "/help/quickstart"),
        ("tour", "/orders?tour=owner.0.0"),
    ]


def sign_in(page, user, password: str = PASSWORD, settle: bool = False):
    """Through the real sign-in form, as a person would, whatever the page's language; waits for the next page's
    load event (tests measure geometry next), and with `settle` for its after-load requests (the nav badges: a
    test that goes offline next would see them fail)."""
    page.goto("/login", wait_until="domcontentloaded")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation(wait_until="load", timeout=15_000):
        page.locator("form button[type=submit]").first.click()
    if settle:
        page.wait_for_load_state("networkidle")


def sign_in_demo(page, role: str):
    """Sign in as the demo company's person of `role` (load_company first)."""
    sign_in(page, SimpleNamespace(username=LOGINS[role]), DEMO_PASSWORD)


def open_screen(page, address: str):
    """Open a screen and let its after-load requests (nav badges, lazy lists) settle (a walk of many screens on
    a shared CI machine gets more than the usual 5 s for each)."""
    response = page.goto(address, wait_until="networkidle", timeout=15_000)
    assert response.ok, f"{address} answered {response.status}"


def snapshot(page, name: str):
    """With JXC_SCREENSHOTS=<folder>, keep a full-page picture of the screen for a person to look at."""
    folder = os.environ.get("JXC_SCREENSHOTS")
    if folder:
        size = f"{page.viewport_size['width']}x{page.viewport_size['height']}"
        page.screenshot(path=str(Path(folder) / f"judge-{re.sub(r'[^a-z0-9]+', '-', name.lower())}-{size}.png"),
                        full_page=True)
