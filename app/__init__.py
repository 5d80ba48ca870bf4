"""JXC: the app factory."""
import importlib

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as config_module
from app import database
from app.extensions import babel, csrf, db, htmx, login_manager, register_migrations


def create_app(config: type = config_module.Config, **overrides) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(config_module.INSTANCE))
    app.config.from_object(config)
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or config_module._secret_key()
    app.config["SQLALCHEMY_DATABASE_URI"] = (app.config.get("SQLALCHEMY_DATABASE_URI")
                                             or config_module.database_url())
    app.config.update(overrides)
    if not app.config.get("TESTING"):  # the test suite signs with a short fixed key on purpose
        config_module.check_secret_key(app.config["SECRET_KEY"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file has no connection to lose: pinging it before every checkout was ~4 % of a stocktake scan.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    app.session_interface = PageSessions()
    from app import inputs
    inputs.init_app(app)  # bounded ids, query/form values and JSON bodies, before any rule is added
    config_module.INSTANCE.mkdir(parents=True, exist_ok=True)
    if hops := app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from app import models  # noqa: F401  (every table registered before anything uses the metadata or the mappers)
    # Access is checked before anything else (CSRF included), so anonymous requests of every kind
    # are sent to sign-in rather than refused for another reason first.
    _register_hooks(app)
    db.init_app(app)
    register_migrations(app)  # Flask-Migrate itself is loaded by `flask db ...` only
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=_business_timezone)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    _register_blueprints(app)
    from app.errors import register_error_handlers
    register_error_handlers(app)
    from app.formatting import register_filters
    register_filters(app)
    from app.cli import register_commands
    register_commands(app)
    return app


# Every module that adds routes, by blueprint, in the order they are registered. A package's __init__ loads
# nothing, so importing models or services never loads a screen (tests/test_imports_layering.py); only this does.
ROUTE_MODULES = {
    "auth": ("routes", "two_factor_routes", "device_routes"),
    "home": ("routes",), "users": ("routes", "invitations"), "settings": ("routes",),
    "audit": ("routes",), "pwa": ("routes",), "catalog": ("routes", "files"), "inventory": ("routes",),
    "partners": ("routes",), "sales": ("routes", "fulfilment_routes", "offline_routes"), "finance": ("routes",),
    "printing": ("routes",),
    "purchasing": ("routes", "receiving_routes", "supplier_routes", "analysis_routes"), "stocktake": ("routes",),
    "reports": ("routes", "dashboard_routes", "inventory_routes", "money_routes", "sales_routes"),
    "setup": ("routes",), "help": ("routes",), "imports": ("routes",), "opening": ("routes",),
    "books": ("routes", "report_routes", "export_routes"), "money": ("routes", "expense_routes", "reconcile_routes"),
    "sharing": ("routes", "public"),
    "digests": ("routes",), "notifications": ("routes",),
    "backups": ("routes",),
    "webhooks": ("routes",),
    "api": ("routes", "idempotent", "catalog", "inventory", "users", "finance", "partners", "sales", "purchasing",
            "suppliers", "stocktake", "reports", "reports_inventory", "books", "sharing",
            "webhooks"),
}


def _register_blueprints(app):
    for package, modules in ROUTE_MODULES.items():
        for module in modules:
            importlib.import_module(f"app.{package}.{module}")
        blueprint = importlib.import_module(f"app.{package}.routes").bp
        if package == "api":
            app.register_blueprint(blueprint, url_prefix="/api/v1")
            csrf.exempt(blueprint)  # bearer tokens only: no cookies, so no CSRF to forge
        else:
            app.register_blueprint(blueprint)


def _register_hooks(app):
    from app import compression, vendor
    from app.auth.access import enforce, may
    from app.pwa import shell
    from app.security import add_security_headers

    database.init_app(app)
    from app.webhooks import capture
    capture.init_app(app)  # every session's changes become outbox rows for the endpoints that want them
    app.before_request(enforce)
    # After-request hooks run last-registered first: gzip the final body, then the built files' cache header,
    # then the security headers on top.
    app.after_request(add_security_headers)
    app.after_request(shell.cache_built_files)
    app.after_request(compression.compress)
    app.add_template_global(vendor.scanner_assets)  # imported macros cannot see context processors
    app.add_template_global(may)

    @app.context_processor
    def shell_context():
        from app.home.nav import nav_items
        from app.settings.services import company
        return {"nav_items": nav_items, "company": company, "htmx_script": vendor.HTMX_SCRIPT,
                "shell_stylesheet": shell.stylesheet}


class PageSessions(SecureCookieSessionInterface):
    """Signed cookie sessions for pages only. The API takes bearer tokens and never a session cookie
    (access.api_user), so its requests skip the cookie altogether (about 7 % of a stocktake scan's CPU)."""

    def open_session(self, app, request):
        from app.errors import is_api_request
        if is_api_request():
            return self.null_session_class()
        return super().open_session(app, request)


def select_locale():
    """The user's own choice, then this browser's choice, then Accept-Language; zh_CN by default."""
    from app.errors import is_api_request
    if not has_request_context():
        return app_default_locale()
    user = g.get("user")  # set by access.enforce from the session or the API token
    if user is not None and user.locale:
        return user.locale
    if not is_api_request() and session.get("locale"):
        return session["locale"]
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"], default="zh_CN")
    return "en" if best == "en" else "zh_CN"


def _business_timezone() -> str:
    from app.settings.services import business_timezone
    return business_timezone()


def app_default_locale() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]
