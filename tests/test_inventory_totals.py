"""The ledger's month and year totals: written by post_moves, proved by `flask check`, and any span of days read from
them equal to the moves of that span summed one by one."""
import importlib.util
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, text

from app.checks import run_all
from app.db_types import business_today
from app.extensions import db
from app.inventory import totals
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import MoveKind, StockMove, StockMoveTotal
from tests import factories

D = Decimal
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def shanghai(app):
    app.config["TIMEZONE"] = "Asia/Shanghai"


def post(when: datetime, moves: list[Move], source="adjustment"):
    """post_moves with the moves stamped at `when` (the ledger takes the time they were posted)."""
    with patch("app.inventory.ledger.utcnow", return_value=when):
        post_moves(None, Source(source, None, source.upper()), moves)
    db.session.commit()


def local(day: date, hour=10, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


# ---- how a span is cut up ----------------------------------------------------------------------------------------

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize("first, after, expected", [
    # this month, this year, today: the current month's and year's totals serve them, up to now
    (date(2026, 11, 1), date(2026, 11, 29), ([], [(date(2026, 11, 1), date(2026, 12, 1))], [])),
    (date(2026, 1, 1), date(2026, 11, 29), ([(date(2026, 1, 1), date(2027, 1, 1))], [], [])),
    (date(2026, 11, 28), date(2026, 11, 29), ([], [], [(date(2026, 11, 28), None)])),
    # a past span with ragged ends: moves, whole months, a whole year, whole months, moves
    (date(2024, 11, 15), date(2026, 3, 10),
     ([(date(2025, 1, 1), date(2026, 1, 1))], [(date(2024, 12, 1), date(2025, 1, 1)), (date(2026, 1, 1), date(2026, 3, 1))],
      [(date(2024, 11, 15), date(2024, 12, 1)), (date(2026, 3, 1), date(2026, 3, 10))])),
    # inside one month
    (date(2026, 2, 3), date(2026, 2, 20), ([], [], [(date(2026, 2, 3), date(2026, 2, 20))])),
    # everything before a day; everything; everything from a day on
    (None, date(2025, 6, 15), ([(None, date(2025, 1, 1))], [(date(2025, 1, 1), date(2025, 6, 1))],
                               [(date(2025, 6, 1), date(2025, 6, 15))])),
    (None, None, ([(None, None)], [], [])),
    (date(2026, 11, 29), None, ([], [], [])),
    (date(2025, 12, 31), None, ([(date(2026, 1, 1), date(2027, 1, 1))], [], [(date(2025, 12, 31), date(2026, 1, 1))])),
])
def test_a_span_is_read_as_whole_years_whole_months_and_ragged_ends(first, after, expected):
    assert totals.pieces(first, after, TODAY) == expected


# ---- written by post_moves, proved by the check --------------------------------------------------------------------

@pytest.fixture
def ledger(app):
    """Moves of three products in two warehouses spread over three calendar years, at local times near midnight
    too (a move at 23:30 on the last of a month belongs to that month, in Shanghai, not in UTC)."""
    factories.user("owner")  # `flask check` wants one
    main, side = factories.warehouse("MAIN", "总仓"), factories.warehouse("SIDE", "门店")
    products = [factories.product(sku=f"T{i}") for i in range(3)]
    today = business_today()
    start = today.replace(month=1, day=1) - timedelta(days=730)
    rng = random.Random(7)
    for p in products:
        post(local(start, 9), [Move(p.id, w.id, D(500), MoveKind.OPENING, unit_cost=D("3.0000")) for w in (main, side)])
    day = start
    while day <= today:
        p = rng.choice(products)
        hour, minute = rng.choice([(0, 10), (10, 0), (23, 30)])
        kind = rng.choice([MoveKind.SALES_DELIVERY, MoveKind.SALES_RETURN, MoveKind.PURCHASE_RECEIPT,
                           MoveKind.TRANSFER_OUT, MoveKind.DAMAGE])
        when = min(local(day, hour, minute), datetime.now(ZONE))
        if kind is MoveKind.TRANSFER_OUT:
            post(when, [Move(p.id, main.id, D(-2), MoveKind.TRANSFER_OUT),
                        Move(p.id, side.id, D(2), MoveKind.TRANSFER_IN, unit_cost=None)], "transfer")
        elif kind is MoveKind.PURCHASE_RECEIPT:
            post(when, [Move(p.id, main.id, D(rng.randint(1, 9)), kind, unit_cost=D(rng.randint(200, 900)) / 100)])
        elif kind is MoveKind.SALES_RETURN:
            post(when, [Move(p.id, main.id, D(1), kind, unit_cost=D("3.1234"))])
        else:
            post(when, [Move(p.id, rng.choice([main, side]).id, -D(rng.randint(1, 3)) / 2, kind)])
        day += timedelta(days=rng.choice([1, 3, 11, 29]))
    return main, side, products


def _brute(first, after, names, warehouse_id):
    """The figures summed one move at a time, in Python."""
    found = {}
    kinds = {"moves": lambda m, v: 1, "qty": lambda m, v: m.qty, "in_qty": lambda m, v: max(m.qty, 0),
             "value": lambda m, v: v, "in_value": lambda m, v: v if m.qty > 0 else 0,
             "sold_qty": lambda m, v: -m.qty if m.kind in totals.SOLD else 0,
             "sold_cost": lambda m, v: -v if m.kind in totals.SOLD else 0}
    for m in db.session.scalars(select(StockMove)):
        day = m.created_at.astimezone(ZONE).date()
        if (first and day < first) or (after and day >= after):
            continue
        if (warehouse_id and m.warehouse_id != warehouse_id) or (not warehouse_id and m.kind in totals.TRANSFERS):
            continue
        value = int(m.qty * 1000) * int(m.unit_cost * 10000)
        row = found.setdefault(m.product_id, [0] * len(names))
        for i, name in enumerate(names):
            figure = kinds[name](m, value)
            row[i] += figure if name in ("moves", "value", "in_value", "sold_cost") else int(figure * 1000)
    return found


def test_totals_are_written_with_the_moves_and_the_check_proves_them(ledger):
    assert run_all() == []
    stored = db.session.scalar(select(StockMoveTotal.moves).where(StockMoveTotal.grain == "year").limit(1))
    assert stored and db.session.query(StockMoveTotal).filter_by(transfer=True).count() > 0
    # A total that drifts from its moves is a breach, named.
    db.session.execute(text("UPDATE stock_move_total SET qty = qty + 1000 WHERE grain = 'month' AND transfer = :f"),
                       {"f": False})
    breaches = run_all()
    assert breaches and all("totals" in b for b in breaches)
    assert any("month" in b and "ledger" in b for b in breaches)


def test_any_span_read_from_the_totals_equals_its_moves_summed_one_by_one(ledger):
    main, side, _products = ledger
    today = business_today()
    rng = random.Random(11)
    spans = [(None, None), (None, today.replace(day=1)), (None, today), (today.replace(month=1, day=1), None),
             (today.replace(day=1), today + timedelta(days=1)), (today - timedelta(days=400), today - timedelta(days=20))]
    for _ in range(12):
        a, b = sorted(rng.sample(range(-1100, 2), 2))
        spans.append((today + timedelta(days=a), today + timedelta(days=b)))
    for first, after in spans:
        for warehouse_id in (None, main.id, side.id):
            assert totals.sums(first, after, totals.FIGURES, warehouse_id) == \
                _brute(first, after, totals.FIGURES, warehouse_id), (first, after, warehouse_id)


def test_rebuild_writes_what_post_moves_wrote(ledger, app):
    before = sorted(db.session.execute(select(StockMoveTotal.__table__)).all())
    db.session.execute(delete(StockMoveTotal))
    db.session.commit()
    assert run_all() != []
    result = app.test_cli_runner().invoke(args=["inventory", "rebuild-totals"])
    assert result.exit_code == 0 and f"{len(before)} month and year totals" in result.output
    db.session.remove()
    assert sorted(db.session.execute(select(StockMoveTotal.__table__)).all()) == before
    assert run_all() == []


def test_the_migration_backfills_what_post_moves_wrote(ledger):
    before = sorted(db.session.execute(select(StockMoveTotal.__table__)).all())
    db.session.execute(delete(StockMoveTotal))
    path = next(Path(__file__).parent.parent.glob("migrations/versions/b7e3f1a9c2d4_*.py"))
    spec = importlib.util.spec_from_file_location("totals_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration._backfill(db.session.connection())
    assert sorted(db.session.execute(select(StockMoveTotal.__table__)).all()) == before
