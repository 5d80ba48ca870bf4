"""Posting a voucher takes a few statements whatever the number of its lines or of the document's moves, and the
moves a document hands over book what the ledger says."""
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.books import periods, posting, vouchers
from app.books.models import Voucher, VoucherLine
from app.books.rules import RULES
from app.checks import run_all
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.services import LineInput
from tests import factories
from tests.test_stock_documents_batched import counting

D = Decimal


@pytest.fixture
def world(app):
    """An owner, a warehouse and 20 products, 100 of each at 10.00 (the books' first vouchers)."""
    owner = factories.user(role="owner")
    main = factories.warehouse("MAIN", "总仓")
    products = [factories.product(sku=f"P{i:03d}", name=f"商品{i}") for i in range(20)]
    inventory.create_adjustment(owner, main.id, "other_in", "期初", [LineInput(p.id, D("100"), D("10.00"))
                                                                     for p in products])
    db.session.commit()
    return SimpleNamespace(owner=owner, main=main, products=products)


@pytest.fixture
def unposted(world, monkeypatch):
    """make(n): an adjustment of n lines, written but not posted, and the moves post_moves answered for it."""
    answered = []
    post_moves = inventory.post_moves
    monkeypatch.setattr(inventory, "post_moves", lambda *args: answered.append(post_moves(*args)) or answered[-1])
    monkeypatch.setattr(inventory, "posting", SimpleNamespace(post=lambda *args, **kwargs: None))

    def make(n):
        lines = [LineInput(p.id, D("-1") if i % 2 else D("3"), D("10.01")) for i, p in enumerate(world.products[:n])]
        adjustment = inventory.create_adjustment(world.owner, world.main.id, "correction", "盘点差异", lines)
        db.session.flush()
        return adjustment, answered[-1]

    return make


def statements(action) -> list[str]:
    """The statements `action` sends (an executemany counts once)."""
    with counting() as seen:
        action()
    return seen


@pytest.mark.parametrize("given", [True, False], ids=["moves given", "moves read back"])
def test_a_documents_posting_takes_the_same_few_statements_for_2_or_20_moves(world, unposted, given):
    counts = []
    for n in (2, 20):
        adjustment, moves = unposted(n)
        counts.append(statements(lambda: posting.post(world.owner, "adjustment", adjustment,
                                                      moves=moves if given else None)))
    few, many = counts
    assert len(many) == len(few), "\n".join(many)
    # The number (which also reads the month's closing and the chart's roles), the voucher, its lines, the month
    # totals; and the moves' value read back from the ledger when they were not given.
    assert len(few) == (4 if given else 5), "\n".join(few)
    db.session.commit()
    assert run_all() == []


def test_a_vouchers_statements_do_not_grow_with_its_lines(world):
    accounts = vouchers.postable()
    assert len(accounts) >= 20

    def manual(n):
        debits = [VoucherLine(account_id=account.id, debit=D("1.01"), credit=D("0"))
                  for account in accounts[:n // 2]]
        credits = [VoucherLine(account_id=account.id, debit=D("0"), credit=D("1.01"))
                   for account in accounts[n // 2:n]]
        return lambda: posting.post_manual(world.owner, business_today(), f"{n} lines", debits + credits)

    manual(2)()  # the transaction's first write reads what only the first one reads (the actor, webhooks listening)
    few, many = statements(manual(2)), statements(manual(20))
    assert len(many) == len(few) == 4, "\n".join(few)
    db.session.commit()
    db.session.expire_all()
    assert [len(voucher.lines) for voucher in db.session.scalars(
        select(Voucher).where(Voucher.memo.like("% lines")).order_by(Voucher.id))] == [2, 2, 20]
    assert run_all() == []


def test_the_moves_given_book_what_the_ledger_says(unposted):
    adjustment, moves = unposted(20)
    rule = RULES["adjustment"]
    assert rule.read(adjustment, moves) == rule.read(adjustment)
    assert rule.read(adjustment, moves).amounts["value"] == sum(move.value for move in moves) != 0
    other, _moves = unposted(2)
    with pytest.raises(ValueError):
        rule.read(other, moves)  # another document's moves
    with pytest.raises(ValueError):
        RULES["sales_invoice"].read(adjustment, moves)  # a rule that books no stock


def test_a_closed_month_refuses_in_the_numbers_statement(world, unposted):
    adjustment, moves = unposted(2)
    db.session.commit()
    periods.close(world.owner, f"{business_today():%Y-%m}")
    db.session.commit()
    with pytest.raises(BusinessRuleError) as refusal:
        posting.post(world.owner, "adjustment", adjustment, moves=moves)
    assert refusal.value.field == "booked_on" and f"{business_today():%Y-%m}" in str(refusal.value.message)
    db.session.rollback()
    assert posting.voucher_of("adjustment", adjustment.id) is None
