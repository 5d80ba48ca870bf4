"""The database layer: migrations match the models, money stays exact, times stay UTC."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, func, select, text

from app.db_types import Money, Quantity, UTCDateTime, to_decimal
from app.extensions import db


def test_migrations_produce_exactly_the_models(app):
    """Run on an empty database by the session fixture; any drift shows up here."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


@pytest.fixture
def ledger(app):
    """A scratch table with exact-decimal columns, outside the app's metadata."""
    table = Table("scratch_amounts", MetaData(), Column("id", Integer, primary_key=True),
                  Column("amount", Money()), Column("qty", Quantity()), Column("at", UTCDateTime()))
    table.create(db.engine)
    yield table
    table.drop(db.engine)


def test_many_small_amounts_sum_exactly_in_the_database(ledger):
    with db.engine.begin() as connection:
        connection.execute(ledger.insert(), [{"amount": Decimal("0.10"), "qty": Decimal("0.001")}] * 1000)
        connection.execute(ledger.insert(), [{"amount": "0.01", "qty": 3}] * 7)
        total, qty = connection.execute(select(func.sum(ledger.c.amount), func.sum(ledger.c.qty))).one()
    assert total == Decimal("100.07") and isinstance(total, Decimal)
    assert qty == Decimal("22.000")
    assert sum([0.1] * 1000) != 100  # what adding floats one by one would have given


def test_values_round_half_up_to_their_places(ledger):
    with db.engine.begin() as connection:
        connection.execute(ledger.insert(), [{"amount": "2.675", "qty": "1.0005"}])
        amount, qty = connection.execute(select(ledger.c.amount, ledger.c.qty)).one()
    assert (amount, qty) == (Decimal("2.68"), Decimal("1.001"))


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_decimal(0.1, 2)
    with pytest.raises(ValueError):
        to_decimal("NaN", 2)


def test_timestamps_come_back_aware_utc(ledger):
    moment = datetime(2026, 11, 28, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    with db.engine.begin() as connection:
        connection.execute(ledger.insert(), [{"at": moment}])
        stored = connection.execute(select(ledger.c.at)).scalar_one()
    assert stored == moment and stored.utcoffset() == timedelta(0)
    with pytest.raises(Exception):
        with db.engine.begin() as connection:
            connection.execute(ledger.insert(), [{"at": datetime(2026, 1, 1)}])


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_sqlite_write_requests_take_the_write_lock_up_front(app):
    """BEGIN IMMEDIATE for writers (no lost updates, no stale-snapshot failures); plain BEGIN for reads."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL locks rows instead")
    from sqlalchemy.exc import OperationalError

    from app.database import set_write_intent
    set_write_intent(True)
    writer = db.engine.connect()
    writer.execute(text("SELECT 1"))  # the transaction has begun and holds the write lock
    other = db.engine.connect()
    other.connection.driver_connection.execute("PRAGMA busy_timeout=50")
    try:
        set_write_intent(False)
        assert other.execute(text("SELECT 1")).scalar() == 1  # a reader is not blocked
        other.rollback()
        set_write_intent(True)
        with pytest.raises(OperationalError, match="locked"):
            other.execute(text("SELECT 1"))  # a second writer waits for the first
    finally:
        set_write_intent(False)
        other.rollback()
        other.close()
        writer.rollback()
        writer.close()


def test_codes_stored_before_nfkc_are_rewritten_by_their_migration(app):
    """SKUs and barcodes typed full-width or with zero-width characters before codes were normalised are
    rewritten, still found by search, and flask check then holds; one whose normal form is taken stays for a
    person to settle, and flask check names it."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import text

    from app.catalog import services as catalog
    from app.catalog.models import Product
    from app.checks import run_all
    from app.extensions import db
    from tests import factories
    path = next(Path("migrations/versions").glob("d1f5a7c3b9e2_*.py"))
    spec = importlib.util.spec_from_file_location("nfkc_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    wide = factories.product(sku="WIDE1", barcode="6901234567892")
    zero = factories.product(sku="ZERO1")
    clash = factories.product(sku="TAKEN1")
    factories.product(sku="TAKEN2")
    for sku, product in (("ＷＩＤＥ２", wide), ("ZE\u200bRO2", zero), ("ＴＡＫＥＮ２", clash)):
        db.session.execute(text("UPDATE product SET sku = :sku WHERE id = :id"), {"sku": sku, "id": product.id})
    db.session.execute(text("UPDATE barcode SET code = :code WHERE product_id = :id"),
                       {"code": "６９０１２３４５６７８９２", "id": wide.id})
    db.session.commit()
    assert any("'ＷＩＤＥ２' is stored as typed" in breach for breach in run_all())

    left = migration.normalise_codes(db.session.connection())
    db.session.commit()

    assert left == ["ＴＡＫＥＮ２"]
    db.session.expire_all()
    assert (wide.sku, zero.sku, wide.barcodes[0].code) == ("WIDE2", "ZERO2", "6901234567892")
    assert [found.id for found in db.session.scalars(catalog.search(db.select(Product), "wide2"))] == [wide.id]
    assert [breach for breach in run_all() if "stored as typed" in breach] == [
        "SKUs and barcodes are stored NFKC without zero-width characters, so look-ups and duplicates compare equal: "
        f"product {clash.id}: 'ＴＡＫＥＮ２' is stored as typed, not as 'TAKEN2'"]
