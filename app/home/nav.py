"""Navigation and the home screen's jobs, per role. Each area adds its entries here."""
from dataclasses import dataclass

from flask import g, url_for
from flask_babel import lazy_gettext as _l

from app.auth.roles import EVERYONE, Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    icon: str
    roles: frozenset
    description: object = ""

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


NAV = (
    NavItem("home.index", _l("Home"), "home", EVERYONE),
    NavItem("users.index", _l("Users"), "users", frozenset({Role.OWNER}),
            _l("Add staff, set their roles, reset passwords")),
    NavItem("audit.index", _l("Audit log"), "log", frozenset({Role.OWNER}),
            _l("Who changed what, and when")),
    NavItem("settings.edit", _l("Settings"), "settings", frozenset({Role.OWNER}),
            _l("Company name, logo, tax rate, currency")),
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
