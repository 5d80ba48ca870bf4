"""Stock documents are written in one pass: the SQL statements a document takes do not grow with its lines, and its
one audit entry lists the lines."""
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from app.audit.models import AuditEntry
from app.checks import run_all
from app.db_types import utcnow
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.models import StockAdjustmentLine, StockLevel, StockMove
from app.inventory.services import LineInput
from app.lines import QtyInput
from app.purchasing import receiving
from app.sales import fulfilment
from app.stocktake import services as stocktakes
from tests import factories

D = Decimal


@contextmanager
def counting():
    """The statements sent to the database (an executemany counts once) while the block runs."""
    seen = []

    def note(_conn, _cursor, statement, _params, _context, _many):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def ean(n: int) -> str:
    body = f"690{n:09d}"
    return body + str(-sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10)


@pytest.fixture
def world(app):
    """An owner, two warehouses and 22 products, 100 of each in the main one at 10.00."""
    owner = factories.user(role="owner")
    main, shop = factories.warehouse("MAIN", "总仓"), factories.warehouse("SHOP", "门店")
    products = [factories.product(sku=f"P{i:03d}", name=f"商品{i}", barcode=ean(i)) for i in range(22)]
    inventory.create_adjustment(owner, main.id, "other_in", "期初", [LineInput(p.id, D("100"), D("10.00"))
                                                                     for p in products])
    db.session.commit()
    return owner, main, shop, products


def statements(action) -> list[str]:
    """The statements `action` and the commit after it send, starting from nothing loaded."""
    db.session.commit()
    db.session.expire_all()
    with counting() as seen:
        action()
        db.session.commit()
    return seen


# Each maker sets a document of n lines up (outside the count) and returns what writes it.

def adjustment(world, n):
    owner, main, _shop, products = world
    lines = [LineInput(p.id, D("-1") if i % 2 else D("2"), D("11.00")) for i, p in enumerate(products[:n])]
    return lambda: inventory.create_adjustment(owner, main.id, "correction", "盘点差异", lines)


def transfer(world, n):
    owner, main, shop, products = world
    lines = [LineInput(p.id, D("1")) for p in products[:n]]
    return lambda: inventory.create_transfer(owner, main.id, shop.id, lines)


def _delivered(world, n):
    owner, main, _shop, products = world
    order = factories.order(factories.customer(), [(p, 2) for p in products[:n]], actor=owner, warehouse=main,
                            confirm=True)
    return owner, order, [QtyInput(line.id, 2) for line in order.lines]


def delivery(world, n):
    owner, order, lines = _delivered(world, n)
    return lambda: fulfilment.deliver(owner, order, lines)


def sales_return(world, n):
    owner, order, lines = _delivered(world, n)
    fulfilment.deliver(owner, order, lines)
    db.session.commit()
    return lambda: fulfilment.return_goods(owner, order, [QtyInput(line.line_id, 1) for line in lines])


def _received(world, n):
    owner, main, _shop, products = world
    order = factories.purchase_order(factories.supplier(), [(p, 5, "12.00") for p in products[:n]], warehouse=main,
                                     confirm=True)
    return owner, order, [QtyInput(line.id, 5) for line in order.lines]


def receipt(world, n):
    owner, order, lines = _received(world, n)
    return lambda: receiving.receive(owner, order, lines)


def purchase_return(world, n):
    owner, order, lines = _received(world, n)
    receiving.receive(owner, order, lines)
    db.session.commit()
    return lambda: receiving.return_goods(owner, order, [QtyInput(line.line_id, 2) for line in lines])


def stocktake(world, n):
    owner, main, _shop, products = world
    count = stocktakes.open_stocktake(owner, main.id)
    for i, product in enumerate(products[:n]):
        stocktakes.record_scan(owner, count.id, f"scan-{n}-{i:04d}", ean(i), qty=90 + i)
    db.session.commit()
    return lambda: stocktakes.post_stocktake(owner, count)


DOCUMENTS = {"adjustment": adjustment, "transfer": transfer, "delivery": delivery, "sales_return": sales_return,
             "receipt": receipt, "purchase_return": purchase_return, "stocktake": stocktake}


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_the_statements_a_document_takes_do_not_grow_with_its_lines(world, kind):
    few = statements(DOCUMENTS[kind](world, 2))
    many = statements(DOCUMENTS[kind](world, 20))
    assert len(many) - len(few) <= 2, "\n".join(many)


@pytest.mark.parametrize("kind, action", [
    ("adjustment", "adjustment.create"), ("transfer", "transfer.create"), ("delivery", "sales_order.deliver"),
    ("sales_return", "sales_return.create"), ("receipt", "purchase_order.receive"),
    ("purchase_return", "purchase_return.create"), ("stocktake", "stocktake.post")])
def test_one_audit_entry_lists_the_lines(world, kind, action):
    before = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    DOCUMENTS[kind](world, 3)()
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id > before, AuditEntry.action == action)).all()
    assert len(entries) == 1
    skus = [item.split()[0] for item in entries[0].changes["lines"][1]]
    assert skus == ["P000", "P001", "P002"]


def test_the_audit_log_shows_a_documents_lines_one_after_another(world, client, login):
    adjustment(world, 2)()
    db.session.commit()
    login("owner")
    page = client.get("/audit").get_data(as_text=True)
    assert "明细</dt><dd>— → P000 2 @ 11.0000; P001 -1 @ 10.0000</dd>" in page
    assert "[&#39;P000" not in page and "['P000" not in page


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_what_a_document_posts_is_stored_with_nothing_left_for_the_orm(world, kind):
    """post_moves writes the levels, the averages and the lines' costs itself (one UPDATE each): the session has
    nothing left to flush, and what a fresh read finds is what the ledger says, with the rows' updated_at moved."""
    action = DOCUMENTS[kind](world, 3)
    before = utcnow()
    action()
    session = db.session()
    assert not any(session.is_modified(obj) for obj in session.dirty)
    db.session.commit()
    db.session.expire_all()
    for level in db.session.scalars(select(StockLevel)):
        moved = db.session.scalar(select(func.coalesce(func.sum(StockMove.qty), 0)).where(
            StockMove.product_id == level.product_id, StockMove.warehouse_id == level.warehouse_id))
        assert level.on_hand == moved
    touched = db.session.scalars(select(StockMove).where(StockMove.created_at >= before)).all()
    assert touched
    for move in touched:
        level = db.session.get(StockLevel, (move.product_id, move.warehouse_id))
        assert level.updated_at >= before
    assert run_all() == []


def test_a_costed_receipt_stores_the_new_average_and_the_lines_cost(world):
    owner, main, _shop, products = world
    inventory.create_adjustment(owner, main.id, "other_in", "进货", [LineInput(products[0].id, D("100"), D("12.00"))])
    db.session.commit()
    db.session.expire_all()
    product = db.session.get(type(products[0]), products[0].id)
    assert product.avg_cost == D("11.0000")  # 100 at 10.00 and 100 at 12.00
    out = inventory.create_adjustment(owner, main.id, "correction", "损耗", [LineInput(products[0].id, D("-1"))])
    db.session.commit()
    db.session.expire_all()
    line = db.session.scalar(select(StockAdjustmentLine).where(StockAdjustmentLine.adjustment_id == out.id))
    assert line.unit_cost == D("11.0000")
