"""Deny by default: every endpoint is public, or needs sign-in and a role. The table says who."""
from types import SimpleNamespace

import pytest
from flask import g, url_for

from app.auth.roles import PUBLIC, Role, allowed_roles

# The short public list: sign-in, language choice, static files, PWA files, health, first-run setup.
PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "static", "pwa.manifest", "pwa.service_worker",
                    "pwa.offline", "home.healthz", "setup.start",
                    "users.accept",  # people: an invitation link, opened before the employee has a password
                    "auth.verify",  # the sign-in's second step, before anyone is signed in
                    "sharing.view", "sharing.pdf"}  # a sales document's share link, opened by the customer

ALL = set(Role)
OWNER = {Role.OWNER}
PRODUCT_EDITORS = {Role.OWNER, Role.PURCHASING, Role.WAREHOUSE}
STOCK_WRITERS = {Role.OWNER, Role.WAREHOUSE}
BUYERS = {Role.OWNER, Role.PURCHASING}
STOCK_READERS = {Role.OWNER, Role.WAREHOUSE, Role.PURCHASING, Role.FINANCE}
SALES_READERS = {Role.OWNER, Role.SALES, Role.WAREHOUSE, Role.FINANCE}
SELLERS = {Role.OWNER, Role.SALES}
DELIVERERS = {Role.OWNER, Role.SALES, Role.WAREHOUSE}
MONEY = {Role.OWNER, Role.SALES, Role.FINANCE}  # customers, invoices, receipts
PURCHASE_READERS = {Role.OWNER, Role.PURCHASING, Role.FINANCE, Role.WAREHOUSE}
RECEIVERS = {Role.OWNER, Role.PURCHASING, Role.WAREHOUSE}
SUPPLIER_READERS = {Role.OWNER, Role.PURCHASING, Role.FINANCE}
BUYING = {Role.OWNER, Role.PURCHASING}  # purchase orders and suppliers: write
PAYABLES = {Role.OWNER, Role.PURCHASING, Role.FINANCE}
SALES_REPORTS = {Role.OWNER, Role.SALES, Role.FINANCE}
FINANCE = {Role.OWNER, Role.FINANCE}
# Who may reach what. A new endpoint fails test_every_endpoint_is_in_the_table until it is added here.
ROUTE_ROLES = {
    "home.index": ALL,
    "pwa.csrf_token": ALL,
    "auth.logout": ALL,
    "auth.account": ALL,
    "help.index": ALL,
    "help.page": ALL,
    "help.quickstart_page": ALL,
    "help.quickstart_seen": ALL,
    "auth.change_password": ALL,
    "auth.create_token": ALL,
    "auth.revoke_token": ALL,
    "users.index": OWNER,
    "users.create": OWNER,
    "users.show": OWNER,
    "users.set_active": OWNER,
    "users.reset_password": OWNER,
    # people (issue 14): invitations, handing customers over, the page after accepting an invitation
    "users.invite": OWNER,
    "users.propose_username": OWNER,
    "users.reissue": OWNER,
    "users.revoke_invitation": OWNER,
    "users.invitation_sheet": OWNER,
    "users.reassign": OWNER,
    "users.welcome": ALL,
    # accounts (issue 18): the second factor, signed-in devices, the owner's policy and "end everything"
    "auth.two_factor": ALL,
    "auth.two_factor_enable": ALL,
    "auth.two_factor_codes": ALL,
    "auth.two_factor_disable": ALL,
    "auth.devices": ALL,
    "auth.end_device": ALL,
    "auth.forget_device": ALL,
    "auth.security_policy": OWNER,
    "users.end_everything": OWNER,
    "users.reset_two_factor": OWNER,
    "settings.edit": OWNER,
    # backups (issue 18)
    "backups.settings": OWNER,
    "backups.create_key": OWNER,
    "backups.reveal_key": OWNER,
    "backups.run_now": OWNER,
    "setup.clear_demo": OWNER,
    "setup.checklist_visibility": OWNER,
    "setup.opening_balances": OWNER,
    "settings.logo": ALL,
    "settings.seal": OWNER,
    "audit.index": OWNER,
    "api.me": ALL,
    "api.openapi": ALL,
    "api.users_index": OWNER,
    "api.users_create": OWNER,
    "api.users_show": OWNER,
    "api.users_update": OWNER,
    "catalog.index": ALL,
    "catalog.show": ALL,
    "catalog.photo": ALL,
    "catalog.scan": ALL,
    "catalog.create": PRODUCT_EDITORS,
    "catalog.edit": PRODUCT_EDITORS,
    "catalog.generate_barcode": PRODUCT_EDITORS,
    "catalog.add_unit": PRODUCT_EDITORS,
    "catalog.attach_barcode": PRODUCT_EDITORS,
    "catalog.categories": PRODUCT_EDITORS,
    "catalog.labels": PRODUCT_EDITORS,
    # Every signed-in user reaches the import screens; each kind then answers 403 to roles it does not name
    # (tests/test_imports.py), and /imports lists only the kinds the role may import.
    "imports.index": ALL,
    "imports.kind": ALL,
    "imports.template": ALL,
    "imports.report": ALL,
    "catalog.import_products": BUYERS,
    "catalog.import_template": BUYERS,
    "catalog.export_products": ALL,
    "inventory.index": ALL,
    "inventory.ledger": ALL,
    "inventory.low_stock_badge": ALL,
    "inventory.warehouses": ALL,
    "inventory.warehouse_create": OWNER,
    "inventory.adjustments": STOCK_READERS,
    "inventory.adjustment": STOCK_READERS,
    "inventory.adjustment_create": STOCK_WRITERS,
    "inventory.transfers": STOCK_READERS,
    "inventory.transfer": STOCK_READERS,
    "inventory.transfer_create": STOCK_WRITERS,
    "inventory.product_options": STOCK_WRITERS,
    "inventory.line": STOCK_WRITERS,
    "api.products_index": ALL,
    "api.products_show": ALL,
    "api.products_lookup": ALL,
    "api.products_create": PRODUCT_EDITORS,
    "api.products_update": PRODUCT_EDITORS,
    "api.warehouses_index": ALL,
    "api.warehouses_create": OWNER,
    "api.stock_index": ALL,
    "api.stock_moves": ALL,
    "api.adjustments_create": STOCK_WRITERS,
    "api.adjustments_show": STOCK_READERS,
    "api.transfers_create": STOCK_WRITERS,
    "api.transfers_show": STOCK_READERS,
    "partners.index": MONEY,
    "partners.show": MONEY,
    "partners.new": SELLERS,
    "partners.create": SELLERS,
    "partners.edit": SELLERS,
    "partners.update": SELLERS,
    "sales.index": SALES_READERS,
    "sales.show": SALES_READERS,
    "sales.new": SELLERS,
    "sales.product_options": SELLERS,
    "sales.add_line": SELLERS,
    "sales.update_line": SELLERS,
    "sales.remove_line": SELLERS,
    "sales.update": SELLERS,
    "sales.confirm": SELLERS,
    "sales.cancel": SELLERS,
    "sales.repeat": SELLERS,
    "sales.quotation_pdf": MONEY,
    "sales.offline_order": SELLERS,
    "sharing.invoice_links": MONEY,
    "sharing.invoice_revoke": MONEY,
    "sharing.quotation_links": MONEY,
    "sharing.quotation_revoke": MONEY,
    "sharing.delivery_links": SALES_READERS,
    "sharing.delivery_revoke": SALES_READERS,
    "api.sales_invoices_share": MONEY,
    "api.sales_invoices_unshare": MONEY,
    "api.sales_orders_share": MONEY,
    "api.sales_orders_unshare": MONEY,
    "api.sales_deliveries_share": SALES_READERS,
    "api.sales_deliveries_unshare": SALES_READERS,
    "sales.offline_data": SELLERS,
    "sales.offline_sync": SELLERS,
    "printing.invoice": MONEY,
    "printing.invoice_escpos": MONEY,
    "printing.invoice_with_link": MONEY,
    "printing.receipt": MONEY,
    "printing.receipt_escpos": MONEY,
    "sales.deliver": DELIVERERS,
    "sales.delivery_show": SALES_READERS,
    "sales.delivery_pdf": SALES_READERS,
    "sales.invoice_create": MONEY,
    "sales.invoices": MONEY,
    "sales.invoice_show": MONEY,
    "sales.invoice_pdf": MONEY,
    "sales.return_new": DELIVERERS,
    "sales.return_show": SALES_READERS,
    "finance.receipts": MONEY,
    "finance.receipt_new": MONEY,
    "finance.receipt_create": MONEY,
    "finance.receipt_show": MONEY,
    "purchasing.index": PURCHASE_READERS,
    "purchasing.new": BUYING,
    "purchasing.show": PURCHASE_READERS,
    "purchasing.product_options": BUYING,
    "purchasing.add_line": BUYING,
    "purchasing.update_line": BUYING,
    "purchasing.remove_line": BUYING,
    "purchasing.confirm": BUYING,
    "purchasing.cancel": BUYING,
    "purchasing.invoice": PAYABLES,
    "purchasing.return_new": BUYING,
    "purchasing.pdf": PAYABLES,
    "purchasing.suggestions": BUYING,
    "purchasing.suppliers": SUPPLIER_READERS,
    "purchasing.analysis": SUPPLIER_READERS,
    "purchasing.supplier_show": SUPPLIER_READERS,
    "purchasing.supplier_item": BUYING,
    "purchasing.supplier_new": BUYING,
    "purchasing.supplier_create": BUYING,
    "purchasing.supplier_edit": BUYING,
    "purchasing.supplier_pay": PAYABLES,
    "purchasing.receiving": RECEIVERS,
    "purchasing.receive": RECEIVERS,
    "purchasing.receive_scan": RECEIVERS,
    "purchasing.receive_undo": RECEIVERS,
    "purchasing.receive_post": RECEIVERS,
    "api.customers_index": MONEY,
    "api.customers_show": MONEY,
    "api.customers_create": SELLERS,
    "api.customers_update": SELLERS,
    "api.sales_orders_index": SALES_READERS,
    "api.sales_orders_show": SALES_READERS,
    "api.sales_orders_create": SELLERS,
    "api.sales_orders_confirm": SELLERS,
    "api.sales_orders_cancel": SELLERS,
    "api.sales_orders_deliver": DELIVERERS,
    "api.sales_deliveries_show": SALES_READERS,
    "api.sales_returns_create": DELIVERERS,
    "api.sales_returns_index": SALES_READERS,
    "api.sales_returns_show": SALES_READERS,
    "api.sales_orders_invoice": MONEY,
    "api.sales_invoices_index": MONEY,
    "api.sales_invoices_show": MONEY,
    "api.sales_invoices_pdf": MONEY,
    "api.payments_index": MONEY | PAYABLES,
    "api.payments_show": MONEY | PAYABLES,
    "api.payments_create": MONEY | PAYABLES,
    "api.suppliers_index": SUPPLIER_READERS,
    "api.suppliers_show": SUPPLIER_READERS,
    "api.suppliers_create": BUYING,
    "api.suppliers_update": BUYING,
    "api.purchase_invoices_index": PAYABLES,
    "api.purchase_invoices_show": PAYABLES,
    "api.purchase_orders_index": PURCHASE_READERS,
    "api.purchase_orders_show": PURCHASE_READERS,
    "api.purchase_orders_create": BUYING,
    "api.purchase_orders_confirm": BUYING,
    "api.purchase_orders_cancel": BUYING,
    "api.purchase_orders_receive": RECEIVERS,
    "api.purchase_receipts_show": PURCHASE_READERS,
    "api.purchase_orders_invoice": PAYABLES,
    "api.purchase_returns_create": RECEIVERS,
    "api.purchase_returns_show": PURCHASE_READERS,
    "api.reorder_suggestions": BUYING,
    "api.purchase_orders_from_suggestions": BUYING,
    # stocktake: the warehouse counts, the owner reviews and posts
    "stocktake.index": STOCK_WRITERS,
    "stocktake.new": STOCK_WRITERS,
    "stocktake.show": STOCK_WRITERS,
    "stocktake.lines": STOCK_WRITERS,
    "stocktake.scan": STOCK_WRITERS,
    "stocktake.undo": STOCK_WRITERS,
    "stocktake.review": OWNER,
    "stocktake.recount": OWNER,
    "stocktake.post": OWNER,
    "stocktake.cancel": OWNER,
    "api.stocktakes_create": STOCK_WRITERS,
    "api.stocktakes_show": STOCK_WRITERS,
    "api.stocktakes_scan": STOCK_WRITERS,
    "api.stocktakes_scan_batch": STOCK_WRITERS,
    "api.stocktakes_variance": OWNER,
    "api.stocktakes_post": OWNER,
    # reports: sales for salespeople (their own customers), inventory for those who look after stock, money for
    # the owner and finance
    "reports.dashboard": FINANCE,
    "reports.dashboard_summary": FINANCE,
    "reports.index": ALL,
    "reports.sales": SALES_REPORTS,
    "api.reports_sales": SALES_REPORTS,
    "reports.stock_value": STOCK_READERS,
    "reports.inventory_summary": STOCK_READERS,
    "reports.turnover": STOCK_READERS,
    "reports.abc": STOCK_READERS,
    "reports.slow_movers": STOCK_READERS,
    "reports.best_sellers": STOCK_READERS,
    "reports.stockout_risk": STOCK_READERS,
    "api.reports_inventory": STOCK_READERS,
    "reports.receivables_aging": FINANCE,
    "reports.payables_aging": FINANCE,
    "reports.statements": FINANCE,
    "reports.statement": FINANCE,
    "reports.cash": FINANCE,
    "reports.cash_payments": FINANCE,
    # opening stock and balances (app.opening)
    "opening.index": FINANCE,
    "opening.item_new": FINANCE,
    "opening.item": FINANCE,
    "opening.item_delete": FINANCE,
    "opening.stock": FINANCE,
    "opening.stock_line": FINANCE,
    "opening.stock_delete": FINANCE,
    # the books: the hub (app/books/routes.py), the statements and ledgers (app/books/report_routes.py)
    "books.index": FINANCE,
    "books.income_statement": FINANCE,
    "books.balance_sheet": FINANCE,
    "books.trial_balance": FINANCE,
    "books.general_ledger": FINANCE,
    "books.account_ledger": FINANCE,
    "books.cash": FINANCE,
    # the books' own screens (issue 16): owner and finance only
    "books.accounts": FINANCE,
    "books.account": FINANCE,
    "books.account_sub": FINANCE,
    "books.account_active": FINANCE,
    "books.account_delete": FINANCE,
    "books.vouchers": FINANCE,
    "books.voucher_show": FINANCE,
    "books.voucher_new": FINANCE,
    "books.rules": FINANCE,
    "books.periods": FINANCE,
    "books.period_close": FINANCE,
    "books.period_reopen": FINANCE,
    "api.accounts_index": FINANCE,
    "api.reports_trial_balance": FINANCE,
    "api.vouchers_export": FINANCE,
    "api.vouchers_index": FINANCE,
    "books.export": FINANCE,
    "books.export_mapping": FINANCE,
    "money.account_edit": FINANCE,
    "money.account_new": FINANCE,
    "money.account_show": FINANCE,
    "money.accounts": FINANCE,
    "money.categories": FINANCE,
    "money.category_edit": FINANCE,
    "money.expense_new": FINANCE,
    "money.expense_photo": FINANCE,
    "money.expense_show": FINANCE,
    "money.expenses": FINANCE,
    "money.reconcile": FINANCE,
    "money.reconcile_match": FINANCE,
    "money.reconcile_remove": FINANCE,
    "money.transfer_new": FINANCE,
    "money.transfers": FINANCE,
    # scheduled reports and in-app notifications (issue 18 E)
    "digests.index": FINANCE,
    "digests.send_now": FINANCE,
    "digests.delete": FINANCE,
    "digests.smtp": OWNER,
    "digests.smtp_test": OWNER,
    "notifications.index": ALL,
    "notifications.bell": ALL,
    "notifications.read_all": ALL,
    "notifications.mark_read": ALL,
    "webhooks.index": OWNER,
    "webhooks.new": OWNER,
    "webhooks.edit": OWNER,
    "webhooks.show": OWNER,
    "webhooks.test": OWNER,
    "webhooks.rotate": OWNER,
    "webhooks.delete": OWNER,
    "webhooks.send_again": OWNER,
    "api.webhooks_index": OWNER,
    "api.webhooks_create": OWNER,
    "api.webhooks_show": OWNER,
    "api.webhooks_update": OWNER,
    "api.webhooks_delete": OWNER,
    "api.webhooks_deliveries": OWNER,
}


def _requests(app):
    """(endpoint, method, url) for every rule, with 1 for every id."""
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            args = {name: "x.css" if name == "filename" else 1 for name in rule.arguments}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, url_for(rule.endpoint, **args)


def test_every_endpoint_is_public_or_in_the_table(app):
    endpoints = {endpoint for endpoint, _m, _u in _requests(app)}
    assert endpoints == PUBLIC_ENDPOINTS | set(ROUTE_ROLES)


def test_declared_roles_match_the_table(app):
    for endpoint, roles in ROUTE_ROLES.items():
        assert set(allowed_roles(app.view_functions[endpoint])) == roles, endpoint
    for endpoint in PUBLIC_ENDPOINTS - {"static"}:
        assert allowed_roles(app.view_functions[endpoint]) == PUBLIC, endpoint


def test_anonymous_requests_are_sent_to_sign_in(app, client):
    for endpoint, method, url in _requests(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        page = client.open(url, method=method)
        htmx = client.open(url, method=method, headers={"HX-Request": "true"})
        if url.startswith("/api/"):
            assert page.status_code == 401, url
            assert page.mimetype == "application/problem+json"
            assert page.json["type"] == "unauthenticated"
            continue
        assert page.status_code == 302, (method, url)
        assert page.headers["Location"].startswith("/login"), url
        assert htmx.headers["HX-Redirect"].startswith("/login"), url


def test_public_endpoints_answer_anonymous_visitors(client):
    for path in ("/login", "/healthz", "/manifest.webmanifest", "/sw.js", "/offline", "/static/css/app.css"):
        assert client.get(path).status_code == 200, path


@pytest.mark.fresh_app  # a route added to an app that has served requests is refused
def test_a_view_without_a_declared_role_is_refused(app, client, login):
    client.application.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    login("owner")
    assert client.get("/forgotten").status_code == 403


@pytest.mark.parametrize("role", list(Role))
def test_may_in_templates_reads_the_views_own_allow(app, role):
    """A template offers a link only to those its view lets in: may() reads the same @allow as the check."""
    may = app.jinja_env.globals["may"]
    with app.test_request_context():
        g.user = SimpleNamespace(role=role)
        for endpoint in ROUTE_ROLES:
            assert may(endpoint) == (role in ROUTE_ROLES[endpoint]), (role, endpoint)
        assert may("auth.login")  # public
        g.user = None
        assert not may("home.index")
        with pytest.raises(KeyError):
            may("inventory.adjustment_creat")  # a misspelt endpoint fails loudly instead of hiding the link


@pytest.mark.parametrize("role", list(Role))
def test_route_by_role_table_holds_for_pages(app, client, login, role):
    login(role.value)
    for endpoint, method, url in _requests(app):
        if endpoint in PUBLIC_ENDPOINTS or url.startswith("/api/") or endpoint == "auth.logout":
            continue
        response = client.open(url, method=method, headers={"X-CSRFToken": client.csrf})
        assert response.status_code != 400, (role, method, url)  # the CSRF token was accepted
        if role in ROUTE_ROLES[endpoint]:
            assert response.status_code != 403, (role, method, url)
        else:
            assert response.status_code == 403, (role, method, url)


@pytest.mark.parametrize("role", list(Role))
def test_route_by_role_table_holds_for_the_api(app, api, role):
    caller = api(role.value)
    for endpoint, method, url in _requests(app):
        if not url.startswith("/api/"):
            continue
        response = caller.call(method, url.removeprefix("/api/v1"), json={})
        if role in ROUTE_ROLES[endpoint]:
            assert response.status_code != 403, (role, method, url)
        else:
            assert response.status_code == 403, (role, method, url)
            assert response.json["type"] == "forbidden"
