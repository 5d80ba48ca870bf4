"""The three opening imports (stock per warehouse, receivables, payables) and the product import's opening stock."""
import csv
import io
import re
from datetime import timedelta
from decimal import Decimal as D

import openpyxl
import pytest
from sqlalchemy import func, select

from app.checks import run_all
from app.db_types import business_today
from app.extensions import db
from app.inventory.models import StockLevel
from app.opening import services as opening
from app.opening.models import OpeningStock, OpeningStockLine
from app.purchasing.models import PurchaseInvoice
from app.sales.models import SalesInvoice
from app.trade import balances as owed
from tests import factories
from tests.factories import xlsx

EN = {"Accept-Language": "en"}




def csv_bytes(headers, rows, encoding) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def html(response) -> str:
    return response.get_data(as_text=True)


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def upload(client, kind, data, filename="file.xlsx"):
    form = {"csrf_token": client.csrf, "file": (io.BytesIO(data), filename)}
    return client.post(f"/imports/{kind}", data=form, content_type="multipart/form-data", headers=EN)


def imported(client, kind, data, filename="file.xlsx"):
    """Upload, check the preview is clean, confirm; the confirmation's page."""
    page = upload(client, kind, data, filename)
    assert page.status_code == 200, html(page)
    form = {"csrf_token": client.csrf, "upload": hidden(html(page), "upload"), "digest": hidden(html(page), "digest"),
            "idempotency_key": hidden(html(page), "idempotency_key"), "action": "confirm"}
    response = client.post(f"/imports/{kind}", data=form, headers=EN)
    assert response.status_code == 303, html(response)
    return html(client.get(f"/imports/{kind}", headers=EN))


@pytest.fixture
def world(app):
    main = factories.warehouse("MAIN", "总仓")
    shop = factories.warehouse("SHOP", "门店")
    case = factories.product(sku="CASE-1", name="手机壳")
    cable = factories.product(sku="CABLE-1", name="数据线")
    buyer = factories.customer("华联超市", payment_terms_days=30)
    maker = factories.supplier("深圳工厂")
    return main, shop, case, cable, buyer, maker


def on_hand(product, warehouse):
    level = db.session.get(StockLevel, (product.id, warehouse.id))
    return level.on_hand if level else D("0")


STOCK = ["仓库", "商品编码", "期初数量", "单位成本"]
ITEMS = ["客户", "单据号", "单据日期", "到期日", "未结金额", "备注"]
PAYABLES = ["供应商", "单据号", "单据日期", "到期日", "未结金额", "备注"]


# --- opening stock ----------------------------------------------------------------------------------------

def test_opening_stock_import_posts_per_warehouse_and_reimport_updates(client, login, world):
    main, shop, case, cable, *_ = world
    login("owner")
    page = imported(client, "opening_stock", xlsx(STOCK, [["总仓", "CASE-1", 40, 9.5], ["SHOP", "case-1", 5, "9.5"],
                                                          ["总仓", "CABLE-1", 100, "2.25"]]))
    assert "3 new, 0 updated" in page and "OPN-" in page
    assert (on_hand(case, main), on_hand(case, shop), on_hand(cable, main)) == (40, 5, 100)
    assert db.session.scalar(select(func.count(OpeningStock.id))) == 2
    db.session.refresh(case)
    assert case.avg_cost == D("9.5000")
    assert run_all() == []

    page = imported(client, "opening_stock", xlsx(STOCK, [["总仓", "CASE-1", 30, 11], ["总仓", "CABLE-1", 0, 0]]))
    assert "0 new, 2 updated" in page
    db.session.expire_all()
    assert (on_hand(case, main), on_hand(cable, main)) == (30, 0)
    assert db.session.scalar(select(func.count(OpeningStockLine.id))) == 2  # CASE-1 in both warehouses
    assert run_all() == []


def test_opening_stock_import_names_every_bad_row(client, login, world):
    login("owner")
    response = upload(client, "opening_stock", xlsx(STOCK, [
        ["北京仓", "CASE-1", 1, 1],          # unknown warehouse
        ["总仓", "NOPE", 1, 1],              # unknown SKU
        ["总仓", "CASE-1", -1, 1],           # negative quantity
        ["总仓", "CABLE-1", 2, "abc"],       # not a number
        ["总仓", "CABLE-1", 2, 1],           # CABLE-1 again in the same warehouse
        ["总仓", "CABLE-1", 3, 1],           # and again
        ["门店", "CASE-1", 0, 1],            # 0 for a line that does not exist
        ["总仓", "CASE-1", 1, ""],           # unit cost missing
    ]))
    page = html(response)
    assert response.status_code == 422
    for row, words in ((2, "not one of the choices"), (3, "no product with SKU NOPE"), (4, "Cannot be negative"),
                       (5, "is not a number"), (6, "also appears in row 5"), (7, "also appears in row 5"), (8, "Expected a quantity above 0"),
                       (9, "This is required")):
        assert re.search(rf"Row {row}\b.*?{re.escape(words)}", page, re.S), (row, words)
    assert db.session.scalar(select(func.count(OpeningStock.id))) == 0


def test_opening_stock_import_reads_gbk_csv(client, login, world):
    main, _shop, case, *_ = world
    login("owner")
    data = csv_bytes(STOCK, [["总仓", "CASE-1", "12", "3.5"]], "gbk")
    imported(client, "opening_stock", data, "期初库存.csv")
    assert on_hand(case, main) == 12


def test_the_template_has_a_warehouse_dropdown(client, login, world):
    login("owner")
    response = client.get("/imports/opening_stock/template")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:4] == STOCK or [c.value for c in sheet[1]][:4] == [
        "warehouse", "sku", "qty", "unit_cost"]
    assert sheet.data_validations.dataValidation  # a dropdown of the warehouses
    assert "总仓" in [c.value for c in book["lists"]["A"]] + [c.value for c in book["lists"]["B"]]
    assert client.get("/imports/opening_receivables/template").status_code == 200


# --- open items -----------------------------------------------------------------------------------------------

def test_opening_receivables_import_then_reimport_updates_by_customer_and_number(client, login, world):
    *_, buyer, _maker = world
    login("owner")
    old = (business_today() - timedelta(days=70)).isoformat()
    page = imported(client, "opening_receivables", xlsx(ITEMS, [
        ["华联超市", "INV-0091", old, (business_today() - timedelta(days=40)).isoformat(), "1200", "旧账"],
        ["华联超市", "INV-0102", business_today().isoformat(), "", "300.50", ""]]))
    assert "2 new, 0 updated" in page
    assert owed.customer_balance(buyer) == D("1500.50")
    fresh = db.session.scalar(select(SalesInvoice).where(SalesInvoice.reference == "INV-0102"))
    assert fresh.due_on == business_today() + timedelta(days=30) and fresh.opening
    aging = __import__("app.reports.money", fromlist=["money"]).receivables_aging(business_today())
    assert aging.rows[0].amounts["d31_60"] == D("1200.00")
    assert run_all() == []

    page = imported(client, "opening_receivables", xlsx(ITEMS, [["华联超市", "inv-0091", old, "", "1000", ""]]))
    assert "0 new, 1 updated" in page
    db.session.expire_all()
    assert owed.customer_balance(buyer) == D("1300.50")
    item = db.session.scalar(select(SalesInvoice).where(SalesInvoice.reference == "INV-0091"))
    assert item.notes == "旧账" and item.due_on == business_today() - timedelta(days=40)  # empty cells leave them alone
    assert db.session.scalar(select(func.count(SalesInvoice.id))) == 2
    assert run_all() == []


def test_opening_receivables_import_names_every_bad_row(client, login, world):
    login("owner")
    response = upload(client, "opening_receivables", xlsx(ITEMS, [
        ["不存在的客户", "A-1", business_today().isoformat(), "", "10", ""],
        ["华联超市", "", business_today().isoformat(), "", "10", ""],
        ["华联超市", "A-3", "2026-13-45", "", "10", ""],
        ["华联超市", "A-4", (business_today() + timedelta(days=3)).isoformat(), "", "10", ""],
        ["华联超市", "A-5", business_today().isoformat(), (business_today() - timedelta(days=1)).isoformat(), "10", ""],
        ["华联超市", "A-6", business_today().isoformat(), "", "0", ""],
        ["华联超市", "A-7", business_today().isoformat(), "", "1e400", ""],
        ["华联超市", "A-8", business_today().isoformat(), "", "5", ""],
        ["华联超市", "a-8", business_today().isoformat(), "", "5", ""],
    ]))
    page = html(response)
    assert response.status_code == 422
    for row, words in ((2, "not one of the choices"), (3, "This is required"), (4, "is not a date"),
                       (5, "in the future"), (6, "before the document date"), (7, "above 0"), (8, "not a number"),
                       (10, "also appears in row 9")):
        assert re.search(rf"Row {row}\b.*?{re.escape(words)}", page, re.S), (row, words)
    assert db.session.scalar(select(func.count(SalesInvoice.id))) == 0


def test_opening_payables_import_reads_gbk_csv(client, login, world):
    *_, maker = world
    login("finance")
    data = csv_bytes(PAYABLES, [["深圳工厂", "FP-778", business_today().isoformat(), business_today().isoformat(), "2000", "货款"]], "gb18030")
    page = imported(client, "opening_payables", data, "期初应付.csv")
    assert "1 new" in page
    assert owed.supplier_balances([maker.id])[maker.id] == D("2000.00")
    item = db.session.scalar(select(PurchaseInvoice))
    assert (item.supplier_reference, item.opening, item.notes) == ("FP-778", True, "货款")
    assert run_all() == []


# --- the lock and the product import --------------------------------------------------------------------------

@pytest.mark.parametrize("kind, headers, row", [
    ("opening_stock", STOCK, ["总仓", "CASE-1", 1, 1]),
    ("opening_receivables", ITEMS, ["华联超市", "X-1", "today", "", "5", ""]),
    ("opening_payables", PAYABLES, ["深圳工厂", "X-1", "today", "", "5", ""]),
])
def test_every_opening_import_is_refused_after_a_real_document(client, login, world, kind, headers, row):
    main, _shop, case, _cable, buyer, _maker = world
    owner = login("owner")
    order = factories.order(buyer, [(case, 1)], actor=owner, warehouse=main)
    row = [business_today().isoformat() if cell == "today" else cell for cell in row]
    response = upload(client, kind, xlsx(headers, [row]))
    assert response.status_code == 422 and "locked" in html(response) and order.number in html(response)
    assert not opening.opening_entered().anything


def test_only_owner_and_finance_import_opening_figures(client, login, world):
    login("sales")
    assert client.get("/imports/opening_stock").status_code == 403
    assert client.get("/imports/opening_receivables/template").status_code == 403


def test_the_product_import_puts_its_opening_stock_in_the_opening_document(client, login, world):
    main, *_ = world
    login("owner")
    headers = ["编码", "名称", "期初数量", "期初成本"]
    page = upload(client, "products", xlsx(headers, [["NEW-1", "新商品", 7, 2.5]]))
    form = {"csrf_token": client.csrf, "upload": hidden(html(page), "upload"), "digest": hidden(html(page), "digest"),
            "idempotency_key": hidden(html(page), "idempotency_key"), "action": "confirm", "warehouse_id": main.id}
    assert client.post("/imports/products", data=form, headers=EN).status_code == 303
    document = db.session.scalar(select(OpeningStock).where(OpeningStock.warehouse_id == main.id))
    assert [(line.product.sku, line.qty, line.unit_cost) for line in document.lines] == [("NEW-1", 7, D("2.5"))]
    assert run_all() == []


def test_the_product_import_refuses_opening_stock_after_a_real_document(client, login, world):
    main, _shop, case, _cable, buyer, _maker = world
    owner = login("owner")
    order = factories.order(buyer, [(case, 1)], actor=owner, warehouse=main)
    page = upload(client, "products", xlsx(["编码", "名称", "期初数量", "期初成本"], [["NEW-1", "新商品", 7, 2.5]]))
    form = {"csrf_token": client.csrf, "upload": hidden(html(page), "upload"), "digest": hidden(html(page), "digest"),
            "idempotency_key": hidden(html(page), "idempotency_key"), "action": "confirm", "warehouse_id": main.id}
    response = client.post("/imports/products", data=form, headers=EN)
    assert response.status_code == 422 and order.number in html(response)
    assert db.session.scalar(select(func.count(OpeningStock.id))) == 0
    assert run_all() == []


def test_open_items_find_partners_by_code_and_the_template_lists_the_codes(client, login, world):
    *_, buyer, maker = world
    login("owner")
    assert buyer.code and maker.code
    imported(client, "opening_receivables", xlsx(ITEMS, [[buyer.code, "INV-9", business_today().isoformat(), "",
                                                          "88", ""]]))
    imported(client, "opening_payables", xlsx(PAYABLES, [[maker.code.lower(), "FP-9", business_today().isoformat(),
                                                          "", "77", ""]]))
    assert owed.customer_balance(buyer) == D("88.00") and owed.supplier_balances([maker.id])[maker.id] == D("77.00")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/imports/opening_receivables/template").data))
    listed = [cell.value for column in book["lists"].iter_cols() for cell in column]
    assert f"{buyer.code} 华联超市" in listed
    imported(client, "opening_receivables", xlsx(ITEMS, [[f"{buyer.code} 华联超市", "INV-10",
                                                          business_today().isoformat(), "", "2", ""]]))
    assert owed.customer_balance(buyer) == D("90.00")
