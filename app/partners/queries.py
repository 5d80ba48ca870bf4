"""Read queries for the customer screens. Every one starts from app.sales.scope, so a salesperson only
ever reads their own customers and documents."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.catalog.models import Product
from app.extensions import db
from app.finance.models import Payment
from app.paging import Page, read_page
from app.partners.models import Customer
from app.sales import scope
from app.sales.models import OrderStatus, SalesInvoice, SalesOrder, SalesOrderLine, SalesReturn
from app.search import narrow
from app.trade import balances

STATUSES = ("active", "inactive", "all")
UNASSIGNED = "none"
HISTORY = 20  # rows per history section on the customer page
USUAL = 8  # products in "usually buys"


@dataclass(frozen=True)
class CustomerFilter:
    text: str = ""
    status: str = "active"
    owes: bool = False
    salesperson: int | str | None = None  # a user id, UNASSIGNED, or None for everyone's

    def args(self) -> dict:
        """The filter as query-string arguments (for the next page's URL)."""
        values = {"q": self.text, "status": self.status if self.status != "active" else "",
                  "owes": "1" if self.owes else "", "salesperson": self.salesperson or ""}
        return {k: v for k, v in values.items() if v}


def customer_page(user, filters: CustomerFilter, page: int, per_page: int) -> Page:
    """The customers `user` may see that match `filters`, by name, `per_page` at a time."""
    query = narrow(scope.customers(user), Customer.search_text, filters.text)
    if filters.status != "all":
        query = query.where(Customer.active.is_(filters.status == "active"))
    if filters.salesperson == UNASSIGNED:
        query = query.where(Customer.salesperson_id.is_(None))
    elif filters.salesperson:
        query = query.where(Customer.salesperson_id == filters.salesperson)
    if filters.owes:
        owed = balances.owed_by_partner(balances.RECEIVABLES)
        query = query.join(owed, owed.c.partner_id == Customer.id).where(owed.c.owed > 0)
    return read_page(query.options(selectinload(Customer.salesperson)).order_by(Customer.name, Customer.id),
                     page, per_page, scalars=True)




@dataclass(frozen=True)
class History:
    open_invoices: list
    orders: list
    invoices: list
    payments: list
    returns: list


def history(user, customer: Customer) -> History:
    """The customer's documents `user` may see, newest first, HISTORY of each kind."""
    def latest(query, model, newest):
        return db.session.scalars(query.where(model.customer_id == customer.id)
                                  .order_by(newest.desc(), model.id.desc()).limit(HISTORY)).all()

    open_invoices = db.session.scalars(
        scope.invoices(user).where(SalesInvoice.customer_id == customer.id, balances.is_open(balances.RECEIVABLES))
        .order_by(SalesInvoice.due_on, SalesInvoice.id)).all()
    return History(open_invoices=open_invoices,
                   orders=latest(scope.orders(user), SalesOrder, SalesOrder.created_at),
                   invoices=latest(scope.invoices(user), SalesInvoice, SalesInvoice.issued_on),
                   payments=latest(scope.payments(user), Payment, Payment.paid_on),
                   returns=latest(scope.returns(user), SalesReturn, SalesReturn.created_at))


@dataclass(frozen=True)
class Usual:
    product_id: int
    name: str
    unit: str
    qty: object
    last_price: object


def usually_buys(user, customer: Customer, limit: int = USUAL) -> list[Usual]:
    """The products this customer takes most of on confirmed orders, with the net price they last paid."""
    orders = scope.orders(user).where(SalesOrder.customer_id == customer.id, SalesOrder.status.not_in(
        [OrderStatus.DRAFT, OrderStatus.CANCELLED])).subquery()
    top = db.session.execute(
        select(Product.id, Product.name, Product.unit, func.sum(SalesOrderLine.qty).label("qty"))
        .join(orders, orders.c.id == SalesOrderLine.order_id).join(Product, Product.id == SalesOrderLine.product_id)
        .group_by(Product.id, Product.name, Product.unit)
        .order_by(func.sum(SalesOrderLine.qty).desc(), Product.name).limit(limit)).all()
    if not top:
        return []
    ranked = (select(SalesOrderLine.id, func.row_number().over(
        partition_by=SalesOrderLine.product_id,
        order_by=(orders.c.confirmed_at.desc(), SalesOrderLine.id.desc())).label("rank"))
        .join(orders, orders.c.id == SalesOrderLine.order_id)
        .where(SalesOrderLine.product_id.in_([row.id for row in top])).subquery())
    last = {line.product_id: line.net_price for line in db.session.scalars(
        select(SalesOrderLine).join(ranked, ranked.c.id == SalesOrderLine.id).where(ranked.c.rank == 1))}
    return [Usual(row.id, row.name, row.unit, row.qty, last.get(row.id)) for row in top]
