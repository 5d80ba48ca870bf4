"""Sales prices: the customer's list price, the price they last paid, the floor a salesperson may not go below, and
the pricing of an order's lines that reads each of these once per order (app.trade.drafts.add_lines calls it)."""
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from app.auth.roles import Role
from app.catalog.models import Product
from app.errors import BusinessRuleError
from app.extensions import db
from app.formatting import money
from app.partners.models import Customer, PriceLevel
from app.sales.models import CENT, ZERO, OrderStatus, SalesOrder, SalesOrderLine, net_price
from app.settings.services import company
from app.trade import drafts


def list_price(customer: Customer, product: Product) -> Decimal:
    """The price the customer's price level gives, before any line discount."""
    if customer.price_level == PriceLevel.WHOLESALE and product.wholesale_price is not None:
        return product.wholesale_price
    if customer.price_level == PriceLevel.DISCOUNT:
        return (product.sale_price * (100 - customer.discount_pct) / 100).quantize(CENT, ROUND_HALF_UP)
    return product.sale_price


def paid_last(customer_ids, product_ids=None) -> dict[tuple[int, int], Decimal]:
    """{(customer id, product id): the net price the customer last paid for the product on a confirmed order}, for the
    pairs that ever sold (all the customers' products when `product_ids` is None)."""
    rows = db.session.execute(_PAID_LAST[product_ids is not None],
                              {"customers": list(customer_ids), "products": list(product_ids or ())})
    return {(customer_id, product_id): net_price(unit_price, discount_pct)
            for customer_id, product_id, unit_price, discount_pct in rows}


def _paid_last(by_product: bool):
    went_ahead = [SalesOrder.customer_id.in_(bindparam("customers", expanding=True)),
                  SalesOrder.status.not_in([OrderStatus.DRAFT, OrderStatus.CANCELLED])]
    if by_product:
        went_ahead.append(SalesOrderLine.product_id.in_(bindparam("products", expanding=True)))
    # Years of orders hold many lines per pair: the database keeps only each pair's latest.
    latest = (select(SalesOrderLine.id, func.row_number().over(
        partition_by=(SalesOrder.customer_id, SalesOrderLine.product_id),
        order_by=(SalesOrder.confirmed_at.desc(), SalesOrderLine.id.desc())).label("rank"))
        .join(SalesOrderLine.order).where(*went_ahead).subquery())
    return (select(SalesOrder.customer_id, SalesOrderLine.product_id, SalesOrderLine.unit_price,
                   SalesOrderLine.discount_pct).join(SalesOrderLine.order)
            .where(SalesOrderLine.id.in_(select(latest.c.id).where(latest.c.rank == 1))))


# Built once, as every new line's price reads them: a statement made per call costs its construction and cache key
# again each time (a fifth of pricing an order), and the columns alone skip making line objects.
_PAID_LAST = {by_product: _paid_last(by_product) for by_product in (False, True)}


def last_prices(customer: Customer, product_ids) -> dict[int, Decimal]:
    """{product id: the net price this customer last paid for it on a confirmed order}, for those it ever bought."""
    ids = {i for i in product_ids if i}
    if not ids:
        return {}
    return {product_id: price for (_customer, product_id), price in paid_last([customer.id], ids).items()}


def last_price(customer: Customer, product_id: int) -> Decimal | None:
    """The net price this customer last paid for the product on a confirmed order."""
    return last_prices(customer, [product_id]).get(product_id)


def customer_prices(customer: Customer, products) -> dict[int, Decimal]:
    """{product id: the unit price a new line of it gets for this customer}: the price last paid, else the list price.
    What search results and the 常买 list show, so the line added says the same."""
    last = last_prices(customer, [product.id for product in products])
    return {product.id: last.get(product.id, list_price(customer, product)) for product in products}


def price_floor(customer: Customer, product: Product) -> Decimal:
    """The lowest net price a salesperson may give: the list price less the owner's allowed discount,
    or the customer's last price if that was lower (an agreed price stays usable; a giveaway at zero does not)."""
    return _floor(list_price(customer, product), last_price(customer, product.id), company().max_sales_discount_pct)


def _floor(listed: Decimal, last: Decimal | None, max_discount: Decimal) -> Decimal:
    floor = (listed * (100 - max_discount) / 100).quantize(CENT, ROUND_HALF_UP)
    return min(floor, last) if last else floor


class Pricing:
    """Prices lines of one order as the rules above say, reading once what every line needs: the customer's last
    prices for the products (one query) and the company's settings."""

    def __init__(self, actor, order: SalesOrder, products):
        self.actor, self.customer, self.settings = actor, order.customer, company()
        self.last = last_prices(self.customer, [product.id for product in products])

    def new_line(self, product: Product, given) -> SalesOrderLine:
        """A line of `product` at the customer's price (the price last paid, else the list price), the company's tax
        rate, then the input's quantity and terms."""
        listed = list_price(self.customer, product)
        line = SalesOrderLine(product=product, list_price=listed, unit_price=self.last.get(product.id, listed),
                              discount_pct=ZERO, tax_rate=self.settings.default_tax_rate, delivered_qty=ZERO,
                              invoiced_qty=ZERO, returned_qty=ZERO, credited_qty=ZERO)
        self.set_terms(line, given)
        return line

    def set_terms(self, line: SalesOrderLine, given) -> None:
        """Set a line's quantity and price terms from input, within the limits the owner set, and price it."""
        drafts.read_terms(line, given)
        if self.actor.role != Role.OWNER:
            product = line.product
            floor = _floor(list_price(self.customer, product), self.last.get(product.id),
                           self.settings.max_sales_discount_pct)
            if floor > line.net_price:
                raise BusinessRuleError(_("%(name)s cannot be sold below %(floor)s without the owner.",
                                          name=product.name, floor=money(floor)), "unit_price")
        line.price()
