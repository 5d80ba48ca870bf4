"""Draft orders, sales and purchase alike: locking an order, adding many lines in one pass, finding the line to
change, reading terms, and the audit entry that lists the lines a change touched."""
from decimal import Decimal
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from app.amounts import document_totals
from app.audit import services as audit
from app.catalog.models import Product
from app.errors import BusinessRuleError
from app.extensions import db
from app.inventory import bulk
from app.inventory.services import active_warehouse, default_warehouse
from app.limits import MAX_ID, PERCENT, PRICE, QUANTITY, check_amount, parse_number

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


# Adding lines ---------------------------------------------------------------------------------------------

_PRODUCTS = select(Product).where(Product.id.in_(bindparam("ids", expanding=True)))  # built once: every add runs it


def refused_at(error: BusinessRuleError, index: int) -> BusinessRuleError:
    """Mark a refusal with the input line (0-based) it came from, so the API can name it (lines.N.field) while
    services and screens keep the plain field."""
    error.line = index
    return error


def refused_line(error: BusinessRuleError) -> int | None:
    """The input line a refusal came from (see refused_at), or None when it is not about one line."""
    return getattr(error, "line", None)


def products_for(inputs) -> dict[int, Product]:
    """{id: product} of the products line inputs name, in one query (unknown ids are simply missing)."""
    ids = sorted({given.product_id for given in inputs if _an_id(given.product_id)})
    return {p.id: p for p in db.session.scalars(_PRODUCTS, {"ids": ids})} if ids else {}


def add_lines(order, inputs, products: dict, new_line: Callable, set_terms: Callable,
              attach: bool = True) -> list[tuple[object, dict]]:
    """Apply line inputs to a draft in one pass, with the rules add_line has always had: a product already on the
    order (or given earlier in `inputs`) with a quantity and no terms gets its quantity raised, anything else
    becomes a new line. `products` are those the inputs name (products_for); an unknown or inactive one is refused.

    `new_line(product, given)` makes a priced line (not yet on the order); `set_terms(line, given)` sets a line's
    quantity and terms from input and prices it. Returns (line, its figures before) for each line touched, in the
    order first touched ({} for new lines). A refusal names its input line (refused_at) and leaves the order, its
    lines and the session as they were, so a caller that goes on (or a test that does not roll back) sees nothing
    of it. `attach=False` (an order being made: see insert_lines) leaves the new lines off the order.
    """
    first = {}  # product id -> the line a quantity-only input raises: its first line on the order (or made here)
    for line in order.lines:
        # A line added earlier in this transaction has no product_id until it is flushed: known by its product.
        first.setdefault(line.product_id if line.product_id is not None else line.product.id, line)
    running = sum((line.amount + line.tax for line in order.lines), Decimal(0))
    touched: dict[int, tuple[object, dict]] = {}  # id(line) -> (line, before), in first-touch order
    added = []
    with db.session.no_autoflush:  # lines are priced from objects in hand; nothing half-made may be written
        try:
            for index, given in enumerate(inputs):
                try:
                    product = products.get(given.product_id) if _an_id(given.product_id) else None
                    if product is None or not product.active:
                        raise BusinessRuleError(_("Unknown product."), "product_id")
                    line = first.get(product.id)
                    if line is not None and only_qty(given, line.TERMS):
                        was = line.amount + line.tax
                        touched.setdefault(id(line), (line, _figures(line)))  # a line new here is in already
                        set_terms(line, type(given)(product.id, line.qty + parse_number(given.qty, QUANTITY, "qty")))
                        running += line.amount + line.tax - was
                    else:
                        line = new_line(product, given)
                        added.append(line)
                        first.setdefault(product.id, line)
                        touched[id(line)] = (line, {})
                        running += line.amount + line.tax
                    check_amount(running, "qty")  # the order's total, as each line comes (limits.AMOUNT)
                except BusinessRuleError as error:
                    raise refused_at(error, index)
        except BusinessRuleError:
            for line, before in touched.values():
                if before:  # a line already on the order: its figures as they were
                    for name, value in before.items():
                        setattr(line, name, value)
            raise
    if attach:
        order.lines.extend(added)
        order.recompute_totals()
    return list(touched.values())


def insert_lines(order, lines: list) -> None:
    """Write a new order (its totals from `lines`) and its lines, made by add_lines(attach=False), in one statement
    (app.inventory.bulk.insert_lines: the unit of work would insert them one statement each on SQLite)."""
    order.subtotal, order.tax, order.total = document_totals(lines)
    db.session.flush()  # the order, for its id
    bulk.insert_lines(order, "lines", lines)


def _an_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _figures(line) -> dict:
    """What a change may alter on a line: its quantity, terms and amounts (to put back on refusal, to audit)."""
    return {"qty": line.qty, **line.terms(), "amount": line.amount, "tax": line.tax}


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


# The audit entry -------------------------------------------------------------------------------------------

def line_changes(line, before: dict) -> dict:
    """{field: (old, new)} of a line's quantity and terms that changed, with the product's SKU first; {} if none."""
    changes = {name: (before.get(name), value) for name, value in {"qty": line.qty, **line.terms()}.items()
               if before.get(name) != value}
    return {"product": (None, line.product.sku), **changes} if changes else {}


def audit_lines(actor, prefix: str, order, touched: list, head: dict | None = None) -> None:
    """ONE audit entry for the lines a change touched (see add_lines), however many.

    With `head` (an order just made: {"customer": (None, name)}) it is the order's `<prefix>.create` entry, listing
    the lines under "lines". Otherwise one line changed is the `<prefix>.line_add` / `.line_update` entry it has
    always been, and several are one `<prefix>.lines_add` entry listing them. Each listed line is that entry's
    changes: the product's SKU and each changed figure as [old, new] (old empty for a new line).
    """
    changed = [(changes, bool(before)) for line, before in touched if (changes := line_changes(line, before))]
    if head is not None:
        listed = {"lines": (None, _listed(changed))} if changed else {}
        audit.record(actor, f"{prefix}.create", order, {**head, **listed})
    elif len(changed) == 1:
        changes, was_there = changed[0]
        audit.record(actor, f"{prefix}.line_update" if was_there else f"{prefix}.line_add", order, changes)
    elif changed:
        audit.record(actor, f"{prefix}.lines_add", order, {"lines": (None, _listed(changed))})


def _listed(changed: list) -> list[dict]:
    """The lines' changes as JSON keeps them (audit.record makes plain only the entry's own old and new values)."""
    return [{name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()} for changes, _was in changed]


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def order_warehouse(warehouse_id):
    """The active warehouse chosen for a new order, else the default one; a BusinessRuleError when there is none."""
    warehouse = active_warehouse(warehouse_id) if warehouse_id is not None else default_warehouse()
    if warehouse is None:
        raise BusinessRuleError(_("Choose a warehouse."), "warehouse_id")
    return warehouse
