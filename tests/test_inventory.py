"""The ledger's rules: one posting function, append-only moves, levels in step, no negative stock,
moving-average cost, numbered all-or-nothing documents."""
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app.checks import run_all
from app.errors import BusinessRuleError
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.ledger import InsufficientStock, Move, Source, moving_average, post_moves
from app.inventory.models import MoveKind, StockAdjustment, StockLevel, StockMove
from app.inventory.services import LineInput
from app.settings.services import update_company
from tests import factories

D = Decimal


def on_hand(product, warehouse):
    db.session.expire_all()
    level = db.session.get(StockLevel, (product.id, warehouse.id))
    return level.on_hand if level else D("0")


@pytest.fixture(autouse=True)
def english(app):
    """Refusals are read in English here (services outside a request use the default language)."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def shop(app):
    owner = factories.user(role="owner")
    main, shop_floor = factories.warehouse("MAIN", "总仓"), factories.warehouse("SHOP", "门店")
    case = factories.product(name="苹果手机壳", sku="CASE")
    return owner, main, shop_floor, case


def test_first_warehouse_is_the_default(shop):
    _owner, main, shop_floor, _case = shop
    assert main.is_default and not shop_floor.is_default
    assert inventory.default_warehouse().id == main.id


def test_receipts_update_the_moving_average(shop):
    """Receive 10 at 10.00, then 10 at 20.00: the cost is 15.00; issues go out at 15.00."""
    owner, main, _shop, case = shop
    inventory.create_adjustment(owner, main.id, "other_in", "期初", [LineInput(case.id, D("10"), D("10.00"))])
    inventory.create_adjustment(owner, main.id, "other_in", "补货", [LineInput(case.id, D("10"), D("20.00"))])
    db.session.commit()
    assert case.avg_cost == D("15.0000")
    out = inventory.create_adjustment(owner, main.id, "damage", "摔坏", [LineInput(case.id, D("-3"))])
    db.session.commit()
    assert out.lines[0].unit_cost == D("15.0000")
    # A later, pricier receipt changes the average but never the cost already recorded on the issue.
    inventory.create_adjustment(owner, main.id, "other_in", "补货", [LineInput(case.id, D("3"), D("40.00"))])
    db.session.commit()
    move = db.session.scalar(select(StockMove).where(StockMove.kind == MoveKind.DAMAGE))
    assert move.unit_cost == D("15.0000") and move.qty == D("-3.000")
    assert case.avg_cost == D("18.7500")  # (17 x 15 + 3 x 40) / 20


@pytest.mark.parametrize("avg, on_hand_, cost, qty, expected", [
    ("0", "0", "12.5", "4", "12.5000"),
    ("10", "-2", "30", "5", "30.0000"),       # stock was negative: restart at the new cost
    ("10", "3", "11", "3", "10.5000"),
    ("1", "3", "2", "0.001", "1.0003"),       # rounds half up to 4 places
])
def test_moving_average_rule(avg, on_hand_, cost, qty, expected):
    assert moving_average(D(avg), D(on_hand_), D(cost), D(qty)) == D(expected)


def test_stock_cannot_go_negative_and_nothing_is_written(shop):
    owner, main, _shop, case = shop
    factories.stock(case, main, 5)
    other = factories.product(name="钢化膜")
    factories.stock(other, main, 5)
    with pytest.raises(InsufficientStock) as refused:
        inventory.create_adjustment(owner, main.id, "other_out", "领用",
                                    [LineInput(other.id, D("-2")), LineInput(case.id, D("-6"))])
    db.session.rollback()
    assert "苹果手机壳" in refused.value.message and refused.value.problem == "insufficient-stock"
    assert on_hand(case, main) == D("5") and on_hand(other, main) == D("5")
    assert db.session.scalar(select(StockAdjustment.id)) is None


def test_negative_stock_when_the_owner_allows_it(shop):
    owner, main, _shop, case = shop
    update_company(owner, {"name": "鼎盛", "currency": "CNY", "default_tax_rate": "13", "allow_negative_stock": True})
    db.session.commit()
    inventory.create_adjustment(owner, main.id, "other_out", "先出后补", [LineInput(case.id, D("-2"))])
    db.session.commit()
    assert on_hand(case, main) == D("-2")
    assert run_all() == []


def test_transfer_moves_both_sides_at_average_cost(shop):
    owner, main, shop_floor, case = shop
    factories.stock(case, main, 10, unit_cost="12.00")
    transfer = inventory.create_transfer(owner, main.id, shop_floor.id, [LineInput(case.id, D("4"))], "门店补货")
    db.session.commit()
    assert transfer.number.startswith("TRF-") and transfer.number.endswith("-000001")
    assert (on_hand(case, main), on_hand(case, shop_floor)) == (D("6"), D("4"))
    moves = db.session.scalars(select(StockMove).where(StockMove.source_type == "transfer").order_by(StockMove.id)).all()
    assert [(m.kind, m.qty, m.unit_cost) for m in moves] == [
        (MoveKind.TRANSFER_OUT, D("-4.000"), D("12.0000")), (MoveKind.TRANSFER_IN, D("4.000"), D("12.0000"))]
    assert case.avg_cost == D("12.0000")


def test_transfer_refusals(shop):
    owner, main, shop_floor, case = shop
    factories.stock(case, main, 1)
    with pytest.raises(BusinessRuleError, match="different"):
        inventory.create_transfer(owner, main.id, main.id, [LineInput(case.id, D("1"))])
    with pytest.raises(InsufficientStock):
        inventory.create_transfer(owner, main.id, shop_floor.id, [LineInput(case.id, D("2"))])
    with pytest.raises(BusinessRuleError, match="only adds"):
        inventory.create_transfer(owner, main.id, shop_floor.id, [LineInput(case.id, D("-1"))])


@pytest.mark.parametrize("kind, qty, message", [
    ("other_in", "-1", "only adds"), ("damage", "2", "only removes"), ("other_in", "0", "zero"),
    ("sideways", "1", "kind"),
])
def test_adjustment_lines_must_fit_the_kind(shop, kind, qty, message):
    owner, main, _shop, case = shop
    with pytest.raises(BusinessRuleError, match=message):
        inventory.create_adjustment(owner, main.id, kind, "测试", [LineInput(case.id, D(qty))])


def test_adjustment_needs_a_reason_and_known_things(shop):
    owner, main, _shop, case = shop
    with pytest.raises(BusinessRuleError, match="reason"):
        inventory.create_adjustment(owner, main.id, "other_in", "  ", [LineInput(case.id, D("1"))])
    with pytest.raises(BusinessRuleError, match="product"):
        inventory.create_adjustment(owner, main.id, "other_in", "x", [LineInput(999, D("1"))])
    with pytest.raises(BusinessRuleError, match="warehouse"):
        inventory.create_adjustment(owner, 999, "other_in", "x", [LineInput(case.id, D("1"))])


def test_numbers_are_gapless_per_type_and_a_refusal_uses_none(shop):
    owner, main, _shop, case = shop
    first = inventory.create_adjustment(owner, main.id, "other_in", "a", [LineInput(case.id, D("1"))])
    db.session.commit()
    with pytest.raises(InsufficientStock):
        inventory.create_adjustment(owner, main.id, "other_out", "b", [LineInput(case.id, D("-5"))])
    db.session.rollback()
    second = inventory.create_adjustment(owner, main.id, "other_out", "c", [LineInput(case.id, D("-1"))])
    db.session.commit()
    assert [first.number[-6:], second.number[-6:]] == ["000001", "000002"]


def test_moves_are_append_only(shop):
    owner, main, _shop, case = shop
    factories.stock(case, main, 3)
    move = db.session.scalar(select(StockMove))
    move.qty = D("300")
    with pytest.raises(Exception):
        db.session.flush()  # refused by the ORM guard
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE stock_move SET qty = 1"))  # and by the database itself
    db.session.rollback()


def test_check_finds_levels_out_of_step_with_the_ledger(shop):
    _owner, main, _shop, case = shop
    factories.stock(case, main, 3)
    assert run_all() == []
    db.session.execute(text("UPDATE stock_level SET on_hand = 4000"))  # 4.000 in scaled units: a drift
    db.session.commit()
    breaches = run_all()
    assert len(breaches) == 1 and "on hand 4.000" in breaches[0] and "moves 3.000" in breaches[0]


def test_thousands_of_small_quantities_and_costs_sum_exactly(shop):
    owner, main, _shop, case = shop
    moves = [Move(case.id, main.id, D("0.001"), MoveKind.ADJUSTMENT_IN, unit_cost=D("0.0100")) for _ in range(3000)]
    post_moves(owner, Source("test", None, "T"), moves)
    db.session.commit()
    assert on_hand(case, main) == D("3.000")
    total = db.session.execute(text("SELECT SUM(qty) FROM stock_move")).scalar()
    assert total == 3000  # stored as exact thousandths
    assert case.avg_cost == D("0.0100")
    assert run_all() == []


def test_audit_records_each_document(shop):
    from app.audit.models import AuditEntry
    owner, main, shop_floor, case = shop
    factories.stock(case, main, 5)
    adjustment = inventory.create_adjustment(owner, main.id, "damage", "破损", [LineInput(case.id, D("-1"))])
    inventory.create_transfer(owner, main.id, shop_floor.id, [LineInput(case.id, D("1"))])
    db.session.commit()
    actions = {(e.action, e.user_id) for e in db.session.scalars(select(AuditEntry))}
    assert {("adjustment.create", owner.id), ("transfer.create", owner.id)} <= actions
    assert adjustment.user_id == owner.id


def test_goods_leaving_at_a_known_cost_move_the_average(app):
    """Returned to the supplier at 12.00 what the average holds at 9.00: the rest is worth less (8.40)."""
    from decimal import Decimal

    from app.inventory.ledger import moving_average
    assert moving_average(Decimal("9.00"), Decimal("12"), Decimal("12.00"), Decimal("-2")) == Decimal("8.4000")
    assert moving_average(Decimal("9.00"), Decimal("2"), Decimal("12.00"), Decimal("-2")) == Decimal("9.00")
    assert moving_average(Decimal("9.00"), Decimal("0"), Decimal("5.00"), Decimal("3")) == Decimal("5.0000")
