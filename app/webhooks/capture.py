"""Events are caught in one place, the database session, rather than by a call in every service.

While a transaction runs, each flush notes what it made or changed (a new sales order, a product's fields, an
order's status, a stock level's on-hand); each (type, object) once. Just before the commit the notes become
outbox rows (a message and its deliveries) for the endpoints that want them, in the same transaction: nothing is
written when no one listens, a rolled-back change leaves nothing, and a committed one cannot lose its event.
After the commit the delivery task is queued (app.tasks.deliver_webhooks); a periodic sweep catches the rest.
"""
import json
import logging
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session
from sqlalchemy import event, inspect, select

from app.catalog.models import Barcode, Product
from app.db_types import utcnow
from app.finance.models import Payment
from app.inventory import ledger
from app.partners.models import Customer, Supplier
from app.purchasing.models import PurchaseInvoice, PurchaseOrder, PurchaseReceipt, PurchaseReturn, PurchaseStatus
from app.sales.models import OrderStatus, SalesDelivery, SalesInvoice, SalesOrder, SalesReturn
from app.stocktake.models import Stocktake, StocktakeStatus
from app.webhooks import events
from app.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage, new_msg_id

PENDING, WRITTEN, LISTENING = "webhooks.pending", "webhooks.written", "webhooks.listening"
log = logging.getLogger(__name__)

CREATED = {
    Product: "product.created", Customer: "customer.created", Supplier: "supplier.created",
    SalesOrder: "sales_order.created", SalesDelivery: "sales_delivery.created",
    SalesInvoice: "sales_invoice.created", SalesReturn: "sales_return.created",
    PurchaseOrder: "purchase_order.created", PurchaseReceipt: "purchase_receipt.created",
    PurchaseInvoice: "purchase_invoice.created", PurchaseReturn: "purchase_return.created",
}
UPDATED = {Product: "product.updated", Customer: "customer.updated", Supplier: "supplier.updated"}
# Columns that change as a side effect of other work (costs on receipt, search keys, timestamps) or that the
# API does not show (the photo): changing only these is not an update a receiver hears of.
NOT_AN_UPDATE = frozenset({"avg_cost", "search_text", "updated_at", "photo", "photo_version"})
# (model, new status) -> (event, the status it must come from, or None for any). refresh_status
# (app.trade.status) can also set "confirmed" on an order with nothing moved: only a draft's confirmation is one.
STATUS = {
    (SalesOrder, OrderStatus.CONFIRMED): ("sales_order.confirmed", OrderStatus.DRAFT),
    (SalesOrder, OrderStatus.CANCELLED): ("sales_order.cancelled", None),
    (PurchaseOrder, PurchaseStatus.CONFIRMED): ("purchase_order.confirmed", PurchaseStatus.DRAFT),
    (PurchaseOrder, PurchaseStatus.CANCELLED): ("purchase_order.cancelled", None),
    (Stocktake, StocktakeStatus.POSTED): ("stocktake.posted", None),
}


@dataclass
class Pending:
    """What this transaction did so far: events in order, each (type, object) once, and stock levels' first
    on-hand (so a crossing is judged from where the transaction started to where it ends)."""
    events: dict = field(default_factory=dict)  # (type, class name, id) -> object
    created: set = field(default_factory=set)  # (class name, id) of objects made in this transaction
    levels: dict = field(default_factory=dict)  # StockLevel -> on hand before

    def add(self, name: str, obj) -> None:
        self.events.setdefault((name, type(obj).__name__, obj.id), obj)


def init_app(app) -> None:
    """Listen to every session (once per process, whatever the number of apps)."""
    if _levels_moved not in ledger.LEVEL_LISTENERS:
        ledger.LEVEL_LISTENERS.append(_levels_moved)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _forget)


def _after_flush(session, _context) -> None:
    if not _listening(session):
        return
    noted = [*_made(session), *_changed(session)]
    if not noted:
        return
    pending = session.info.setdefault(PENDING, Pending())
    for name, obj in noted:
        if name.endswith(".created"):
            pending.add(name, obj)
            pending.created.add((type(obj).__name__, obj.id))
        elif not (name in UPDATED.values() and (type(obj).__name__, obj.id) in pending.created):
            pending.add(name, obj)  # (an object made in this transaction has "created", with its final state)


def _levels_moved(session, moved: dict) -> None:
    """Stock levels post_moves wrote ({level: on hand before}): their crossings are judged at the commit, from the
    first on hand this transaction saw."""
    if not moved or not _listening(session):
        return
    pending = session.info.setdefault(PENDING, Pending())
    for level, before in moved.items():
        pending.levels.setdefault(level, before)


def _listening(session) -> bool:
    """Whether any endpoint is active: asked once per transaction (and again after a flush that wrote an endpoint),
    so while no one listens a flush costs this cached answer and nothing else, and the commit nothing at all.

    A transaction that found no endpoint sends no events even if one is made by another while it runs: its
    changes were under way before anyone listened.
    """
    if any(isinstance(obj, WebhookEndpoint) for obj in (*session.new, *session.dirty)):
        session.info.pop(LISTENING, None)
    listening = session.info.get(LISTENING)
    if listening is None:
        listening = session.info[LISTENING] = session.connection().execute(_ANY_ACTIVE).first() is not None
    return listening


_ANY_ACTIVE = select(WebhookEndpoint.id).where(WebhookEndpoint.active.is_(True)).limit(1)


def _made(session):
    """(event, object) for what this flush inserted, and products whose barcodes it added or removed."""
    for obj in session.new:
        if (name := _created(obj)) is not None:
            yield name, obj
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Barcode) and obj.product is not None:
            yield "product.updated", obj.product  # the API shows a product's barcode


def _changed(session):
    for obj in session.dirty:
        for name in _changes(obj):
            yield name, obj


def _created(obj) -> str | None:
    if isinstance(obj, Payment):
        return "sales_receipt.created" if obj.customer_id else "purchase_payment.created"
    return CREATED.get(type(obj))


def _changes(obj):
    """The events of what a flush changed on `obj` (stock levels: see _levels_moved)."""
    state = inspect(obj)
    kind = type(obj)
    if kind in UPDATED:
        if any(state.attrs[column.key].history.has_changes() for column in state.mapper.column_attrs
               if column.key not in NOT_AN_UPDATE):
            yield UPDATED[kind]
    if kind in (SalesOrder, PurchaseOrder, Stocktake):
        history = state.attrs.status.history
        name, came_from = STATUS.get((kind, history.added[0]), (None, None)) if history.added else (None, None)
        if name and (came_from is None or came_from in history.deleted):
            yield name


def _before_commit(session) -> None:
    if PENDING not in session.info:
        return
    session.flush()  # this transaction's last changes have their events too
    pending = session.info.pop(PENDING)
    happened = [(name, obj) for (name, _kind, _id), obj in pending.events.items() if _still_there(obj)]
    happened += _crossings(pending.levels)
    if not happened:
        return
    endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))).all()
    now = utcnow()
    for name, obj in happened:
        wanted = [endpoint for endpoint in endpoints if endpoint.wants(name)]
        if wanted:
            queue(session, name, events.data(events.EVENT_TYPES[name], obj), wanted, now)


def queue(session, name: str, data: dict, endpoints, now) -> WebhookMessage:
    """An outbox message of event `name` with `data`, due now at each of `endpoints` (added to the transaction)."""
    body = json.dumps({"type": name, "timestamp": now.isoformat(), "data": data}, ensure_ascii=False,
                      separators=(",", ":"))
    message = WebhookMessage(msg_id=new_msg_id(), event_type=name, body=body, created_at=now)
    session.add(message)
    session.add_all([WebhookDelivery(message=message, endpoint=endpoint, next_attempt_at=now) for endpoint in endpoints])
    session.info[WRITTEN] = True
    return message


def _still_there(obj) -> bool:
    """Not deleted, nor undone with a savepoint rolled back."""
    state = inspect(obj)
    return state.persistent and not state.deleted


def _crossings(levels: dict) -> list:
    """Levels that crossed their product's minimum downwards or its maximum upwards in this transaction."""
    found = []
    for level, before in levels.items():
        if not _still_there(level):
            continue
        product, after = level.product, level.on_hand
        if product.min_stock > 0 and before >= product.min_stock > after:
            found.append(("stock.below_min", level))
        if product.max_stock > 0 and before <= product.max_stock < after:
            found.append(("stock.above_max", level))
    return found


def _after_commit(session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(LISTENING, None)
    if session.info.pop(WRITTEN, False) and has_app_context() and current_app.config.get(
            "WEBHOOKS_SEND_AFTER_COMMIT", not current_app.testing):
        from app.tasks import deliver_webhooks  # tests send only when a test says so (never to a stray host)
        try:
            deliver_webhooks()
        except Exception:  # the change is committed whatever the queue says; the sweep sends it within a minute
            log.warning("could not queue webhook delivery", exc_info=True)


def _forget(session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(LISTENING, None)
    session.info.pop(WRITTEN, None)
