"""Month and year totals of the stock ledger (StockMoveTotal), and sums of the ledger over any span of days read
from them.

post_moves adds every move to its product's month and year rows in the same transaction, so the totals are exact
at every commit. A span of days is then read as whole years and whole months from the totals plus, at its ragged
ends, the moves themselves: a year-long report reads one row per product instead of half a million moves. Months
and years are those of the business calendar (settings.services.business_timezone); `flask check` proves the
totals against the ledger, and `flask inventory rebuild-totals` rewrites them (after JXC_TIMEZONE changes on a
database whose settings keep no time zone of their own, say).
"""
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import (BigInteger, Boolean, Date, bindparam, case, delete, func, insert, literal_column, select, text,
                        type_coerce)

from app.db_types import business_today
from app.extensions import db
from app.inventory.models import MoveKind, StockMove, StockMoveTotal
from app.settings.services import business_zone

SOLD = (MoveKind.SALES_DELIVERY, MoveKind.SALES_RETURN)
TRANSFERS = (MoveKind.TRANSFER_OUT, MoveKind.TRANSFER_IN)
FIGURES = ("moves", "qty", "in_qty", "value", "in_value", "sold_qty", "sold_cost")
KEY = ("grain", "starts_on", "product_id", "warehouse_id", "transfer")
MONTH, YEAR = "month", "year"
_SOLD_VALUES = {kind.value for kind in SOLD}
_TRANSFER_VALUES = {kind.value for kind in TRANSFERS}


def _zone() -> ZoneInfo:
    return business_zone()


# ---- writing -----------------------------------------------------------------------------------------------------

def figures_of(kind: str, qty: int, unit_cost: int) -> tuple[int, ...]:
    """One move's contribution to its totals, in FIGURES order, from its stored (scaled) quantity and unit cost."""
    value = qty * unit_cost
    sold = kind in _SOLD_VALUES
    return (1, qty, qty if qty > 0 else 0, value, value if qty > 0 else 0,
            -qty if sold else 0, -value if sold else 0)


def summed(moves: Iterable[tuple], zone: ZoneInfo) -> dict[tuple, list[int]]:
    """{KEY: FIGURES} of moves given as (created_at, product_id, warehouse_id, kind, qty, unit_cost), scaled."""
    totals: dict[tuple, list[int]] = {}
    for created_at, product_id, warehouse_id, kind, qty, unit_cost in moves:
        if created_at.tzinfo is None:  # SQLite hands back naive UTC
            created_at = created_at.replace(tzinfo=timezone.utc)
        day = created_at.astimezone(zone).date()
        transfer = kind in _TRANSFER_VALUES
        figures = figures_of(kind, qty, unit_cost)
        for key in ((MONTH, day.replace(day=1), product_id, warehouse_id, transfer),
                    (YEAR, day.replace(month=1, day=1), product_id, warehouse_id, transfer)):
            row = totals.get(key)
            if row is None:
                totals[key] = list(figures)
            else:
                for i, figure in enumerate(figures):
                    row[i] += figure
    return totals


def add_moves(moves: list[StockMove]) -> None:
    """Add just-flushed moves to their totals (post_moves calls this; the moves carry their created_at)."""
    scale = StockMove.qty.type.process_bind_param, StockMove.unit_cost.type.process_bind_param
    rows = summed(((m.created_at, m.product_id, m.warehouse_id, m.kind.value, scale[0](m.qty, None),
                    scale[1](m.unit_cost, None)) for m in moves), _zone())
    db.session.connection().execute(_UPSERT, _as_rows(rows))


def _as_rows(totals: dict[tuple, list[int]]) -> list[dict]:
    return [dict(zip(KEY + FIGURES, key + tuple(figures))) for key, figures in totals.items()]


# Adds to a total, making it if missing. Text, not an insert() construct: SQLAlchemy cannot cache SQLite's
# on_conflict_do_update, and compiling it again on every stock change cost half a millisecond.
_UPSERT = text(
    f"INSERT INTO stock_move_total ({', '.join(KEY + FIGURES)}) VALUES ({', '.join(':' + n for n in KEY + FIGURES)}) "
    f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
    + ", ".join(f"{n} = stock_move_total.{n} + excluded.{n}" for n in FIGURES)
).bindparams(bindparam("starts_on", type_=Date()), bindparam("transfer", type_=Boolean()))


_LEDGER = select(StockMove.created_at, StockMove.product_id, StockMove.warehouse_id, StockMove.kind,
                 type_coerce(StockMove.qty, BigInteger), type_coerce(StockMove.unit_cost, BigInteger))


def _from_ledger() -> dict[tuple, list[int]]:
    rows = db.session.execute(_LEDGER.execution_options(yield_per=10000))
    return summed(((at, p, w, kind.value, q, c) for at, p, w, kind, q, c in rows), _zone())


def rebuild() -> int:
    """Rewrite every total from the ledger (in the caller's transaction); returns how many rows were written."""
    rows = _from_ledger()
    db.session.execute(delete(StockMoveTotal))
    values = _as_rows(rows)
    for first in range(0, len(values), 5000):
        db.session.execute(insert(StockMoveTotal), values[first:first + 5000])
    return len(values)


def mismatches() -> list[str]:
    """Where the stored totals differ from the ledger summed afresh."""
    expected = _from_ledger()
    stored = {tuple(row[:5]): list(row[5:]) for row in db.session.execute(
        select(*(getattr(StockMoveTotal, n) for n in KEY + FIGURES)))}
    found = []
    for key in sorted(expected.keys() | stored.keys(), key=str):
        if expected.get(key, [0] * len(FIGURES)) != stored.get(key, [0] * len(FIGURES)):
            found.append(f"{key[0]} {key[1]} product {key[2]} warehouse {key[3]}{' transfers' if key[4] else ''}: "
                         f"totals {stored.get(key)}, ledger {expected.get(key)}")
    return found


# ---- reading -----------------------------------------------------------------------------------------------------

def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def pieces(first: date | None, after: date | None, today: date) -> tuple[list, list, list]:
    """How to read the days from `first` up to (not including) `after` (None: from the beginning / up to now):
    (year ranges, month ranges, day spans), each [start, stop) with None for open ends. Whole years and months come
    from the totals, the ragged ends from the ledger. A span reaching past today is read up to now, so the current
    month's and year's totals serve it."""
    if after is not None and after > today:
        after = None
    years, months, spans = [], [], []

    def grow(ranges, start, stop):
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], stop)
        else:
            ranges.append((start, stop))

    if first is None:
        if after is None:
            return [(None, None)], [], []
        first = after.replace(month=1, day=1)
        years.append((None, first))
    end = after or today + timedelta(days=1)
    cursor = first
    while cursor < end:
        next_year = date(cursor.year + 1, 1, 1)
        if cursor.day == 1 and cursor.month == 1 and (after is None or next_year <= after):
            grow(years, cursor, next_year)
            cursor = next_year
        elif cursor.day == 1 and (after is None or _next_month(cursor) <= after):
            grow(months, cursor, _next_month(cursor))
            cursor = _next_month(cursor)
        else:
            stop = min(_next_month(cursor), end)
            grow(spans, cursor, stop if stop < end or after is not None else None)
            cursor = stop
    return years, months, spans


def _when(condition, what):
    return case((condition, what), else_=0)


_QTY, _COST = StockMove.qty, StockMove.unit_cost
# What each figure is, summed over moves.
_OF_MOVES = {
    "moves": literal_column("1"), "qty": _QTY, "in_qty": _when(_QTY > 0, _QTY), "value": _QTY * _COST,
    "in_value": _when(_QTY > 0, _QTY * _COST), "sold_qty": _when(StockMove.kind.in_(SOLD), -_QTY),
    "sold_cost": _when(StockMove.kind.in_(SOLD), -_QTY * _COST),
}
# Moves are grouped by `product_id + 0`, not product_id: SQLite's planner would otherwise walk the (product,
# warehouse) index to save the GROUP BY's sort, a million random row reads instead of the time index's few thousand.
# PostgreSQL hashes either way.
PLUS_ZERO = StockMove.product_id + literal_column("0")  # inline, so PostgreSQL sees one and the same expression


def _raw(expression):
    return type_coerce(expression, BigInteger)


def sums(first: date | None, after: date | None, names: tuple[str, ...], warehouse_id: int | None = None
         ) -> dict[int, list[int]]:
    """Per product with moves from the day `first` up to the day `after` (None: open), the scaled sums of `names`
    (FIGURES) in that order: in one warehouse, or in all of them with transfers left out (they cancel out)."""
    today = business_today()
    if first is None and after is not None and after.year == today.year and after > after.replace(month=1, day=1):
        # Before a day of this year: everything less what came since reads the years' totals and at most one month's,
        # where reading forwards would add every month of the year so far.
        found = sums(None, None, names, warehouse_id)
        for product_id, values in sums(after, None, names, warehouse_id).items():
            found[product_id] = [a - b for a, b in zip(found.get(product_id, [0] * len(names)), values)]
        return found
    years, months, spans = pieces(first, after, today)
    found: dict[int, list[int]] = {}

    def merge(rows):
        for product_id, *values in rows:
            row = found.get(product_id)
            if row is None:
                found[product_id] = [int(v or 0) for v in values]
            else:
                for i, v in enumerate(values):
                    row[i] += int(v or 0)

    scope = (StockMoveTotal.warehouse_id == warehouse_id) if warehouse_id else StockMoveTotal.transfer.is_(False)
    for grain, ranges in ((YEAR, years), (MONTH, months)):
        for start, stop in ranges:
            query = (select(StockMoveTotal.product_id, *(_raw(func.sum(getattr(StockMoveTotal, n))) for n in names))
                     .where(StockMoveTotal.grain == grain, scope).group_by(StockMoveTotal.product_id))
            if start is not None:
                query = query.where(StockMoveTotal.starts_on >= start)
            if stop is not None:
                query = query.where(StockMoveTotal.starts_on < stop)
            merge(db.session.execute(query))
    scope = (StockMove.warehouse_id == warehouse_id) if warehouse_id else StockMove.kind.not_in(TRANSFERS)
    zone = _zone()
    for start, stop in spans:
        query = (select(PLUS_ZERO, *(_raw(func.sum(_OF_MOVES[n])) for n in names)).where(scope)
                 .where(StockMove.created_at >= _midnight(start, zone)).group_by(PLUS_ZERO))
        if stop is not None:
            query = query.where(StockMove.created_at < _midnight(stop, zone))
        merge(db.session.execute(query))
    return found


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)
