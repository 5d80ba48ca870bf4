"""Clear the demo and start for real: every business table emptied in one transaction; the owner and the audit log stay.

Table by table from the metadata, children before parents, with an explicit keep-list: a table added later is
cleared too unless it is named here, so no demo row can survive in a table this module never heard of.
"""
from flask import g
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.audit import services as audit
from app.auth.models import User
from app.catalog.models import Product
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.inventory.models import StockMove, Warehouse
from app.partners.models import Customer, Supplier
from app.purchasing.models import PurchaseOrder
from app.sales.models import SalesOrder
from app.settings.services import company

# Kept whole: the audit log (what happened, including this clearing).
KEEP = frozenset({"audit_entry"})
# Kept for the owner only: their account, their signed-in sessions (they stay signed in) and their API tokens.
OWNER_ROWS = {"user": "id", "user_session": "user_id", "api_token": "user_id"}


def what_goes() -> list[str]:
    """The tables emptied, children first (shown to the owner, and checked by tests)."""
    return [table.name for table in reversed(db.metadata.sorted_tables) if table.name not in KEEP]


def clear_demo(owner, typed_name: str) -> dict[str, int]:
    """Delete all business data; returns rows deleted per table. The owner must type the company name."""
    settings = company()
    if not settings.is_demo:
        raise InvalidState(_("This is not demo data: nothing was cleared."))
    if " ".join((typed_name or "").split()) != " ".join(settings.name.split()):
        raise BusinessRuleError(_("Type the company name exactly as shown to confirm."), "company_name")
    name = settings.name
    db.session.flush()
    tables = [table for table in reversed(db.metadata.sorted_tables) if table.name not in KEEP]
    deleted = {}
    try:
        _hold(tables)
        for table in tables:
            statement = table.delete()
            if column := OWNER_ROWS.get(table.name):
                statement = statement.where(table.c[column] != owner.id)
            if count := db.session.execute(statement).rowcount:
                deleted[table.name] = count
    except DBAPIError:  # a writer that slipped in (a deadlock, a row that points at one just deleted)
        raise InvalidState(_("Someone was working in JXC at the same moment, so nothing was cleared. "
                             "Please try again.")) from None
    db.session.expunge(settings)  # its row is gone: the next company() reads blank defaults
    g.pop("company", None)
    audit.record(owner, "demo.clear", owner, {"company": (name, ""), "rows": (sum(deleted.values()), 0)})
    return deleted


def _hold(tables) -> None:
    """PostgreSQL: keep other writers out of every table being emptied until this transaction ends, so no row
    lands between two deletes (readers carry on). SQLite: the write transaction (BEGIN IMMEDIATE) already does."""
    if db.session.get_bind().dialect.name == "postgresql":
        names = ", ".join(db.session.get_bind().dialect.identifier_preparer.quote(t.name) for t in tables)
        db.session.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))


def counts(owner) -> dict[str, int]:
    """What the owner is about to lose, in the words of the screen."""
    from sqlalchemy import func, select


    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {"products": count(Product), "customers": count(Customer), "suppliers": count(Supplier),
            "warehouses": count(Warehouse), "sales_orders": count(SalesOrder),
            "purchase_orders": count(PurchaseOrder), "stock_moves": count(StockMove),
            "users": count(User, User.id != owner.id)}
