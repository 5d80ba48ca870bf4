"""What a count says and what posting it books: the variance per product, and the booking for a choice of what to do
with the products nobody counted.

`booking()` is the one place that decides what posting moves. The review shows it and `post_stocktake` posts it,
so the figures on the screen and the moves in the ledger cannot disagree. Its `digest` names exactly those moves:
the review's post form carries it, and posting refuses when the booking is no longer the one that was shown (a scan
or a sale landed in between).
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, literal, select

from app.catalog.models import Product
from app.db_types import UTCDateTime, utcnow
from app.extensions import db
from app.inventory.models import StockMove
from app.stocktake.models import ZERO, Stocktake, StocktakeLine, StocktakeStatus

UNCOUNTED_ZERO, UNCOUNTED_KEEP = "zero", "keep"
UNCOUNTED_CHOICES = (UNCOUNTED_KEEP, UNCOUNTED_ZERO)  # keep first: the default changes nothing


@dataclass(frozen=True)
class VarianceRow:
    line_id: int
    product_id: int
    sku: str
    name: str
    unit: str
    expected: Decimal  # taken when the count opened
    book: Decimal  # expected plus the moves up to the last scan (or up to now, if not counted)
    counted: Decimal | None  # None: not counted
    unit_cost: Decimal
    recount: bool

    @property
    def difference(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.book

    @property
    def value(self) -> Decimal | None:
        return None if self.difference is None else self.difference * self.unit_cost


@dataclass(frozen=True)
class BookedRow:
    """A product of the count and the move posting makes for it (`qty` 0: none)."""
    row: VarianceRow
    qty: Decimal  # signed: + 盘盈, - 盘亏

    def __getattr__(self, name):  # the variance's columns (name, book, counted ...) read through
        if name == "row":  # not set yet (copy, unpickling): no endless recursion
            raise AttributeError(name)
        return getattr(self.row, name)

    @property
    def value(self) -> Decimal:
        return self.qty * self.row.unit_cost


@dataclass(frozen=True)
class Booking:
    uncounted: str  # UNCOUNTED_KEEP or UNCOUNTED_ZERO
    rows: list[BookedRow]  # every product of the count, by name

    @property
    def moves(self) -> list[BookedRow]:
        return [row for row in self.rows if row.qty]

    @property
    def gain(self) -> Decimal:
        return sum((row.value for row in self.rows if row.value > 0), ZERO)

    @property
    def loss(self) -> Decimal:
        return sum((row.value for row in self.rows if row.value < 0), ZERO)

    @property
    def net(self) -> Decimal:
        return self.gain + self.loss

    @property
    def digest(self) -> str:
        """A short name for exactly these moves (product, quantity, unit cost) under this choice."""
        text = self.uncounted + "".join(f"|{row.line_id}:{row.qty.normalize():f}@{row.unit_cost.normalize():f}"
                                        for row in self.moves)
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def variance(stocktake: Stocktake) -> list[VarianceRow]:
    """Per product: expected, book at counting time, counted and the difference, by product name."""
    moves = (select(func.coalesce(func.sum(StockMove.qty), 0))
             .where(StockMove.product_id == StocktakeLine.product_id,
                    StockMove.warehouse_id == stocktake.warehouse_id,
                    StockMove.id > stocktake.snapshot_move_id,
                    # a product not counted yet: every move so far
                    StockMove.created_at <= func.coalesce(StocktakeLine.last_counted_at,
                                                          _instant(stocktake.posted_at or utcnow())))
             .scalar_subquery())
    rows = db.session.execute(
        select(StocktakeLine.id, StocktakeLine.product_id, Product.sku, Product.name, Product.unit,
               StocktakeLine.expected, StocktakeLine.counted, StocktakeLine.scans, StocktakeLine.recount,
               StocktakeLine.book, StocktakeLine.unit_cost, Product.avg_cost, moves.label("moved"))
        .join(Product, Product.id == StocktakeLine.product_id)
        .where(StocktakeLine.stocktake_id == stocktake.id).order_by(Product.name, Product.id))
    posted = stocktake.status == StocktakeStatus.POSTED
    result = []
    for row in rows:
        book = row.book if posted and row.book is not None else row.expected + Decimal(row.moved or 0)
        counted = row.counted if row.scans else None
        cost = row.unit_cost if posted and row.unit_cost is not None else row.avg_cost
        result.append(VarianceRow(row.id, row.product_id, row.sku, row.name, row.unit, row.expected, book, counted,
                                  cost or ZERO, row.recount))
    return result


def booking(stocktake: Stocktake, uncounted: str = UNCOUNTED_KEEP) -> Booking:
    """What posting the count moves, product by product: a counted product its difference; one nobody counted
    nothing (`keep`) or all its book stock out (`zero`, a full count). A posted count: what it moved; a cancelled
    one: nothing."""
    if stocktake.status == StocktakeStatus.CANCELLED:
        return Booking(uncounted, [BookedRow(row, ZERO) for row in variance(stocktake)])
    if stocktake.status == StocktakeStatus.POSTED:
        differences = dict(db.session.execute(select(StocktakeLine.id, StocktakeLine.difference)
                                              .where(StocktakeLine.stocktake_id == stocktake.id)).all())
        return Booking(uncounted, [BookedRow(row, differences.get(row.line_id) or ZERO)
                                   for row in variance(stocktake)])
    rows = []
    for row in variance(stocktake):
        if row.counted is not None:
            qty = row.difference
        else:
            qty = -row.book if uncounted == UNCOUNTED_ZERO else ZERO
        rows.append(BookedRow(row, qty))
    return Booking(uncounted, rows)


REVIEW_FILTERS = {"all": lambda row: True, "differences": lambda row: bool(row.qty),
                  "uncounted": lambda row: row.counted is None, "recount": lambda row: row.recount}


def review(stocktake: Stocktake, shown: str = "all", uncounted: str = UNCOUNTED_KEEP) -> tuple[list[BookedRow], dict,
                                                                                                  Booking]:
    """The review's rows (all, or one filter's), the counts of each filter over the whole count, and the booking
    the rows and totals come from."""
    booked = booking(stocktake, uncounted)
    counts = {name: sum(1 for row in booked.rows if keep(row)) for name, keep in REVIEW_FILTERS.items()}
    return [row for row in booked.rows if REVIEW_FILTERS[shown](row)], counts, booked


def _instant(moment: datetime):
    """A timestamp bound as the columns store it (SQLite keeps text, so the format must match)."""
    return literal(moment, UTCDateTime())
