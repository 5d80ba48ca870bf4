"""Stock, ledger, warehouse, adjustment and transfer screens: pages and fragments, 422s that write
nothing, redirects, double taps, running balances, and who sees which numbers."""
import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from app.audit.models import AuditEntry
from app.catalog import services as catalog
from app.catalog.models import Product
from app.extensions import db
from app.inventory import queries, services
from app.inventory.models import (AdjustmentKind, StockAdjustment, StockLevel, StockMove, StockTransfer, Warehouse)
from app.inventory.services import LineInput
from app.numbering import DocumentSequence
from tests import factories

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", **EN}


def get(client, url, **headers):
    return client.get(url, headers={**EN, **headers})


def html(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data}, headers=EN)


def on_hand(product, warehouse) -> Decimal:
    db.session.expire_all()
    level = db.session.get(StockLevel, (product.id, warehouse.id))
    return level.on_hand if level else Decimal("0")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def balances(response) -> list[str]:
    return re.findall(r'data-balance="([-\d.]+)"', html(response))


@pytest.fixture
def shop(app):
    """Two warehouses and a product with stock in both; its average cost is 7.6543."""
    main = factories.warehouse(code="MAIN", name="主仓")
    store = factories.warehouse(code="STORE", name="门店")
    case = factories.product(sku="CASE-1", name="苹果手机壳", spec="iPhone 15", min_stock="2",
                             sale_price="98.76", purchase_price="54.32")
    factories.stock(case, main, 10, "7.6543")
    factories.stock(case, store, 3, "7.6543")
    return main, store, case


# ---- stock list ---------------------------------------------------------------------------------

def test_stock_is_a_page_a_fragment_and_pages_of_rows(client, login, shop, monkeypatch):
    monkeypatch.setattr("app.inventory.routes.PER_PAGE", 2)
    for n in range(3):
        factories.product(sku=f"ZZ-{n}", name=f"充电线{n}")
    login("owner")
    page = get(client, "/stock")
    fragment = get(client, "/stock", **HX)
    boosted = get(client, "/stock", **HX, **{"HX-Boosted": "true"})
    assert "<html" in html(page) and "<html" in html(boosted)
    assert html(fragment).lstrip().startswith('<div id="stock-list">')
    assert fragment.headers["Cache-Control"] == "no-store" and "HX-Request" in fragment.headers["Vary"]
    assert "/stock?page=2" in html(fragment)
    more = get(client, "/stock?page=2", **HX)
    rows = html(more)
    assert rows.lstrip().startswith("<li") and "ZZ-1" in rows and "ZZ-2" in rows
    assert "ZZ-0" not in rows and "CASE-1" not in rows and "page=3" not in rows


def test_stock_by_warehouse_and_total_value_for_the_owner(client, login, shop):
    main, store, case = shop
    other = factories.product(sku="CABLE", name="数据线")
    factories.stock(other, main, 4, "2.50")
    login("owner")
    everywhere = html(get(client, "/stock"))
    assert "主仓 10" in everywhere and "门店 3" in everywhere  # per-warehouse split of 13
    assert "¥99.51" in everywhere  # 13 x 7.6543
    assert "¥109.51" in everywhere  # + 4 x 2.50
    store_only = html(get(client, f"/stock?warehouse_id={store.id}"))
    assert "¥22.96" in store_only  # 3 x 7.6543
    assert re.search(r'id="stock-total-value">¥22.96<', store_only)


def test_search_narrows_the_stock_list(client, login, shop):
    factories.product(sku="CABLE", name="数据线")
    login("warehouse")
    found = html(get(client, "/stock?q=pgsjk", **HX))  # pinyin initials of 苹果手机壳
    assert "CASE-1" in found and "CABLE" not in found
    assert "No products match." in html(get(client, "/stock?q=nothing-like-it", **HX))


@pytest.fixture
def levels(shop):
    """Products at, under and over their limits (totals across warehouses count)."""
    main, store, _case = shop
    under = factories.product(sku="UNDER", min_stock="5")
    factories.stock(under, main, 2)
    factories.stock(under, store, 2)  # 4 in all, below 5
    over = factories.product(sku="OVER", min_stock="0", max_stock="10")
    factories.stock(over, main, 12)
    factories.product(sku="NEVER-STOCKED", min_stock="1")  # no stock level at all: 0 < 1
    ok = factories.product(sku="OK", min_stock="1", max_stock="0")
    factories.stock(ok, main, 50)  # max 0 means no maximum
    factories.product(sku="RETIRED", min_stock="5", active=False)
    return shop


def test_low_and_over_stock_are_flagged_and_filtered(client, login, levels):
    login("owner")
    low = html(get(client, "/stock?flag=low", **HX))
    assert "UNDER" in low and "NEVER-STOCKED" in low
    assert not any(sku in low for sku in ("OVER", "CASE-1", ">OK<", "RETIRED"))
    over = html(get(client, "/stock?flag=over", **HX))
    assert "OVER" in over and "UNDER" not in over and "OK" not in over
    everything = html(get(client, "/stock", **HX))
    assert re.search(r'class="stock-item low" data-product="\d+">\s*<a[^>]*>\s*<div class="stock-product">\s*'
                     r'<strong>[^<]*</strong>\s*<small class="muted">UNDER', everything)
    assert "Low stock: 2" in everything and "Over stock: 1" in everything


def test_low_stock_count_is_active_products_under_their_minimum(app, levels):
    assert queries.low_stock_count() == 2  # UNDER and NEVER-STOCKED; not the inactive one


def test_low_stock_count_follows_the_ledger(app, shop):
    main, store, case = shop
    assert queries.low_stock_count() == 0
    services.create_adjustment(None, main.id, AdjustmentKind.DAMAGE, "dropped", [LineInput(case.id, Decimal("-10"))])
    db.session.commit()
    assert queries.low_stock_count() == 0  # 3 left in all, min 2
    services.create_transfer(None, store.id, main.id, [LineInput(case.id, Decimal("3"))])
    services.create_adjustment(None, main.id, AdjustmentKind.OTHER_OUT, "sample", [LineInput(case.id, Decimal("-2"))])
    db.session.commit()
    assert queries.low_stock_count() == 1  # 1 left in all


def test_stock_list_runs_the_same_queries_for_3_or_20_products(client, login, shop):
    main = shop[0]
    login("owner")

    def statements(url):
        seen = []
        # The |money filter's settings read is the settings module's business, not this list's.
        listener = lambda *args: seen.append(args[2]) if "company_settings" not in args[2] else None  # noqa: E731
        event.listen(Engine, "before_cursor_execute", listener)
        try:
            assert get(client, url).status_code == 200
        finally:
            event.remove(Engine, "before_cursor_execute", listener)
        return len(seen)

    few = statements("/stock")
    for n in range(17):
        factories.stock(factories.product(sku=f"P{n:02d}"), main, 1)
    assert statements("/stock") == few


# ---- who sees which numbers -----------------------------------------------------------------------

MONEY = ("¥", "7.65", "54.32", "98.76", "99.51", "22.96")


@pytest.fixture
def documents(app, shop):
    main, store, case = shop
    owner = factories.user("owner")
    adjustment = services.create_adjustment(owner, main.id, AdjustmentKind.OTHER_IN, "found",
                                            [LineInput(case.id, Decimal("1"), Decimal("20"))])
    transfer = services.create_transfer(owner, main.id, store.id, [LineInput(case.id, Decimal("2"))])
    db.session.commit()
    return adjustment, transfer


def test_warehouse_sees_no_price_cost_or_value_anywhere(client, login, shop, documents):
    main, store, case = shop
    adjustment, transfer = documents
    login("warehouse")
    urls = ["/stock", f"/stock?warehouse_id={main.id}", f"/stock/ledger/{case.id}", "/warehouses", "/adjustments",
            f"/adjustments/{adjustment.id}", "/adjustments/new", "/transfers", f"/transfers/{transfer.id}",
            "/transfers/new", "/stock/products?index=0&lines-0-product=CASE", f"/stock/line?index=0&product_id={case.id}"]
    for url in urls:
        for headers in ({}, HX):
            response = get(client, url, **headers)
            assert response.status_code == 200, url
            assert not [m for m in MONEY if m in html(response)], url
    assert "unit_cost" not in html(get(client, "/adjustments/new"))
    assert "On hand" in html(get(client, "/stock"))


def test_sales_see_available_stock_only(client, login, shop, documents):
    _main, _store, case = shop
    login("sales")
    stock = html(get(client, "/stock"))
    assert "Available" in stock and "On hand" not in stock and "Reserved" not in stock
    for url in ("/stock", f"/stock/ledger/{case.id}", "/warehouses"):
        assert not [m for m in MONEY if m in html(get(client, url))], url


@pytest.mark.parametrize("role", ["owner", "purchasing", "finance"])
def test_cost_roles_see_costs_and_values(client, login, shop, role):
    _main, _store, case = shop
    login(role)
    assert "¥99.51" in html(get(client, "/stock"))
    ledger = html(get(client, f"/stock/ledger/{case.id}"))
    assert "Unit cost" in ledger and "¥7.65" in ledger and "¥76.54" in ledger  # 10 x 7.6543


@pytest.mark.parametrize("role, url, status", [
    ("sales", "/adjustments", 403), ("sales", "/transfers", 403), ("sales", "/adjustments/new", 403),
    ("purchasing", "/adjustments/new", 403), ("finance", "/transfers/new", 403), ("warehouse", "/warehouses/new", 403),
    ("purchasing", "/adjustments", 200), ("finance", "/transfers", 200), ("warehouse", "/adjustments/new", 200),
    ("sales", "/warehouses", 200), ("sales", "/stock/products?q=x", 403),
])
def test_roles_reach_what_they_may(client, login, shop, role, url, status):
    login(role)
    assert get(client, url).status_code == status


# ---- ledger -----------------------------------------------------------------------------------------

@pytest.fixture
def history(app, shop):
    """Moves of the case after opening (+10 main, +3 store): -4 main by a clerk, +2 store, -1 main by the owner."""
    main, store, case = shop
    clerk = factories.user("warehouse", display_name="刘强")
    owner = factories.user("owner", display_name="王建国")
    damage = services.create_adjustment(clerk, main.id, AdjustmentKind.DAMAGE, "wet", [LineInput(case.id, Decimal("-4"))])
    found = services.create_adjustment(owner, store.id, AdjustmentKind.OVERAGE, "count", [LineInput(case.id, Decimal("2"))])
    issue = services.create_adjustment(owner, main.id, AdjustmentKind.OTHER_OUT, "sample", [LineInput(case.id, Decimal("-1"))])
    db.session.commit()
    return {"clerk": clerk, "owner": owner, "damage": damage, "found": found, "issue": issue}


def test_running_balance_is_right_on_every_page(client, login, shop, history, monkeypatch):
    monkeypatch.setattr("app.inventory.routes.PER_PAGE", 2)
    case = shop[2]
    login("warehouse")
    first = get(client, f"/stock/ledger/{case.id}")
    assert balances(first) == ["10.000", "11.000"]  # newest first: after -1, after +2
    assert html(get(client, f"/stock/ledger/{case.id}", **HX)).lstrip().startswith('<div id="ledger">')
    second = get(client, f"/stock/ledger/{case.id}?page=2", **HX)
    assert html(second).lstrip().startswith("<li") and balances(second) == ["9.000", "13.000"]
    assert balances(get(client, f"/stock/ledger/{case.id}?page=3", **HX)) == ["10.000"]


def test_balance_per_warehouse_and_under_filters(client, login, shop, history):
    main, store, case = shop
    login("owner")
    url = f"/stock/ledger/{case.id}"
    assert balances(get(client, f"{url}?warehouse_id={main.id}")) == ["5.000", "6.000", "10.000"]
    assert balances(get(client, f"{url}?warehouse_id={store.id}")) == ["5.000", "3.000"]
    # Filters pick moves; the balance stays the real stock after each of them.
    assert balances(get(client, f"{url}?kind=damage")) == ["9.000"]
    assert balances(get(client, f"{url}?number={history['found'].number}")) == ["11.000"]
    assert balances(get(client, f"{url}?user_id={history['clerk'].id}")) == ["9.000"]
    assert balances(get(client, f"{url}?user_id={history['owner'].id}&warehouse_id={main.id}")) == ["5.000"]


def test_ledger_filters_by_date_in_the_company_time_zone(client, login, shop, history):
    case = shop[2]
    login("owner")
    today = datetime.now(ZoneInfo(client.application.config["BABEL_DEFAULT_TIMEZONE"])).date()
    url = f"/stock/ledger/{case.id}"
    assert len(balances(get(client, f"{url}?date_from={today}&date_to={today}"))) == 5
    assert balances(get(client, f"{url}?date_from={today + timedelta(days=1)}")) == []
    assert balances(get(client, f"{url}?date_to={today - timedelta(days=1)}")) == []


def test_ledger_links_moves_to_their_documents(client, login, shop, history):
    case = shop[2]
    login("owner")
    ledger = html(get(client, f"/stock/ledger/{case.id}"))
    damage = history["damage"]
    assert f'<a href="/adjustments/{damage.id}">{damage.number}</a>' in ledger
    assert "Damage write-off" in ledger and "刘强" in ledger
    assert get(client, "/stock/ledger/9999").status_code == 404


# ---- warehouses -------------------------------------------------------------------------------------

def test_the_first_warehouse_is_the_default_and_a_new_default_takes_the_mark(client, login):
    login("owner")
    assert "it becomes the default" in html(get(client, "/warehouses/new"))
    first = post(client, "/warehouses/new", code="wh1", name="主仓", address="七莘路", idempotency_key="a")
    assert first.status_code == 302 and first.headers["Location"] == "/warehouses"
    assert "It is now the default warehouse." in html(get(client, "/warehouses"))
    assert "moves the mark from 主仓" in html(get(client, "/warehouses/new"))
    post(client, "/warehouses/new", code="WH2", name="门店", is_default="y", idempotency_key="b")
    post(client, "/warehouses/new", code="WH3", name="备用仓", idempotency_key="c")
    listing = html(get(client, "/warehouses"))
    assert listing.count('class="badge default"') == 1
    assert re.search(r"门店</strong>.*?WH2.*?badge default", listing, re.S)
    assert db.session.scalar(select(Warehouse.code).where(Warehouse.is_default)) == "WH2"


def test_a_taken_warehouse_code_is_422_and_a_double_tap_makes_one(client, login):
    login("owner")
    for _ in range(2):
        assert post(client, "/warehouses/new", code="WH1", name="主仓", idempotency_key="same").status_code == 302
    refused = post(client, "/warehouses/new", code="wh1", name="另一个", idempotency_key="other")
    assert refused.status_code == 422 and "WH1 is already used" in html(refused)
    assert count(Warehouse) == 1


def test_only_the_owner_creates_warehouses(client, login):
    login("warehouse")
    assert post(client, "/warehouses/new", code="WH1", name="主仓").status_code == 403
    assert count(Warehouse) == 0


# ---- adjustments ------------------------------------------------------------------------------------

def test_other_receipt_posts_with_unit_cost_and_redirects_to_the_document(client, login, shop):
    main, _store, case = shop
    login("owner")
    response = post(client, "/adjustments/new", warehouse_id=main.id, kind="other_in", reason="样品退回",
                    idempotency_key="k1", **{"lines-0-product": "CASE-1", "lines-0-qty": "7",
                                             "lines-0-unit_cost": "10.6543"})
    adjustment = db.session.scalars(select(StockAdjustment)).one()
    assert response.status_code == 302 and response.headers["Location"] == f"/adjustments/{adjustment.id}"
    assert re.fullmatch(r"ADJ-\d{4}-000001", adjustment.number)
    assert on_hand(case, main) == Decimal("17")
    assert db.session.get(Product, case.id).avg_cost == Decimal("8.7043")  # (13 x 7.6543 + 7 x 10.6543) / 20
    page = html(get(client, response.headers["Location"]))
    assert adjustment.number in page and "Other receipt" in page and "样品退回" in page
    assert f'/stock/ledger/{case.id}?warehouse_id={main.id}&amp;number={adjustment.number}' in page
    assert "was posted" in page
    assert 'name="lines-0-unit_cost"' in html(get(client, "/adjustments/new"))


@pytest.mark.parametrize("kind, change", [("other_out", -2), ("damage", -2), ("overage", 2), ("other_in", 2)])
def test_the_kind_gives_the_sign(client, login, shop, kind, change):
    main, _store, case = shop
    login("warehouse")
    response = post(client, "/adjustments/new", warehouse_id=main.id, kind=kind, reason="r",
                    **{"lines-0-product": "CASE-1", "lines-0-qty": "2"})
    assert response.status_code == 302
    assert on_hand(case, main) == Decimal(10 + change)


def test_not_enough_stock_is_422_on_the_form_and_nothing_is_written(client, login, shop):
    main, store, case = shop
    cable = factories.product(sku="CABLE", name="数据线")
    factories.stock(cable, main, 100)
    login("warehouse")
    moves, audits, numbers = count(StockMove), count(AuditEntry), count(DocumentSequence)
    response = post(client, "/adjustments/new", warehouse_id=main.id, kind="damage", reason="flood",
                    idempotency_key="k", **{"lines-0-product": "CABLE", "lines-0-qty": "5",
                                            "lines-1-product": "CASE-1", "lines-1-qty": "11"})
    assert response.status_code == 422
    page = html(response)
    assert "Not enough 苹果手机壳 in 主仓: 10 个 on hand, 11 needed." in page
    assert 'name="lines-1-qty"' in page and 'value="11"' in page  # the form comes back filled in
    assert (count(StockAdjustment), count(StockMove), count(AuditEntry)) == (0, moves, audits)
    assert on_hand(cable, main) == Decimal("100")
    assert count(DocumentSequence) == numbers  # the number was not used up either (the stock's voucher took 记)
    fixed = post(client, "/adjustments/new", warehouse_id=main.id, kind="damage", reason="flood",
                 idempotency_key="k", **{"lines-0-product": "CASE-1", "lines-0-qty": "10"})
    assert fixed.status_code == 302
    assert db.session.scalars(select(StockAdjustment.number)).one().endswith("-000001")


def test_double_tap_posts_once(client, login, shop):
    main, _store, case = shop
    login("warehouse")
    data = dict(warehouse_id=main.id, kind="other_out", reason="r", idempotency_key="tap",
                **{"lines-0-product": "CASE-1", "lines-0-qty": "3"})
    first, second = post(client, "/adjustments/new", **data), post(client, "/adjustments/new", **data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(StockAdjustment) == 1 and on_hand(case, main) == Decimal("7")


@pytest.mark.parametrize("line, message", [
    ({"lines-0-product": "no-such-thing", "lines-0-qty": "1"}, "No product matches."),
    ({"lines-0-product": "CASE-1", "lines-0-qty": "0"}, "Enter a quantity above zero."),
    ({"lines-0-product": "CASE-1", "lines-0-qty": "-3"}, "Enter a quantity above zero."),
    ({"lines-0-product": "CASE-1", "lines-0-qty": "two"}, "Enter a number."),
    ({"lines-0-product": "CASE-1"}, "Enter a quantity."),
    ({"lines-0-qty": "4"}, "Choose a product."),
    ({}, "Add at least one line."),
])
def test_bad_lines_are_422_and_nothing_is_written(client, login, shop, line, message):
    factories.product(sku="CASE-2", name="苹果手机壳 蓝")
    main = shop[0]
    login("owner")
    response = post(client, "/adjustments/new", warehouse_id=main.id, kind="other_out", reason="r", **line)
    assert response.status_code == 422 and message in html(response)
    assert count(StockAdjustment) == 0


def test_a_vague_product_text_asks_to_choose(client, login, shop):
    factories.product(sku="CASE-2", name="苹果手机壳 蓝")
    login("owner")
    response = post(client, "/adjustments/new", warehouse_id=shop[0].id, kind="other_in", reason="r",
                    **{"lines-0-product": "手机壳", "lines-0-qty": "1"})
    assert response.status_code == 422 and "Several products match" in html(response)


def test_missing_reason_is_422_with_the_lines_kept(client, login, shop):
    login("owner")
    response = post(client, "/adjustments/new", warehouse_id=shop[0].id, kind="other_in", reason="",
                    **{"lines-0-product": "CASE-1", "lines-0-qty": "1"})
    assert response.status_code == 422
    page = html(response)
    assert re.search(r'<input aria-describedby="reason-error" aria-invalid="true" id="reason"', page)
    assert "✓ 苹果手机壳" in page  # the typed SKU came back as a picked product
    assert count(StockAdjustment) == 0


def test_a_pack_barcode_counts_its_units(client, login, shop):
    main, _store, case = shop
    catalog.add_pack_unit(None, db.session.get(Product, case.id), "箱", "12", barcode="BOX-CASE-12")
    db.session.commit()
    login("owner")
    post(client, "/adjustments/new", warehouse_id=main.id, kind="other_in", reason="到货",
         **{"lines-0-product": "BOX-CASE-12", "lines-0-qty": "2"})
    assert on_hand(case, main) == Decimal("34")


def test_only_cost_roles_set_a_unit_cost(client, login, shop):
    main, _store, case = shop
    login("warehouse")
    response = post(client, "/adjustments/new", warehouse_id=main.id, kind="other_in", reason="r",
                    **{"lines-0-product": "CASE-1", "lines-0-qty": "10", "lines-0-unit_cost": "999"})
    assert response.status_code == 302
    assert db.session.get(Product, case.id).avg_cost == Decimal("7.6543")


def test_the_form_starts_with_five_lines_and_adds_one_without_javascript(client, login, shop):
    login("warehouse")
    form = html(get(client, "/adjustments/new"))
    assert form.count('class="doc-line"') == 5
    assert f'<option selected value="{shop[0].id}">' in form  # the default warehouse
    more = post(client, "/adjustments/new", warehouse_id=shop[0].id, kind="other_in", reason="", add_line="1",
                **{"lines-0-product": "CASE-1", "lines-0-qty": "2"})
    assert more.status_code == 200 and html(more).count('class="doc-line"') == 6
    assert 'name="lines-5-product"' in html(more) and 'value="CASE-1"' in html(more)
    assert count(StockAdjustment) == 0


def test_add_line_fragment_continues_the_numbering(client, login, shop):
    login("warehouse")
    response = get(client, "/stock/line?doc=adjustment&lines-0-product_id=&lines-6-product_id=", **HX)
    row = html(response)
    assert row.lstrip().startswith('<div class="doc-line" id="line-7">') and 'name="lines-7-qty"' in row


def test_product_search_lists_matches_to_pick(client, login, shop):
    case = shop[2]
    catalog.add_pack_unit(None, db.session.get(Product, case.id), "箱", "12", barcode="BOX-CASE-12")
    db.session.commit()
    login("warehouse")
    options = html(get(client, "/stock/products?doc=adjustment&index=3&lines-3-product=pgsj", **HX))
    assert options.lstrip().startswith('<div class="options" id="lines-3-options"')
    assert "苹果手机壳" in options and f"product_id={case.id}" in options and "units=" not in options
    pack = html(get(client, "/stock/products?doc=adjustment&index=0&lines-0-product=BOX-CASE-12", **HX))
    assert "units=12" in pack and "a pack of 12 个" in pack
    assert "No product matches." in html(get(client, "/stock/products?index=0&lines-0-product=zzzz", **HX))


def test_picking_a_product_fills_the_line(client, login, shop):
    case = shop[2]
    login("owner")
    row = html(get(client, f"/stock/line?doc=adjustment&index=1&product_id={case.id}&units=12&lines-1-qty=2", **HX))
    assert row.lstrip().startswith('<div class="doc-line" id="line-1">')
    assert 'value="CASE-1"' in row and f'name="lines-1-product_id" type="hidden" value="{case.id}"' in row
    assert re.search(r'<input[^>]*autofocus[^>]*name="lines-1-qty"[^>]*value="24"', row)
    assert "✓ 苹果手机壳" in row and 'name="lines-1-unit_cost"' in row
    assert 'unit_cost' not in html(get(client, f"/stock/line?doc=transfer&index=1&product_id={case.id}", **HX))


def test_adjustment_list_newest_first(client, login, shop, history):
    login("finance")
    listing = html(get(client, "/adjustments"))
    numbers = re.findall(r"ADJ-\d{4}-\d{6}", listing)
    assert numbers == [history["issue"].number, history["found"].number, history["damage"].number]
    assert "New adjustment" not in listing and "1 line" in listing
    assert get(client, "/adjustments/9999").status_code == 404


# ---- transfers ----------------------------------------------------------------------------------------

def test_transfer_moves_goods_and_redirects(client, login, shop):
    main, store, case = shop
    login("warehouse")
    form = html(get(client, "/transfers/new"))
    assert f'<option selected value="{store.id}">' in form  # "to" starts at another warehouse
    response = post(client, "/transfers/new", from_warehouse_id=main.id, to_warehouse_id=store.id, notes="补货",
                    idempotency_key="t", **{"lines-0-product": "CASE-1", "lines-0-qty": "4"})
    transfer = db.session.scalars(select(StockTransfer)).one()
    assert response.status_code == 302 and response.headers["Location"] == f"/transfers/{transfer.id}"
    assert (on_hand(case, main), on_hand(case, store)) == (Decimal("6"), Decimal("7"))
    page = html(get(client, response.headers["Location"]))
    assert transfer.number in page and "主仓" in page and "门店" in page and "补货" in page
    again = post(client, "/transfers/new", from_warehouse_id=main.id, to_warehouse_id=store.id,
                 idempotency_key="t", **{"lines-0-product": "CASE-1", "lines-0-qty": "4"})
    assert again.headers["Location"] == response.headers["Location"] and count(StockTransfer) == 1
    assert "1 line" in html(get(client, "/transfers", **HX))


@pytest.mark.parametrize("same, qty, message", [
    (True, "1", "Choose two different warehouses."),
    (False, "99", "Not enough 苹果手机壳 in 主仓"),
])
def test_refused_transfer_is_422_and_writes_nothing(client, login, shop, same, qty, message):
    main, store, case = shop
    login("owner")
    moves = count(StockMove)
    response = post(client, "/transfers/new", from_warehouse_id=main.id, to_warehouse_id=main.id if same else store.id,
                    **{"lines-0-product": "CASE-1", "lines-0-qty": qty})
    assert response.status_code == 422 and message in html(response)
    assert (count(StockTransfer), count(StockMove)) == (0, moves)


def test_nav_badge_counts_low_stock_after_the_page(client, login):
    login("warehouse")
    warehouse = factories.warehouse("MAIN", "总仓")
    low = factories.product(name="快没货了", min_stock="5")
    factories.stock(low, warehouse, 2)
    factories.product(name="没设下限")
    page = client.get("/").get_data(as_text=True)
    assert 'hx-get="/stock/low-count"' in page  # the page itself never waits for the count
    badge = client.get("/stock/low-count", headers={"HX-Request": "true"})
    assert '<span class="nav-badge"' in badge.get_data(as_text=True) and ">1</span>" in badge.get_data(as_text=True)
    assert badge.headers["Cache-Control"] == "private, max-age=60"
