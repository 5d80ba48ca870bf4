"""Stocktake rules, called as a route calls them (service, then one commit): the snapshot at opening, scans that
count once per UUID (packs, typed quantities, a replayed batch), refusals that count nothing, moves during the count,
undo, recount, posting 盘盈/盘亏 through the ledger, and a closed count taking no scans."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.catalog import services as catalog
from app.checks import run_all
from app.db_types import utcnow
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.models import AdjustmentKind, MoveKind, StockLevel, StockMove
from app.inventory.services import LineInput
from app.stocktake import services as stocktakes
from app.stocktake.models import Stocktake, StocktakeLine, StocktakeStatus

D = Decimal
CASE, BOX, CABLE, LOOSE = "6901234567892", "16901234567899", "4006381333931", "5901234123457"


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def shop(app, tmp_path):
    from tests import factories
    owner, counter = factories.user("owner"), factories.user("warehouse")
    accessories = factories.category("配件")
    cases = factories.category("手机壳", parent=accessories)
    cables = factories.category("数据线")
    warehouse = factories.warehouse()
    case = factories.product(name="手机壳", barcode=CASE, category_id=cases.id)
    catalog.add_pack_unit(owner, case, "箱", "12", barcode=BOX)
    cable = factories.product(name="数据线", barcode=CABLE, category_id=cables.id, purchase_price="5.00")
    loose = factories.product(name="挂绳", barcode=LOOSE, category_id=cases.id)
    db.session.commit()
    factories.stock(case, warehouse, 30, "10.00")
    factories.stock(cable, warehouse, 10, "5.00")

    class Shop:
        pass
    shop = Shop()
    shop.__dict__.update(owner=owner, counter=counter, accessories=accessories, cases=cases, cables=cables,
                         warehouse=warehouse, case=case, cable=cable, loose=loose)
    return shop


def open_count(shop, **kw):
    stocktake = stocktakes.open_stocktake(shop.owner, shop.warehouse.id, **kw)
    db.session.commit()
    return stocktake


def scan(shop, stocktake, code, scan_id, qty=None, counted_at=None, who=None):
    result = stocktakes.record_scan(who or shop.counter, stocktake.id, scan_id, code, qty, counted_at)
    db.session.commit()
    return result


def adjust(shop, product, qty):
    inventory.create_adjustment(shop.owner, shop.warehouse.id, AdjustmentKind.CORRECTION, "sold at the counter",
                                [LineInput(product.id, D(qty))])
    db.session.commit()


def on_hand(shop, product) -> Decimal:
    return db.session.scalar(select(StockLevel.on_hand).where(StockLevel.product_id == product.id,
                                                              StockLevel.warehouse_id == shop.warehouse.id))


def rows(stocktake):
    return {row.product_id: row for row in stocktakes.variance(stocktake)}


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def test_opening_takes_what_is_on_hand_for_the_warehouse_or_a_category_with_its_subcategories(shop):
    whole = open_count(shop, name="年终盘点")
    assert whole.number.startswith("ST-") and whole.status == StocktakeStatus.OPEN and whole.title == "年终盘点"
    assert {line.product_id: line.expected for line in whole.lines} == {shop.case.id: D(30), shop.cable.id: D(10)}
    stocktakes.cancel_stocktake(shop.owner, whole)  # one open count of the same products at a time
    shelf = open_count(shop, category_id=shop.accessories.id)
    assert {line.product_id: line.expected for line in shelf.lines} == {shop.case.id: D(30)}


@pytest.mark.parametrize("fields, field", [({"warehouse_id": None}, "warehouse_id"),
                                           ({"warehouse_id": 999999}, "warehouse_id"),
                                           ({"category_id": 999999}, "category_id"),
                                           ({"name": "x" * 101}, "name")])
def test_opening_refuses_what_does_not_exist(shop, fields, field):
    with pytest.raises(BusinessRuleError) as refused:
        stocktakes.open_stocktake(shop.owner, **{"warehouse_id": shop.warehouse.id, **fields})
    assert refused.value.field == field


def test_a_scan_counts_one_a_pack_its_units_a_typed_quantity_that_many_and_a_replay_nothing(shop):
    count = open_count(shop)
    first = scan(shop, count, CASE, uid(1))
    assert (first.created, first.qty, first.counted, first.expected) == (True, D(1), D(1), D(30))
    assert scan(shop, count, BOX, uid(2)).counted == D(13)
    assert scan(shop, count, CASE, uid(3), qty="4").counted == D(17)
    again = scan(shop, count, CASE, uid(3), qty="4")
    assert (again.created, again.qty, again.counted) == (False, D(4), D(17))
    # scanning the same item twice is legitimate: only the scan id makes a scan the same one
    assert scan(shop, count, CASE, uid(4)).counted == D(18)
    assert rows(count)[shop.case.id].counted == D(18)


@pytest.mark.parametrize("code, qty, scan_id, problem", [
    ("0000000000000", None, uid(9), "not-found"), ("", None, uid(9), "not-found"),
    (CASE, "0", uid(9), "validation-error"), (CASE, "-2", uid(9), "validation-error"),
    (CASE, "abc", uid(9), "validation-error"), (CASE, "1.0001", uid(9), "validation-error"),
    (CASE, None, "short", "validation-error"), (CASE, None, None, "validation-error")])
def test_refused_scans_count_nothing(shop, code, qty, scan_id, problem):
    count = open_count(shop)
    with pytest.raises(BusinessRuleError) as refused:
        stocktakes.record_scan(shop.counter, count.id, scan_id, code, qty)
    db.session.rollback()
    assert refused.value.problem == problem
    assert all(row.counted is None for row in rows(count).values())


def test_a_category_count_refuses_products_outside_it_and_counts_one_without_stock_from_zero(shop):
    count = open_count(shop, category_id=shop.accessories.id)
    with pytest.raises(BusinessRuleError, match="not part of this count"):
        stocktakes.record_scan(shop.counter, count.id, uid(1), CABLE)
    db.session.rollback()
    found = scan(shop, count, LOOSE, uid(2), qty="3")
    assert (found.expected, found.counted) == (D(0), D(3))


def test_moves_during_the_count_are_accounted_for_up_to_each_products_last_scan(shop):
    count = open_count(shop)
    adjust(shop, shop.case, -3)  # sold before anyone reached the shelf: 27 there when counted
    scan(shop, count, CASE, uid(1), qty="27")
    scan(shop, count, CABLE, uid(2), qty="10")
    adjust(shop, shop.cable, -4)  # sold after it was counted
    variance = rows(count)
    assert (variance[shop.case.id].book, variance[shop.case.id].difference) == (D(27), D(0))
    assert (variance[shop.cable.id].book, variance[shop.cable.id].difference) == (D(10), D(0))
    stocktakes.post_stocktake(shop.owner, count)
    db.session.commit()
    assert (on_hand(shop, shop.case), on_hand(shop, shop.cable)) == (D(27), D(6))


def test_an_offline_scan_counts_at_the_time_it_was_made(shop):
    count = open_count(shop)
    scanned_at = utcnow()  # the phone counts 10 while offline...
    adjust(shop, shop.cable, -4)  # ...the shop sells 4 afterwards, before the phone is back online
    scan(shop, count, CABLE, uid(1), qty="10", counted_at=scanned_at.isoformat())
    assert rows(count)[shop.cable.id].difference == D(0)
    # a phone clock running ahead is held to now: the sale came before that
    scan(shop, count, CASE, uid(2), qty="30", counted_at=(utcnow() + timedelta(days=1)).isoformat())
    assert rows(count)[shop.case.id].difference == D(0)


def test_posting_makes_gain_and_loss_moves_and_closes_the_count(shop):
    count = open_count(shop)
    scan(shop, count, CASE, uid(1), qty="28")  # 2 missing
    scan(shop, count, CABLE, uid(2), qty="11")  # 1 found
    scan(shop, count, LOOSE, uid(3), qty="5")  # not in the books at all
    variance = rows(count)
    assert variance[shop.case.id].value == D("-20.0000")
    stocktakes.post_stocktake(shop.owner, count)
    db.session.commit()
    moves = db.session.scalars(select(StockMove).where(StockMove.source_type == "stocktake")
                               .order_by(StockMove.product_id)).all()
    assert {(m.product_id, m.kind, m.qty) for m in moves} == {
        (shop.case.id, MoveKind.STOCKTAKE_LOSS, D(-2)), (shop.cable.id, MoveKind.STOCKTAKE_GAIN, D(1)),
        (shop.loose.id, MoveKind.STOCKTAKE_GAIN, D(5))}
    assert all(m.source_number == count.number for m in moves)
    assert (on_hand(shop, shop.case), on_hand(shop, shop.cable), on_hand(shop, shop.loose)) == (D(28), D(11), D(5))
    assert count.status == StocktakeStatus.POSTED
    line = db.session.scalar(select(StocktakeLine).where(StocktakeLine.product_id == shop.case.id))
    assert (line.book, line.difference, line.unit_cost) == (D(30), D(-2), D("10.0000"))
    with pytest.raises(InvalidState):
        stocktakes.record_scan(shop.counter, count.id, uid(4), CASE)
    db.session.rollback()
    with pytest.raises(InvalidState):
        stocktakes.post_stocktake(shop.owner, count)
    db.session.rollback()
    assert run_all() == []


def test_products_nobody_counted_are_kept_unless_the_poster_chooses_to_zero_them(shop):
    by_default = open_count(shop)
    scan(shop, by_default, CASE, uid(9), qty="30")
    stocktakes.post_stocktake(shop.owner, by_default)  # the default changes nothing nobody counted
    db.session.commit()
    assert (on_hand(shop, shop.case), on_hand(shop, shop.cable)) == (D(30), D(10))
    full = open_count(shop)
    scan(shop, full, CASE, uid(1), qty="30")
    stocktakes.post_stocktake(shop.owner, full, uncounted="zero")
    db.session.commit()
    assert on_hand(shop, shop.cable) == D(0)
    adjust(shop, shop.cable, 10)
    partial = open_count(shop)
    scan(shop, partial, CASE, uid(2), qty="29")
    stocktakes.post_stocktake(shop.owner, partial, uncounted="keep")
    db.session.commit()
    assert (on_hand(shop, shop.case), on_hand(shop, shop.cable)) == (D(29), D(10))
    with pytest.raises(BusinessRuleError):
        stocktakes.post_stocktake(shop.owner, open_count(shop), uncounted="maybe")


def test_undo_takes_a_scan_out_once(shop):
    count = open_count(shop)
    scan(shop, count, CASE, uid(1))
    scan(shop, count, BOX, uid(2))
    stocktakes.undo_scan(shop.counter, count, uid(2))
    stocktakes.undo_scan(shop.counter, count, uid(2))
    db.session.commit()
    assert rows(count)[shop.case.id].counted == D(1)
    with pytest.raises(BusinessRuleError):
        stocktakes.undo_scan(shop.counter, count, uid(7))
    # a replay of the undone scan does not bring it back
    assert scan(shop, count, BOX, uid(2)).created is False
    assert rows(count)[shop.case.id].counted == D(1)


def test_recount_clears_the_chosen_products_until_they_are_scanned_again(shop):
    count = open_count(shop)
    scan(shop, count, CASE, uid(1), qty="25")
    scan(shop, count, CABLE, uid(2), qty="10")
    assert stocktakes.request_recount(shop.owner, count, [shop.case.id]) == 1
    db.session.commit()
    variance = rows(count)
    assert variance[shop.case.id].counted is None and variance[shop.case.id].recount
    assert variance[shop.cable.id].counted == D(10)
    assert stocktakes.progress(count) == {"lines": 2, "counted": 1, "recount": 1}
    scan(shop, count, CASE, uid(3), qty="30")
    assert rows(count)[shop.case.id].difference == D(0) and not rows(count)[shop.case.id].recount
    with pytest.raises(BusinessRuleError):
        stocktakes.request_recount(shop.owner, count, [])


def test_a_batch_answers_each_scan_and_skips_the_ones_seen_before(shop):
    count = open_count(shop)
    scan(shop, count, CASE, uid(1))
    results = stocktakes.record_scans(shop.counter, count.id, [
        {"scan_id": uid(1), "barcode": CASE}, {"scan_id": uid(2), "barcode": CASE, "qty": "2"},
        {"scan_id": uid(3), "barcode": "0000"}, {"scan_id": uid(4), "barcode": BOX}])
    db.session.commit()
    assert [r["status"] for r in results] == [200, 201, 404, 201]
    assert rows(count)[shop.case.id].counted == D(15)
    again = stocktakes.record_scans(shop.counter, count.id, [{"scan_id": uid(2), "barcode": CASE, "qty": "2"}])
    db.session.commit()
    assert again[0]["status"] == 200 and rows(count)[shop.case.id].counted == D(15)


def test_a_cancelled_count_moves_nothing_and_takes_no_scans(shop):
    count = open_count(shop)
    scan(shop, count, CASE, uid(1), qty="3")
    stocktakes.cancel_stocktake(shop.owner, count)
    db.session.commit()
    assert on_hand(shop, shop.case) == D(30)
    with pytest.raises(InvalidState):
        stocktakes.record_scans(shop.counter, count.id, [{"scan_id": uid(2), "barcode": CASE}])


# --- one open count of the same products at a time -----------------------------------------------------------

@pytest.mark.parametrize("first, second, refused", [
    (None, None, True), (None, "cases", True), ("cases", None, True),  # the whole warehouse overlaps every shelf
    ("accessories", "cases", True), ("cases", "accessories", True),  # a category overlaps its subcategories
    ("cases", "cases", True), ("cases", "cables", False), ("accessories", "cables", False)])
def test_a_second_open_count_of_the_same_products_is_refused(shop, first, second, refused):
    category = {None: None, "accessories": shop.accessories, "cases": shop.cases, "cables": shop.cables}
    under_way = open_count(shop, category_id=category[first] and category[first].id, name="货架A")
    if not refused:
        assert open_count(shop, category_id=category[second] and category[second].id).is_open
        return
    with pytest.raises(InvalidState) as error:
        stocktakes.open_stocktake(shop.owner, shop.warehouse.id, category[second] and category[second].id)
    db.session.rollback()
    assert error.value.field == "warehouse_id" and error.value.status == 409
    assert f"{under_way.number} 货架A" in str(error.value.message)
    assert db.session.scalar(select(func.count()).select_from(Stocktake)) == 1


def test_another_warehouse_or_a_closed_count_does_not_stand_in_the_way(shop):
    from tests import factories
    first = open_count(shop)
    assert stocktakes.open_stocktake(shop.owner, factories.warehouse().id).is_open
    stocktakes.post_stocktake(shop.owner, first)
    db.session.commit()
    second = open_count(shop)
    stocktakes.cancel_stocktake(shop.owner, second)
    db.session.commit()
    assert open_count(shop).is_open


# --- what the review shows is what posting books ------------------------------------------------------------

def moved(count) -> dict:
    """The moves a posted count made: {product: (qty, value)}."""
    return {product_id: (qty, qty * cost) for product_id, qty, cost in db.session.execute(
        select(StockMove.product_id, StockMove.qty, StockMove.unit_cost)
        .where(StockMove.source_type == "stocktake", StockMove.source_id == count.id))}


@pytest.mark.parametrize("uncounted", ["keep", "zero"])
def test_posting_books_exactly_the_booking_uncounted_products_included(shop, uncounted):
    adjust(shop, shop.loose, 50)  # received, then nobody counted it
    count = open_count(shop)
    scan(shop, count, CASE, uid(1), qty="28")  # 2 missing at ¥10
    adjust(shop, shop.cable, 5)  # cable: 15 on the books, nobody counted it
    shown = stocktakes.booking(count, uncounted)
    assert {row.product_id: row.qty for row in shown.rows} == {
        shop.case.id: D(-2), shop.cable.id: D(-15) if uncounted == "zero" else D(0),
        shop.loose.id: D(-50) if uncounted == "zero" else D(0)}
    stocktakes.post_stocktake(shop.owner, count, uncounted, shown.digest)
    db.session.commit()
    moves = moved(count)
    assert moves == {row.product_id: (row.qty, row.value) for row in shown.moves}
    assert sum(value for _qty, value in moves.values()) == shown.net
    assert sum(value for _qty, value in moves.values() if value < 0) == shown.loss
    assert stocktakes.booking(count).net == shown.net  # the posted count shows what it booked
    assert run_all() == []


def test_posting_refuses_a_booking_that_changed_since_it_was_shown(shop):
    count = open_count(shop)
    scan(shop, count, CASE, uid(1), qty="28")
    shown = stocktakes.booking(count, "zero").digest
    assert stocktakes.booking(count, "keep").digest != shown  # the choice is part of what was shown
    adjust(shop, shop.cable, -3)  # sold meanwhile: zeroing the uncounted cable books other figures
    with pytest.raises(stocktakes.BookingChanged):
        stocktakes.post_stocktake(shop.owner, count, "zero", shown)
    db.session.rollback()
    assert count.is_open and moved(count) == {}
    stocktakes.post_stocktake(shop.owner, count, "zero", stocktakes.booking(count, "zero").digest)
    db.session.commit()
    assert moved(count)[shop.cable.id][0] == D(-7)


def test_a_cancelled_count_books_nothing_and_a_posted_one_what_it_moved(shop):
    count = open_count(shop)
    scan(shop, count, CASE, uid(1), qty="28")
    stocktakes.cancel_stocktake(shop.owner, count)
    db.session.commit()
    assert stocktakes.booking(count, "zero").moves == []
    posted = open_count(shop)
    scan(shop, posted, CASE, uid(2), qty="28")
    stocktakes.post_stocktake(shop.owner, posted, "zero")
    db.session.commit()
    adjust(shop, shop.cable, 4)  # later moves change nothing in what the posted count booked
    assert {row.product_id: row.qty for row in stocktakes.booking(posted).moves} == {
        shop.case.id: D(-2), shop.cable.id: D(-10)}
