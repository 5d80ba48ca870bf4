"""Draft orders, sales and purchase alike: locking an order, finding the product and line to change, reading terms."""
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.models import Product
from app.errors import BusinessRuleError
from app.extensions import db
from app.inventory.services import active_warehouse, default_warehouse
from app.limits import PERCENT, PRICE, QUANTITY, parse_number

TERM_BOUNDS = {"unit_price": PRICE, "discount_pct": PERCENT, "tax_rate": PERCENT}


def lock(model, orders) -> None:
    """Wait for anyone else changing these orders, then read them, their lines and invoices afresh.

    PostgreSQL lets a request read an order another request has changed but not yet committed, in its
    old state; acting on that copy would reserve, deliver, receive, invoice or settle the same goods twice.
    So every writer of an order, its lines or its invoices takes this lock first, in id order. (SQLite
    write transactions already queue from their first statement; there this only re-reads.)
    """
    db.session.flush()
    if not orders:
        return
    db.session.scalars(select(model).where(model.id.in_(sorted({o.id for o in orders}))).order_by(model.id)
                       .options(selectinload(model.lines), selectinload(model.invoices))
                       .with_for_update(key_share=True).execution_options(populate_existing=True)).all()


def product_to_add(given) -> Product:
    """The active product a line input names, or a BusinessRuleError on `product_id`."""
    product = db.session.get(Product, given.product_id) if isinstance(given.product_id, int) else None
    if product is None or not product.active:
        raise BusinessRuleError(_("Unknown product."), "product_id")
    return product


def line_of(order, product: Product):
    """The order's line for `product`, if it has one (a line added earlier in this transaction has no product_id
    until it is flushed, so it is known by its product)."""
    return next((line for line in order.lines if line.product_id == product.id or line.product is product), None)


def line_on(order, line_id):
    """The order's line `line_id`, or a BusinessRuleError on `line_id`."""
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None:
        raise BusinessRuleError(_("This line is not on the order."), "line_id")
    return line


def only_qty(given, terms) -> bool:
    """Whether a line input gives a quantity and no terms (no price, discount or tax rate)."""
    return all(getattr(given, name, None) is None for name in terms)


def read_terms(line, given) -> None:
    """Set a line's quantity (above zero) and the terms (line.TERMS) the input gives, each within its bounds."""
    line.qty = parse_number(given.qty, QUANTITY, "qty")
    if line.qty <= 0:
        raise BusinessRuleError(_("Enter a quantity above zero."), "qty")
    for name in line.TERMS:
        if (value := getattr(given, name)) is not None:
            setattr(line, name, parse_number(value, TERM_BOUNDS[name], name))


def order_warehouse(warehouse_id):
    """The active warehouse chosen for a new order, else the default one; a BusinessRuleError when there is none."""
    warehouse = active_warehouse(warehouse_id) if warehouse_id is not None else default_warehouse()
    if warehouse is None:
        raise BusinessRuleError(_("Choose a warehouse."), "warehouse_id")
    return warehouse
