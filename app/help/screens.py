"""Which endpoints are screens (and so need a help page), and which help page each one opens.

A screen is a GET endpoint that renders a full HTML page for a signed-in user. The app's help button and the
test that every screen has a help page both ask `screens()`, so they cannot disagree.
"""
from flask import Flask

from app.auth.roles import PUBLIC, allowed_roles

# GET endpoints that answer with something other than a full page: htmx fragments, badges, option lists, tokens
# and redirects. Files (PDFs, photos, logos, spreadsheets, templates) are told by their URL, see _is_file.
FRAGMENTS = frozenset({
    "pwa.csrf_token",
    "inventory.line", "inventory.low_stock_badge", "inventory.product_options",
    "purchasing.product_options", "sales.product_options",
    "stocktake.lines",
    "sales.offline_data",  # JSON: what a phone keeps to take orders offline
    "reports.dashboard_summary",
    "catalog.import_products",  # moved to imports.kind: a redirect, kept for old links
    "users.propose_username",  # plain text: the username the invite form proposes
    "notifications.bell",  # the header bell's unread count
})
NOT_SCREEN_BLUEPRINTS = frozenset({"api"})
FILE_ENDINGS = (".pdf", "/pdf", "/photo", ".png", ".svg", "/qr", "/template", "/export", "/download", ".xlsx", ".csv",
                ".bin")
# Screens at a URL that reads like a file's: the books' export is a form asking for the months and the software
# before it answers with a download.
FILE_LIKE_SCREENS = frozenset({"books.export"})

# Endpoints that share another's help page: a form to create and the same form to edit, and report screens
# built on one layout.
ALIASES = {
    "catalog.edit": "catalog.create",
    "partners.edit": "partners.new",
    "purchasing.supplier_edit": "purchasing.supplier_new",
    "reports.payables_aging": "reports.receivables_aging",
    "reports.inventory_summary": "reports.stock_value",
    "reports.turnover": "reports.stock_value",
    "reports.abc": "reports.stock_value",
    "reports.slow_movers": "reports.stock_value",
    "reports.best_sellers": "reports.stock_value",
    "reports.stockout_risk": "reports.stock_value",
    "sharing.quotation_links": "sharing.invoice_links",  # one page for a document's share links, whichever kind
    "sharing.delivery_links": "sharing.invoice_links",
}


def _is_file(endpoint: str, rule: str) -> bool:
    return rule.endswith(FILE_ENDINGS) and endpoint not in FILE_LIKE_SCREENS


def screens(app: Flask) -> list[str]:
    """Every screen's endpoint, sorted."""
    found = set()
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if "GET" not in rule.methods or endpoint == "static" or endpoint in FRAGMENTS:
            continue
        if endpoint.split(".")[0] in NOT_SCREEN_BLUEPRINTS or endpoint.startswith("help."):
            continue
        if _is_file(endpoint, rule.rule):
            continue
        if allowed_roles(app.view_functions[endpoint]) == PUBLIC:
            continue  # not for a signed-in user (sign-in, offline page, health)
        found.add(endpoint)
    return sorted(found)


def page_for(endpoint: str | None) -> str | None:
    """The help page an endpoint opens (its own name unless it shares one)."""
    if not endpoint:
        return None
    return ALIASES.get(endpoint, endpoint)


def pages_for(app: Flask, role) -> set[str]:
    """The help pages of the screens a role may open: what its help index lists and searches."""
    return {page_for(endpoint) for endpoint in screens(app) if role in (allowed_roles(app.view_functions[endpoint]) or ())}
