"""Tombstones, and the session hooks that keep every feed honest, in one place.

A row that a feed lists carries `updated_at` (a column with `onupdate`), which SQLAlchemy moves on every ORM or
Core UPDATE of the row itself. Two kinds of change escape that, and the hooks below catch them:
- a change to what a row *shows* without an UPDATE of it: an order line delivered, a barcode added, a line
  removed from a draft, a customer's balance moved by a new invoice, return or payment. The row is touched:
  its updated_at set again. A row the transaction has read (the order whose lines it changes, the customer it
  bills) is touched in the same flush, so the object a request answers with is the one stored; one it has
  not read is touched just before the commit, in one sorted pass (so two transactions take those row locks
  last and in the same order, and cannot deadlock on them);
- a row deleted (a draft line aside, which touches its order): a Tombstone is written, which the feed of its
  kind returns under `deleted`.
"""
from datetime import datetime
from functools import cache

from sqlalchemy import BigInteger, Index, String, event, inspect, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.catalog.models import Barcode, PackUnit
from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.finance.models import Payment
from app.purchasing.models import PurchaseInvoice, PurchaseInvoiceLine, PurchaseOrderLine, PurchaseReturn, \
    PurchaseReturnLine
from app.sales.models import SalesInvoice, SalesInvoiceLine, SalesOrderLine, SalesReturn, SalesReturnLine


class Tombstone(db.Model):
    """A deleted row of a kind some feed lists: which table, which id, when."""

    __table_args__ = (Index("ix_tombstone_kind_deleted", "kind", "deleted_at", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # the table name: product, sales_invoice ...
    object_id: Mapped[int] = mapped_column(BigInteger)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# A change to one of these moves the updated_at of the rows its relations name (relation, foreign key column).
TOUCHES = {
    SalesOrderLine: (("order", "order_id"),), PurchaseOrderLine: (("order", "order_id"),),
    SalesInvoiceLine: (("invoice", "invoice_id"),), PurchaseInvoiceLine: (("invoice", "invoice_id"),),
    SalesReturnLine: (("sales_return", "return_id"),), PurchaseReturnLine: (("purchase_return", "return_id"),),
    Barcode: (("product", "product_id"),), PackUnit: (("product", "product_id"),),
    # A customer's or supplier's balance is part of it on the API.
    SalesInvoice: (("customer", "customer_id"),), SalesReturn: (("customer", "customer_id"),),
    PurchaseInvoice: (("supplier", "supplier_id"),), PurchaseReturn: (("supplier", "supplier_id"),),
    Payment: (("customer", "customer_id"), ("supplier", "supplier_id")),
}
PENDING = "feeds.touch"  # session.info: {(model, id)} to touch before the commit


def _updated_at(model):
    return getattr(getattr(model, "__table__", None), "c", {}).get("updated_at")


@cache
def tracked(model) -> bool:
    """A row whose updated_at moves by itself on every UPDATE (so feeds can list it)."""
    column = _updated_at(model)
    return column is not None and column.onupdate is not None


@event.listens_for(Session, "before_flush")
def _note_changes(session, _context, _instances):
    """Tombstones for deleted tracked rows; the rows to touch for changes their own UPDATE does not show.

    Runs before every flush, so it looks at an object only when its kind can need something: a deletion, a kind
    that touches others (TOUCHES), or a tracked row of which only a collection changed.
    """
    pending = session.info.setdefault(PENDING, set())
    deleted, dirty = session.deleted, session.dirty  # each is worked out afresh on every read: once per flush
    noted = set()
    for obj in deleted:  # vouchers too, whose updated_at says when they were restated
        if _updated_at(type(obj)) is not None and getattr(obj, "id", None) is not None:
            session.add(Tombstone(kind=type(obj).__tablename__, object_id=obj.id))
    for obj in (*session.new, *dirty, *deleted):
        kind = type(obj)
        relations = TOUCHES.get(kind, ())
        if obj in dirty:
            if not (relations or tracked(kind)) or not session.is_modified(obj):
                continue
            if (tracked(kind) and getattr(obj, "id", None) is not None
                    and not session.is_modified(obj, include_collections=False)):
                noted.add((kind, obj.id))  # only a collection changed (a draft line removed): no UPDATE of its own
        for relation, key in relations:
            parent_id = getattr(obj, key) or getattr(getattr(obj, relation), "id", None)
            if parent_id is not None:
                noted.add((inspect(kind).relationships[relation].mapper.class_, parent_id))
    if not noted:
        return
    now = utcnow()
    for model, row_id in noted:
        loaded = session.identity_map.get(session.identity_key(model, row_id))
        if loaded is None:
            pending.add((model, row_id))  # not read in this transaction: touched at the commit
        elif loaded not in deleted:
            loaded.updated_at = now  # flushed now, so what the request answers with is what is stored


@event.listens_for(Session, "before_commit")
def _touch(session):
    """Move updated_at on the rows noted, in (table, id) order, once the transaction's last flush is done."""
    session.flush()
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    now = utcnow()
    for model, row_id in sorted(pending, key=lambda entry: (entry[0].__tablename__, entry[1])):
        session.execute(update(model).where(model.id == row_id).values(updated_at=now)
                        .execution_options(synchronize_session=False))


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(PENDING, None)
