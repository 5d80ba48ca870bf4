"""Read queries for the order screens. Every one starts from app.sales.scope, so a salesperson only
ever reads their own customers and orders; prices are left out of the rows for roles that may not see them."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.catalog.models import Product
from app.extensions import db
from app.inventory.models import StockLevel
from app.paging import Page, read_page
from app.partners.models import Customer
from app.sales import scope
from app.sales.models import OrderStatus, SalesOrder, SalesOrderLine
from app.search import narrow
from app.settings.services import business_zone


@dataclass(frozen=True)
class OrderFilter:
    text: str = ""
    status: str = ""
    customer_id: int | None = None
    salesperson_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def args(self, *leave_out: str) -> dict:
        """The filter as query-string arguments (for the next page's link), less those named."""
        named = {"q": self.text, "status": self.status, "customer_id": self.customer_id,
                 "salesperson_id": self.salesperson_id, "date_from": self.date_from, "date_to": self.date_to}
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in named.items() if v and k not in leave_out}



def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=business_zone())


def orders_page(user, filters: OrderFilter, page: int, per_page: int, prices: bool) -> Page:
    """A page of the user's orders, newest first: number, customer, status, date and (if `prices`) total."""
    columns = [SalesOrder.id, SalesOrder.number, SalesOrder.status, SalesOrder.created_at,
               Customer.name.label("customer_name")]
    if prices:
        columns.append(SalesOrder.total)
    query = scope.orders(user).with_only_columns(*columns).join(Customer, Customer.id == SalesOrder.customer_id)
    if filters.text:
        by_customer = narrow(select(Customer.id), Customer.search_text, filters.text)
        query = query.where(or_(SalesOrder.number.icontains(filters.text, autoescape=True),
                                SalesOrder.customer_id.in_(by_customer)))
    if filters.status in set(OrderStatus):
        query = query.where(SalesOrder.status == OrderStatus(filters.status))
    if filters.customer_id:
        query = query.where(SalesOrder.customer_id == filters.customer_id)
    if filters.salesperson_id:
        query = query.where(SalesOrder.salesperson_id == filters.salesperson_id)
    if filters.date_from:
        query = query.where(SalesOrder.created_at >= _local_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(SalesOrder.created_at < _local_midnight(filters.date_to + timedelta(days=1)))
    return read_page(query.order_by(SalesOrder.created_at.desc(), SalesOrder.id.desc()), page, per_page)


UNREPEATABLE = (OrderStatus.DRAFT, OrderStatus.CANCELLED)  # never went ahead: nothing to repeat or learn from


def customer_choices(user, text: str = "", limit: int = 30) -> list:
    """Active customers in the user's scope matching `text` (name, contact, phone, pinyin), the ones the
    user's latest orders went to first (most recent first), then the rest by name."""
    recent = (scope.orders(user).with_only_columns(SalesOrder.customer_id, func.max(SalesOrder.created_at).label("last"))
              .group_by(SalesOrder.customer_id).subquery("recent"))
    # 再来一单 repeats the customer's latest order that went ahead (ids grow with time).
    latest = (scope.orders(user).with_only_columns(SalesOrder.customer_id, func.max(SalesOrder.id).label("last_order_id"))
              .where(SalesOrder.status.not_in(UNREPEATABLE)).group_by(SalesOrder.customer_id).subquery("latest"))
    query = (scope.customers(user).with_only_columns(Customer.id, Customer.name, Customer.contact, Customer.mobile,
                                                      Customer.phone, Customer.address, recent.c.last,
                                                      latest.c.last_order_id)
             .outerjoin(recent, recent.c.customer_id == Customer.id)
             .outerjoin(latest, latest.c.customer_id == Customer.id).where(Customer.active))
    query = narrow(query, Customer.search_text, text)
    return db.session.execute(query.order_by(recent.c.last.is_(None), recent.c.last.desc(), Customer.name, Customer.id)
                              .limit(limit)).all()


def last_repeatable(user, customer_id: int) -> int | None:
    """The id of the customer's latest order in the user's scope that went ahead (what 再来一单 repeats), if any."""
    return db.session.scalar(scope.orders(user).with_only_columns(func.max(SalesOrder.id))
                             .where(SalesOrder.customer_id == customer_id, SalesOrder.status.not_in(UNREPEATABLE)))


def customer_in_scope(user, customer_id) -> Customer | None:
    return scope.get(scope.customers(user), Customer, customer_id)


def order(user, order_id, for_update: bool = False) -> SalesOrder | None:
    """The order with its lines, customer and documents, if the user's scope holds it.

    `for_update` locks the order row (PostgreSQL) so two quick changes to one draft, say two scans
    of the same product, apply one after the other instead of both adding a line.
    """
    query = scope.orders(user).options(
        selectinload(SalesOrder.lines).joinedload(SalesOrderLine.product), joinedload(SalesOrder.customer),
        joinedload(SalesOrder.warehouse), joinedload(SalesOrder.salesperson))
    if for_update:
        query = query.with_for_update(of=SalesOrder)
    else:
        query = query.options(selectinload(SalesOrder.deliveries), selectinload(SalesOrder.invoices),
                              selectinload(SalesOrder.returns))
    return scope.get(query, SalesOrder, order_id)


def available(order: SalesOrder, product_ids=None) -> dict[int, Decimal]:
    """What is available (on hand less reserved) in the order's warehouse of each of its products (or of those named)."""
    ids = {line.product_id for line in order.lines} if product_ids is None else set(product_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(StockLevel.product_id, StockLevel.on_hand, StockLevel.reserved)
                              .where(StockLevel.warehouse_id == order.warehouse_id, StockLevel.product_id.in_(ids)))
    found = {row.product_id: row.on_hand - row.reserved for row in rows}
    return {product_id: found.get(product_id, Decimal("0")) for product_id in ids}


def often_bought(customer_id: int, limit: int = 8) -> list[tuple[Product, Decimal]]:
    """常买: the active products this customer bought on the most orders (then the most of), most first, each with
    the quantity of their latest order of it (what one tap adds: a regular's usual case, not one bottle)."""
    went_ahead = (SalesOrder.customer_id == customer_id, SalesOrder.status.not_in(UNREPEATABLE))
    ids = db.session.execute(
        select(SalesOrderLine.product_id).join(SalesOrderLine.order).join(Product, Product.id == SalesOrderLine.product_id)
        .where(*went_ahead, Product.active).group_by(SalesOrderLine.product_id)
        .order_by(func.count(func.distinct(SalesOrder.id)).desc(), func.sum(SalesOrderLine.qty).desc(),
                  SalesOrderLine.product_id).limit(limit)).scalars().all()
    if not ids:
        return []
    usual = {}
    for product_id, qty in db.session.execute(  # newest first: the first of each product is its latest quantity
            select(SalesOrderLine.product_id, SalesOrderLine.qty).join(SalesOrderLine.order)
            .where(*went_ahead, SalesOrderLine.product_id.in_(ids)).order_by(SalesOrder.id.desc(), SalesOrderLine.id)):
        usual.setdefault(product_id, qty)
    products = {product.id: product for product in db.session.scalars(select(Product).where(Product.id.in_(ids)))}
    return [(products[product_id], usual[product_id]) for product_id in ids]


def products(product_ids) -> list[Product]:
    """The products of these ids (search results' prices need the whole product)."""
    ids = {i for i in product_ids if i}
    return list(db.session.scalars(select(Product).where(Product.id.in_(ids)))) if ids else []
