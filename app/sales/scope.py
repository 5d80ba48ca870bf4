"""Who sees which customers and sales documents: the one place the data scope is applied.

A salesperson sees only their own customers and their own documents; everyone else who may open
sales screens at all sees every row. Screens, fragments, PDFs, exports and the API all start
their queries here, and an object outside the scope answers 404 (never revealing it exists).
"""
from sqlalchemy import and_, or_, select

from app.auth.roles import Role
from app.extensions import db
from app.finance.models import Payment
from app.inventory.models import StockMove
from app.partners.models import Customer
from app.sales.models import SalesDelivery, SalesInvoice, SalesOrder, SalesReturn


def _own_only(user) -> bool:
    return user.role == Role.SALES


def customers(user):
    query = select(Customer)
    return query.where(Customer.salesperson_id == user.id) if _own_only(user) else query


def orders(user):
    query = select(SalesOrder)
    return query.where(SalesOrder.salesperson_id == user.id) if _own_only(user) else query


def invoices(user):
    query = select(SalesInvoice)
    if not _own_only(user):
        return query
    # An opening receivable has no order: it is the salesperson's when its customer is.
    return (query.outerjoin(SalesInvoice.order).join(SalesInvoice.customer)
            .where(or_(SalesOrder.salesperson_id == user.id,
                       and_(SalesInvoice.order_id.is_(None), Customer.salesperson_id == user.id))))


def deliveries(user):
    query = select(SalesDelivery)
    return query.join(SalesDelivery.order).where(SalesOrder.salesperson_id == user.id) if _own_only(user) else query


def returns(user):
    query = select(SalesReturn)
    return query.join(SalesReturn.order).where(SalesOrder.salesperson_id == user.id) if _own_only(user) else query


def payments(user):
    query = select(Payment).where(Payment.customer_id.is_not(None))
    return query.join(Payment.customer).where(Customer.salesperson_id == user.id) if _own_only(user) else query


def move_documents(user):
    """Which stock moves `user` may see the document and the poster of, as a condition on StockMove; None: all.

    Stock itself is not secret for a salesperson (the ledger's quantities, kinds and balances stay whole), but
    colleagues' delivery numbers and names are: they see them only for the moves they posted themselves and for
    the deliveries and returns of their own orders.
    """
    if not _own_only(user):
        return None
    own_deliveries = deliveries(user).with_only_columns(SalesDelivery.id)
    own_returns = returns(user).with_only_columns(SalesReturn.id)
    return or_(StockMove.user_id == user.id,
               and_(StockMove.source_type == "sales_delivery", StockMove.source_id.in_(own_deliveries)),
               and_(StockMove.source_type == "sales_return", StockMove.source_id.in_(own_returns)))


def get(query, model, object_id):
    """The object with this id if the scoped `query` holds it, else None (the caller answers 404)."""
    if not isinstance(object_id, int):
        return None
    return db.session.scalar(query.where(model.id == object_id))
