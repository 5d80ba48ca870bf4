"""The one way stock changes: post_moves. Everything that moves goods calls it inside its transaction.

Locking: the products' rows, then their stock levels, are locked in id order (PostgreSQL
SELECT ... FOR NO KEY UPDATE; on SQLite the write transaction already holds the database's write
lock, see app/database.py), so concurrent posters queue instead of losing updates. NO KEY UPDATE,
not FOR UPDATE: the document lines inserted just before hold KEY SHARE locks on the same products
(foreign keys), and FOR UPDATE would deadlock two documents against each other.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from app.amounts import CENT
from app.catalog.models import Product
from app.db_types import utcnow
from app.errors import BusinessRuleError
from app.extensions import db
from app.formatting import number
from app.inventory.models import MoveKind, StockLevel, StockMove, Warehouse
from app.inventory.totals import add_moves
from app.limits import check_amount
from app.settings.services import company

COST_PLACES = Decimal("0.0001")


class InsufficientStock(BusinessRuleError):
    problem = "insufficient-stock"


@dataclass(frozen=True)
class Move:
    product_id: int
    warehouse_id: int
    qty: Decimal  # signed: + in, - out
    kind: MoveKind
    # A known cost moves the average: inbound at what it cost, or outbound at what it came in at (goods
    # returned to the supplier). None: inbound keeps the average, outbound leaves at the average.
    unit_cost: Decimal | None = None
    line_id: int | None = None
    # The document line the move is for, when it records the cost the goods moved at (its `unit_cost` is set).
    line: object = None


@dataclass(frozen=True)
class Source:
    type: str  # "adjustment", "transfer", "sales_delivery", ...
    id: int | None
    number: str


def post_moves(actor, source: Source, moves: list[Move],
               release: list[tuple[int, int, Decimal]] = ()) -> list[StockMove]:
    """Apply `moves` in order: ledger rows, stock levels, moving-average cost and the ledger's month and year
    totals, all or nothing. `release`: reservations (product, warehouse, qty) given back in the same pass (a
    delivery's), under the same locks.

    One pass whatever the number of lines: the products and levels are locked in two reads, the moves and their
    totals written in one statement each; the levels, averages and the lines' costs go out with the transaction's
    next flush. The moves returned are the rows as written (not in the session: the ledger is only ever added to).
    """
    if not moves:
        raise BusinessRuleError(_("Add at least one line."), "lines")
    products = _lock_products(sorted({m.product_id for m in moves}))
    levels = _lock_levels(sorted({(m.product_id, m.warehouse_id) for m in moves} | {(p, w) for p, w, _q in release}))
    before = {level: level.on_hand for level in levels.values()}
    for product_id, warehouse_id, qty in release:
        level = levels[(product_id, warehouse_id)]
        set_committed_value(level, "reserved", level.reserved - qty)  # written by _store below
    totals = _totals({m.product_id for m in moves if m.unit_cost is not None})
    allow_negative = None  # read when first needed: most moves leave stock above zero
    now, user_id = utcnow(), getattr(actor, "id", None)
    posted, costed = [], {}
    for move in moves:
        product, level = products[move.product_id], levels[(move.product_id, move.warehouse_id)]
        if move.qty == 0:
            raise BusinessRuleError(_("Quantities cannot be zero."), "lines")
        if move.unit_cost is not None:
            set_committed_value(product, "avg_cost",
                                moving_average(product.avg_cost, totals[product.id], move.unit_cost, move.qty))
            costed[product.id] = product
        unit_cost = move.unit_cost if move.unit_cost is not None else product.avg_cost
        check_amount(move.qty * unit_cost, "lines")  # the move's value, which the stock reports sum
        if level.on_hand + move.qty < 0:
            if allow_negative is None:
                allow_negative = company().allow_negative_stock
            if not allow_negative:
                raise InsufficientStock(_(
                    "Not enough %(name)s in %(warehouse)s: %(on_hand)s %(unit)s on hand, %(wanted)s needed.",
                    name=product.name, warehouse=level.warehouse.name, on_hand=number(level.on_hand),
                    unit=product.unit, wanted=number(-move.qty)), "lines")
        set_committed_value(level, "on_hand", level.on_hand + move.qty)
        if product.id in totals:
            totals[product.id] += move.qty
        if move.line is not None:
            set_committed_value(move.line, "unit_cost", unit_cost)
        posted.append(StockMove(  # with its product, which the caller's audit entry names
            product=product, product_id=product.id, warehouse_id=level.warehouse_id, qty=move.qty, unit_cost=unit_cost,
            value=(move.qty * unit_cost).quantize(CENT, ROUND_HALF_UP), kind=move.kind, source_type=source.type,
            source_id=source.id, source_number=source.number,
            source_line_id=move.line.id if move.line is not None else move.line_id, user_id=user_id, created_at=now))
    db.session.connection().execute(_INSERT_MOVE, [{column: getattr(move, column) for column in _MOVE_COLUMNS}
                                                   for move in posted])
    _store(list(levels.values()), ("on_hand", "reserved"), now)
    _store(list(costed.values()), ("avg_cost",), now)
    _store([move.line for move in moves if move.line is not None], ("unit_cost",), now)
    moved = {level: on_hand for level, on_hand in before.items() if level.on_hand != on_hand}
    for listener in LEVEL_LISTENERS:
        listener(db.session(), moved)
    add_moves(posted)
    return posted


# Called with the session and {stock level: on hand before} after post_moves has written levels, which no flush sees
# (it writes them itself): the webhooks' capture registers here to judge min/max crossings at the commit.
LEVEL_LISTENERS: list = []


def _store(rows: list, attributes: tuple[str, ...], now) -> None:
    """Write these attributes of loaded rows of one model (set with set_committed_value, so the ORM sees nothing
    to flush) in one executemany UPDATE, with updated_at where the table has it. Left to the ORM, a one-line
    adjustment's level, average and line cost were a unit-of-work flush as long as the rest of its ledger work."""
    if not rows:
        return
    mapper = inspect(type(rows[0]))
    if "updated_at" in mapper.local_table.c:
        attributes += ("updated_at",)
        for row in rows:
            set_committed_value(row, "updated_at", now)
    statement = _update_of(mapper, attributes)
    db.session.connection().execute(statement, [
        {**{f"new_{name}": getattr(row, name) for name in attributes},
         **{f"key_{column.key}": getattr(row, mapper.get_property_by_column(column).key)
            for column in mapper.primary_key}} for row in rows])


@cache
def _update_of(mapper, attributes: tuple[str, ...]):
    table = mapper.local_table
    return (table.update().where(*[column == bindparam(f"key_{column.key}") for column in mapper.primary_key])
            .values({name: bindparam(f"new_{name}") for name in attributes}))


_MOVE_COLUMNS = ("product_id", "warehouse_id", "qty", "unit_cost", "value", "kind", "source_type", "source_id",
                 "source_number", "source_line_id", "user_id", "created_at")
_INSERT_MOVE = StockMove.__table__.insert()


def reserve(items: list[tuple[int, int, Decimal]]) -> None:
    """Change reserved quantities: (product, warehouse, qty) with + to reserve and - to release, all or nothing.

    Reserving refuses what is not available (on hand less reserved) unless negative stock is allowed.
    """
    # Products before levels, as post_moves locks them: a delivery reserves and then posts, and the
    # other order would deadlock against a concurrent post_moves of the same product.
    _lock_products(sorted({p for p, _w, _q in items}))
    levels = _lock_levels(sorted({(p, w) for p, w, _q in items}))
    allow_negative = company().allow_negative_stock
    wanted: dict[tuple[int, int], Decimal] = {}
    for product_id, warehouse_id, qty in items:
        wanted[(product_id, warehouse_id)] = wanted.get((product_id, warehouse_id), Decimal("0")) + qty
    for pair, qty in wanted.items():
        level = levels[pair]
        if qty > 0 and level.available < qty and not allow_negative:
            raise InsufficientStock(_(
                "Not enough %(name)s in %(warehouse)s: %(available)s %(unit)s available, %(wanted)s needed.",
                name=level.product.name, warehouse=level.warehouse.name, available=number(max(level.available, 0)),
                unit=level.product.unit, wanted=number(qty)), "lines")
        level.reserved += qty


def moving_average(avg: Decimal, on_hand: Decimal, cost: Decimal, qty: Decimal) -> Decimal:
    """The average after `qty` moves at `cost` onto (qty > 0) or off (qty < 0) `on_hand` at `avg`.

    Receiving onto stock that was not positive restarts at the cost; taking the last of the stock away
    keeps the average, which then has nothing left to average.
    """
    if qty > 0 and on_hand <= 0:
        return cost.quantize(COST_PLACES, ROUND_HALF_UP)
    if on_hand + qty <= 0:
        return avg
    return ((avg * on_hand + cost * qty) / (on_hand + qty)).quantize(COST_PLACES, ROUND_HALF_UP)


def _lock_products(ids: list[int]) -> dict[int, Product]:
    rows = db.session.scalars(_LOCK_PRODUCTS, {"ids": ids}).all()
    if len(rows) != len(ids):
        raise BusinessRuleError(_("Unknown product."), "lines", problem="not-found")
    return {p.id: p for p in rows}


def _lock_levels(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """These stock levels (made where missing), locked in key order: {(product, warehouse): StockLevel}."""
    for warehouse_id in {w for _p, w in pairs}:
        warehouse = db.session.get(Warehouse, warehouse_id)  # usually already loaded by the caller: no query
        if warehouse is None or not warehouse.active:
            raise BusinessRuleError(_("Unknown warehouse."), "warehouse_id", problem="not-found")
    levels = _select_levels(pairs)
    if len(levels) < len(pairs):  # a product's first move into a warehouse
        table = StockLevel.__table__
        insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        db.session.execute(insert(table).values([{"product_id": p, "warehouse_id": w, "on_hand": 0, "reserved": 0}
                                                 for p, w in pairs if (p, w) not in levels]).on_conflict_do_nothing())
        levels = _select_levels(pairs)
    return levels


def _select_levels(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    wanted = set(pairs)
    rows = db.session.scalars(_LOCK_LEVELS, {"products": sorted({p for p, _w in wanted}),
                                             "warehouses": sorted({w for _p, w in wanted})}).all()
    return {key: level for level in rows if (key := (level.product_id, level.warehouse_id)) in wanted}


# The locking reads, built once: every stock change runs them (SELECT ... FOR NO KEY UPDATE on
# PostgreSQL), and a built statement skips SQLAlchemy's per-call construction and cache-key work.
_LOCK_PRODUCTS = (select(Product).where(Product.id.in_(bindparam("ids", expanding=True))).order_by(Product.id)
                  .with_for_update(key_share=True).execution_options(populate_existing=True))
_LOCK_LEVELS = (select(StockLevel).where(StockLevel.product_id.in_(bindparam("products", expanding=True)),
                                         StockLevel.warehouse_id.in_(bindparam("warehouses", expanding=True)))
                .order_by(StockLevel.product_id, StockLevel.warehouse_id)
                .with_for_update(key_share=True).execution_options(populate_existing=True))


def _totals(product_ids: set[int]) -> dict[int, Decimal]:
    """On hand across all warehouses per product (the moving average is per product), read only when needed.

    Levels of other warehouses are not locked, but on hand changes only here, under the product's lock.
    """
    if not product_ids:
        return {}
    totals = dict.fromkeys(product_ids, Decimal("0"))
    totals.update(db.session.execute(_ON_HAND, {"ids": sorted(product_ids)}).all())
    return totals


_ON_HAND = (select(StockLevel.product_id, func.sum(StockLevel.on_hand))
            .where(StockLevel.product_id.in_(bindparam("ids", expanding=True))).group_by(StockLevel.product_id))
