"""What the speed work on search, scans and adjustments must not change: what is found, counted and
shown, how stock and cost are posted, and how SQLite writers take turns."""
import sqlite3
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, inspect, select, text, update
from sqlalchemy.exc import OperationalError

from app import database
from app.audit.models import AuditEntry
from app.auth.models import ApiToken
from app.catalog import services as catalog
from app.checks import run_all
from app.db_types import utcnow
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.models import StockLevel, StockMove
from app.inventory.services import LineInput
from tests import factories

D = Decimal


@pytest.fixture
def main(app):
    return factories.warehouse("MAIN", "总仓")


@pytest.fixture
def case(main):
    """苹果手机壳 (by 品胜, iPhone 15) under 手机配件 / 保护壳 / 防摔, with a base and a pack barcode."""
    leaf = factories.category("防摔", factories.category("保护壳", factories.category("手机配件")))
    product = factories.product(sku="CASE-1", name="苹果手机壳", spec="iPhone 15 黑色", brand="品胜",
                                barcode="6901234567892", category_id=leaf.id)
    catalog.add_pack_unit(None, product, "箱", "12", barcode="16901234567899")
    db.session.commit()
    return product


@pytest.mark.parametrize("q", ["pingguo", "pgsjk", "PGSJK", "sj", "苹果", "壳", "品胜", "iphone 15", "15 iphone",
                               "case-1", "6901234567892", "69012", "16901234567899", "黑色 pgsjk"])
def test_search_finds_by_pinyin_initials_words_spec_brand_sku_and_barcodes(api, case, q):
    factories.product(sku="BAN-1", name="香蕉", spec="Banana 1kg")
    body = api("sales").get(f"/products?q={q}").json
    assert ([item["id"] for item in body["items"]], body["total"]) == ([case.id], 1)


@pytest.mark.parametrize("q", ["qianbao", "%", "_", "壳 香蕉", "iphone 14"])
def test_search_finds_nothing_when_a_word_is_missing(api, case, q):
    factories.product(sku="BAN-1", name="香蕉")
    assert api("sales").get("/products", query_string={"q": q}).json == {"items": [], "total": 0, "page": 1,
                                                                          "per_page": 50}


def test_search_counts_every_match_beyond_its_page(api, main):
    cases = [factories.product(name="苹果手机壳") for _ in range(5)]
    factories.product(name="香蕉")
    caller = api("owner")
    pages = [caller.get(f"/products?q=sj&per_page=2&page={n}").json for n in (1, 2, 3, 4)]
    assert [[item["id"] for item in page["items"]] for page in pages] == [
        [cases[0].id, cases[1].id], [cases[2].id, cases[3].id], [cases[4].id], []]
    assert {page["total"] for page in pages} == {5}


def test_a_listed_product_shows_its_category_path_and_base_barcode(api, case):
    listed = api("owner").get("/products?q=pgsjk").json["items"][0]
    assert listed == api("owner").get(f"/products/{case.id}").json
    assert (listed["category"], listed["barcode"]) == ("手机配件 / 保护壳 / 防摔", "6901234567892")
    assert (listed["sale_price"], listed["purchase_price"], listed["min_stock"]) == ("25.00", "10.00", "0.000")


def test_scanning_a_pack_shows_the_product_as_listed_plus_the_pack(api, case):
    caller = api("warehouse")
    scanned = caller.get("/products/lookup?barcode=16901234567899").json
    assert scanned == {**caller.get(f"/products/{case.id}").json, "scan_quantity": "12.000", "scan_unit": "箱"}
    assert "sale_price" not in scanned and scanned["category"] == "手机配件 / 保护壳 / 防摔"


def test_the_haystack_has_its_index(app):
    indexes = {index["name"]: index for index in inspect(db.engine).get_indexes("product")}
    assert indexes["ix_product_search_text"]["column_names"] == ["search_text"]
    if db.engine.dialect.name == "postgresql":  # a trigram GIN index, which LIKE '%word%' can use
        definition = db.session.scalar(text("SELECT indexdef FROM pg_indexes"
                                            " WHERE indexname = 'ix_product_search_text'"))
        assert "USING gin" in definition and "gin_trgm_ops" in definition and "fastupdate=off" in definition
        # and statistics on the expression short words are matched against, for the planner's estimates
        assert db.session.scalar(text("SELECT count(*) FROM pg_statistic_ext"
                                      " WHERE stxname = 'product_search_text_short'"))


def test_a_receipt_averages_cost_over_stock_in_every_warehouse(app, main):
    owner, shop = factories.user(role="owner"), factories.warehouse("SHOP", "门店")
    product = factories.product()
    factories.stock(product, main, 10, unit_cost="10.00")
    inventory.create_adjustment(owner, shop.id, "other_in", "补货", [LineInput(product.id, D("10"), D("20.00"))])
    db.session.commit()
    assert product.avg_cost == D("15.0000")
    # One document: 4 out at 15.00, then 4 in at 30.00 onto the 16 left: (16 x 15 + 4 x 30) / 20.
    inventory.create_adjustment(owner, main.id, "correction", "改价",
                                [LineInput(product.id, D("-4")), LineInput(product.id, D("4"), D("30.00"))])
    db.session.commit()
    assert product.avg_cost == D("18.0000")
    assert run_all() == []


def test_a_first_move_into_a_warehouse_makes_its_stock_level(app, main):
    owner, shop = factories.user(role="owner"), factories.warehouse("SHOP", "门店")
    product = factories.product()
    factories.stock(product, main, 5)
    inventory.create_adjustment(owner, shop.id, "overage", "盘盈", [LineInput(product.id, D("3"))])
    db.session.commit()
    levels = db.session.scalars(select(StockLevel).where(StockLevel.product_id == product.id)
                                .order_by(StockLevel.warehouse_id)).all()
    assert [(level.warehouse_id, level.on_hand) for level in levels] == [(main.id, D("5")), (shop.id, D("3"))]
    assert run_all() == []


def test_an_adjustment_over_the_api_records_its_cost_move_and_audit_entry(api, main):
    factories.user(role="owner")  # flask check wants one
    product = factories.product()
    factories.stock(product, main, 2, unit_cost="7.50")
    caller = api("warehouse")
    created = caller.post("/stock/adjustments", {"warehouse_id": main.id, "reason": "bench",
                                                 "lines": [{"product_id": product.id, "qty": "1"}]})
    assert created.status_code == 201, created.json
    move = db.session.scalar(select(StockMove).where(StockMove.source_type == "adjustment"))
    assert (move.qty, move.unit_cost, move.source_number, move.user_id) == (
        D("1.000"), D("7.5000"), created.json["number"], caller.user.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "adjustment.create"))
    assert (entry.user_id, entry.object_id, entry.object_label) == (caller.user.id, created.json["id"],
                                                                    created.json["number"])
    assert run_all() == []


def test_api_use_is_noted_on_the_token_at_most_every_five_minutes(api, main):
    caller = api("owner")
    assert caller.get("/me").status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == caller.user.id))
    first = token.last_used_at
    assert first is not None
    assert caller.post("/stock/adjustments", {"warehouse_id": main.id, "reason": "x", "lines": [
        {"product_id": factories.product().id, "qty": "1"}]}).status_code == 201
    db.session.refresh(token)
    assert token.last_used_at == first


def transactions_begun(client, action) -> int:
    """How many transactions the requests `action` sends begin (on the client's app: see conftest's `client`)."""
    with client.application.app_context():
        engine = db.engine
    began = []

    def count(_connection):
        began.append(1)
    event.listen(engine, "begin", count)
    try:
        action()
    finally:
        event.remove(engine, "begin", count)
    return len(began)


def test_an_api_write_is_one_transaction_carrying_the_tokens_last_use(api, client, main):
    """The token's lookup, the idempotency key's, the checks and the work: one BEGIN (on SQLite, the write lock
    from the first statement to the commit); a stale "last used" commits with the work."""
    caller = api("owner")
    customer, product = factories.customer(), factories.product(sale_price="10.00")
    db.session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    created = []
    assert transactions_begun(client, lambda: created.append(caller.post(
        "/sales-orders", {"customer_id": customer.id, "warehouse_id": main.id,
                          "lines": [{"product_id": product.id, "qty": "1"}]},
        headers={"Idempotency-Key": "one-transaction"}))) == 1
    assert created[0].status_code == 201, created[0].json
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == caller.user.id))
    assert token.last_used_at > utcnow() - timedelta(minutes=1)


def test_an_adjustment_reads_first_then_holds_the_write_lock_for_its_writes_alone(api, client, main, monkeypatch):
    """Stock adjustments are what many clients send at once: the caller, the key and the checks are read in one
    read transaction, then the writes in one write transaction (on SQLite; one transaction on PostgreSQL)."""
    caller, product = api("owner"), factories.product()
    db.session.execute(update(ApiToken).values(last_used_at=utcnow()))  # no "last used" to note on the way
    db.session.commit()
    checked, probed = inventory._lines, []

    def lines_checked_without_the_lock(lines, sign=0):
        if db.engine.dialect.name == "sqlite":
            other = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=0)
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if the request held the lock already
            other.execute("ROLLBACK")
            other.close()
            probed.append(True)
        return checked(lines, sign)
    monkeypatch.setattr(inventory, "_lines", lines_checked_without_the_lock)
    created = []
    body = {"warehouse_id": main.id, "reason": "x", "lines": [{"product_id": product.id, "qty": "1"}]}
    begun = transactions_begun(client, lambda: created.append(caller.post(
        "/stock/adjustments", body, headers={"Idempotency-Key": "reads-first"})))
    assert created[0].status_code == 201, created[0].json
    assert begun == (2 if db.engine.dialect.name == "sqlite" else 1)
    assert probed == ([True] if db.engine.dialect.name == "sqlite" else [])
    assert run_all() == []


def test_a_refused_write_leaves_the_tokens_last_use_to_the_next_request(api, main):
    """Nothing of a refused write is committed, its "last used" included; a read then notes it on its own."""
    caller = api("owner")
    stale = utcnow() - timedelta(minutes=10)
    db.session.execute(update(ApiToken).values(last_used_at=stale))
    db.session.commit()
    assert caller.post("/sales-orders", {"customer_id": factories.customer().id, "warehouse_id": main.id,
                                         "lines": [{"product_id": 0, "qty": "1"}]}).status_code == 422
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == caller.user.id))
    assert token.last_used_at == stale
    assert caller.get("/me").status_code == 200
    db.session.refresh(token)
    assert token.last_used_at > utcnow() - timedelta(minutes=1)


def test_a_revoked_token_or_a_deactivated_user_is_refused(api):
    caller, other = api("owner"), api("sales")
    db.session.execute(update(ApiToken).where(ApiToken.user_id == caller.user.id).values(revoked_at=utcnow()))
    other.user.active = False
    db.session.commit()
    assert caller.get("/me").status_code == 401
    assert other.get("/me").status_code == 401


# --- SQLite writers take turns ------------------------------------------------------------------

@pytest.fixture
def sqlite_file(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL locks rows instead")
    return db.engine.url.database


@pytest.fixture
def writing():
    """Transactions begun in the test from now on write (the app fixture starts them as reads)."""
    reset = database.set_write_intent(True)
    yield
    db.session.rollback()
    database._write_intent.reset(reset)


def _hold_write_lock(path: str, seconds: float) -> threading.Thread:
    """Another connection holding SQLite's write lock for `seconds` (in a thread)."""
    taken = threading.Event()

    def hold():
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()
    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait()
    return thread


def test_a_writer_waits_for_the_lock_then_writes(sqlite_file, writing):
    holder = _hold_write_lock(sqlite_file, 0.2)
    started = time.monotonic()
    db.session.execute(text("SELECT 1"))  # begins the write transaction
    waited = time.monotonic() - started
    holder.join()
    assert 0.15 < waited < 1.5


def test_a_writer_gives_up_after_the_busy_timeout(sqlite_file, writing, monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 300)
    holder = _hold_write_lock(sqlite_file, 1.0)
    with pytest.raises(OperationalError, match="locked"):
        db.session.execute(text("SELECT 1"))
    holder.join()


def test_a_refused_adjustment_is_remembered_under_its_key(api, main):
    caller = api("owner")
    body = {"warehouse_id": main.id + 100, "reason": "x", "lines": [{"product_id": factories.product().id, "qty": "1"}]}
    first = caller.post("/stock/adjustments", body, headers={"Idempotency-Key": "refused-1"})
    again = caller.post("/stock/adjustments", body, headers={"Idempotency-Key": "refused-1"})
    assert first.status_code == 422 and list(first.json["errors"]) == ["warehouse_id"]
    assert (again.status_code, again.headers.get("Idempotent-Replayed"), again.json) == (422, "true", first.json)
