"""First run: the company, its first warehouse and its owner, made in one transaction while no user exists."""
from flask_babel import gettext as _
from sqlalchemy import exists, select, text

from app.audit import services as audit
from app.auth import services as auth
from app.auth.models import User
from app.auth.roles import Role
from app.errors import BusinessRuleError
from app.extensions import db
from app.inventory import services as inventory
from app.settings.services import company, update_company

FIRST_WAREHOUSE_CODE = "MAIN"
# What the setup may set on the company (settings.forms.CompanyProfileForm); anything else is ignored.
PROFILE_FIELDS = ("name", "name_en", "address", "phone", "tax_number", "bank_name", "bank_account", "currency",
                  "default_tax_rate", "timezone", "fiscal_year_start_month", "logo")


class AlreadySetUp(Exception):
    """A user exists: the setup is over (the screen answers 404)."""


def users_exist() -> bool:
    return bool(db.session.scalar(select(exists().where(User.id.isnot(None)))))


def _lock_users() -> None:
    """Hold the user table against a concurrent setup until this transaction ends, so two setups racing make one
    owner. PostgreSQL: a table lock that conflicts with itself and with inserts. SQLite: the write transaction
    began with BEGIN IMMEDIATE (app/database.py), which already excludes every other writer."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text('LOCK TABLE "user" IN SHARE ROW EXCLUSIVE MODE'))


def set_up(values: dict) -> User:
    """Company settings, the first warehouse and the owner's account; raises AlreadySetUp once a user exists.

    `values` holds the company profile (settings.forms.CompanyProfileForm.profile_values), `warehouse_name`,
    `username`, `display_name` and `password`.
    """
    values = dict(values)
    _lock_users()
    if users_exist():
        raise AlreadySetUp()
    owner = auth.create_user(None, values.pop("username"), Role.OWNER, values.pop("password"),
                             values.pop("display_name", ""))
    warehouse_name = values.pop("warehouse_name", "")
    if not (warehouse_name or "").strip():
        raise BusinessRuleError(_("Name your first warehouse, e.g. 总仓."), "warehouse_name")
    profile = {name: values[name] for name in PROFILE_FIELDS if name in values}
    update_company(owner, profile | {"is_demo": False})
    try:
        warehouse = inventory.create_warehouse(owner, FIRST_WAREHOUSE_CODE, warehouse_name, is_default=True)
    except BusinessRuleError as error:
        raise BusinessRuleError(error.message, "warehouse_name") from None
    audit.record(owner, "setup.complete", company(), {"warehouse": (None, warehouse.name),
                                                       "owner": (None, owner.username)})
    return owner
