"""The import framework through its screens: customers and suppliers (products: test_catalog_files.py), templates,
error reports, encodings, re-import by code, limits and hostile files; nothing written before a clean confirm."""
import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from app import checks
from app.audit.models import AuditEntry
from app.imports import framework, reading
from app.partners.models import Customer, PriceLevel, Supplier
from app.extensions import db
from tests import factories
from tests.factories import xlsx
from tests.test_catalog_import_limits import BILLION_LAUGHS, handmade_xlsx, row as xml_row

EN = {"Accept-Language": "en"}
CUSTOMER_HEADERS = ["编码", "名称", "联系人", "手机", "邮箱", "信用额度", "账期天数", "价格等级", "折扣%", "业务员", "启用"]
SUPPLIER_HEADERS = ["编码", "名称", "联系人", "电话", "账期天数", "交货天数", "备注"]


def html(response) -> str:
    return response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))



def csv_bytes(rows, headers, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client, kind, data: bytes, filename="data.xlsx", headers=EN, **fields):
    form = {"csrf_token": client.csrf, "file": (io.BytesIO(data), filename), **fields}
    return client.post(f"/imports/{kind}", data=form, content_type="multipart/form-data", headers=headers)


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def confirm(client, kind, page: str, **fields):
    form = {"csrf_token": client.csrf, "upload": hidden(page, "upload"), "digest": hidden(page, "digest"),
            "idempotency_key": hidden(page, "idempotency_key"), "action": "confirm", **fields}
    return client.post(f"/imports/{kind}", data=form, headers=EN)


def imports_audited(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def good_customers():
    return [
        ["", "广州天河数码城李记", "李先生", "13800138000", "li@example.com", "50000", "45", "批发价", "", "小王", "是"],
        ["C9001", "深圳华强北张记", "", "13900139000", "", "", "", "固定折扣", "5", "", ""],
    ]


# --- the list of kinds and who sees what -------------------------------------------------------------------------

@pytest.mark.parametrize("role,kinds", [
    ("owner", ["products", "customers", "suppliers"]),
    ("purchasing", ["products", "suppliers"]),
    ("sales", []), ("warehouse", []), ("finance", []),
])
def test_index_lists_the_kinds_the_role_may_import(client, login, role, kinds):
    login(role)
    page = html(client.get("/imports", headers=EN))
    shown = re.findall(r'href="/imports/([a-z_]+)/template"', page)
    assert [k for k in shown if k in ("products", "customers", "suppliers")] == kinds
    if not shown:
        assert "Your role has nothing to import" in page and 'href="/"' in page


@pytest.mark.parametrize("role,kind", [("sales", "customers"), ("purchasing", "customers"), ("warehouse", "suppliers"),
                                       ("finance", "products")])
def test_a_kind_the_role_may_not_import_is_403(client, login, role, kind):
    login(role)
    assert client.get(f"/imports/{kind}").status_code == 403
    assert client.get(f"/imports/{kind}/template").status_code == 403
    assert upload(client, kind, xlsx(CUSTOMER_HEADERS, good_customers())).status_code == 403


def test_an_unknown_kind_is_404(client, login):
    login("owner")
    assert client.get("/imports/nothing").status_code == 404


# --- customers ---------------------------------------------------------------------------------------------------

def test_customers_preview_writes_nothing_and_confirm_writes_every_row_with_one_audit_entry(client, login):
    owner = login("owner")
    seller = factories.user("sales", display_name="小王")
    before = count(AuditEntry)
    response = upload(client, "customers", xlsx(CUSTOMER_HEADERS, good_customers()))
    page = html(response)
    assert response.status_code == 200, page
    assert "2 rows are ready to import: 2 new, 0 updated." in page
    assert count(Customer) == 0 and count(AuditEntry) == before

    done = confirm(client, "customers", page)
    assert done.status_code == 303 and done.headers["Location"] == "/imports/customers"
    assert "Imported 2 rows: 2 new, 0 updated." in html(client.get("/imports/customers", headers=EN))
    li = db.session.scalar(select(Customer).where(Customer.name == "广州天河数码城李记"))
    assert li.code == "C0001"  # given, as the code was left empty
    assert (li.contact, li.mobile, li.email, li.credit_limit, li.payment_terms_days, li.price_level,
            li.salesperson_id, li.active) == ("李先生", "13800138000", "li@example.com", 50000, 45,
                                              PriceLevel.WHOLESALE, seller.id, True)
    zhang = db.session.scalar(select(Customer).where(Customer.code == "C9001"))
    assert zhang.price_level == PriceLevel.DISCOUNT and zhang.discount_pct == 5 and zhang.salesperson_id is None
    [entry] = imports_audited("import.customers")
    assert entry.user_id == owner.id and entry.object_label == "data.xlsx"
    assert entry.changes["created"] == [None, 2] and entry.changes["updated"] == [None, 0]
    assert checks.run_all() == []


BAD_CUSTOMER_ROWS = [
    (["", "", "李先生", "", "", "", "", "", "", "", ""], "Row 2 · 名称: This is required."),
    (["", "甲", "", "", "", "abc", "", "", "", "", ""], "Row 2 · 信用额度: “abc” is not a number. Expected a number"),
    (["", "甲", "", "", "", "-5", "", "", "", "", ""], "Row 2 · 信用额度: Cannot be negative."),
    (["", "甲", "", "", "", "10000000000", "", "", "", "", ""], "Row 2 · 信用额度: “10000000000” is too large."),
    (["", "甲", "", "", "", "1.234", "", "", "", "", ""], "Row 2 · 信用额度: At most 2 decimal places."),
    (["", "甲", "", "", "", "", "400", "", "", "", ""],
     "Row 2 · 账期天数: “400” is not allowed. Expected a whole number from 0 to 365."),
    (["", "甲", "", "", "", "", "", "VIP", "", "", ""], "Row 2 · 价格等级: “VIP” is not one of the choices. Expected one of:"),
    (["", "甲", "", "", "", "", "", "", "", "nobody", ""], "Row 2 · 业务员: “nobody” is not one of the choices."),
    (["", "甲", "", "", "li@", "", "", "", "", "", ""], "Row 2 · 邮箱: “li@” is not an email address."),
    (["", "甲", "", "", "", "", "", "", "", "", "maybe"], "Row 2 · 启用: “maybe” is not yes or no."),
    (["C 1", "甲", "", "", "", "", "", "", "", "", ""], "Row 2 · 编码: “C 1” contains a space."),
    (["", "甲" * 201, "", "", "", "", "", "", "", "", ""],
     "Row 2 · 名称: 201 characters is too long. Expected at most 200 characters."),
    (["", "甲\x1b", "", "", "", "", "", "", "", "", ""], "Row 2 · 名称: Contains a character that cannot be saved"),
]


@pytest.mark.parametrize("bad,message", BAD_CUSTOMER_ROWS)
def test_each_kind_of_bad_customer_row_is_named_and_nothing_is_written(client, login, bad, message):
    login("owner")
    factories.user("sales", display_name="小王")
    rows = [good_customers()[1], bad]
    response = upload(client, "customers", csv_bytes([rows[1]], CUSTOMER_HEADERS), "customers.csv")
    assert response.status_code == 422
    page = html(response)
    assert message in page, page[page.find("import-problems"):][:800]
    assert "Nothing has been saved" in page and 'value="confirm"' not in page
    assert count(Customer) == 0


def test_codes_and_names_repeated_in_the_file_or_taken_by_another_customer(client, login):
    login("owner")
    taken = factories.customer(name="已有客户")
    rows = [["C1", "甲"], ["c1", "乙"], ["", "丙"], ["", "丙"], ["C2", "已有客户"]]
    page = html(upload(client, "customers", xlsx(["编码", "名称"], rows)))
    assert "Row 3 · 编码: c1 also appears in row 2. Expected each code once per file." in page
    assert "Row 5 · 名称: 丙 also appears in row 4. Expected each name once per file." in page
    assert f"Row 6 · 名称: 已有客户 is already the name of {taken.code}." in page
    assert count(Customer) == 1


def test_reimport_updates_by_code_or_by_name_instead_of_adding(client, login):
    login("owner")
    factories.user("sales", display_name="小王")
    page = html(upload(client, "customers", xlsx(CUSTOMER_HEADERS, good_customers())))
    assert confirm(client, "customers", page).status_code == 303
    li = db.session.scalar(select(Customer).where(Customer.name == "广州天河数码城李记"))
    # the same file again (the first row still without a code: found by its name), with new phone numbers
    rows = good_customers()
    rows[0][3], rows[1][3] = "13700000001", "13700000002"
    rows[1][1] = "深圳华强北张记（新店）"  # renamed: found by its code
    page = html(upload(client, "customers", xlsx(CUSTOMER_HEADERS, rows)))
    assert "2 rows are ready to import: 0 new, 2 updated." in page
    assert confirm(client, "customers", page).status_code == 303
    assert count(Customer) == 2
    db.session.expire_all()
    assert li.mobile == "13700000001" and li.code == "C0001" and li.credit_limit == 50000  # blank cells kept
    zhang = db.session.scalar(select(Customer).where(Customer.code == "C9001"))
    assert (zhang.name, zhang.mobile) == ("深圳华强北张记（新店）", "13700000002")
    assert len(imports_audited("import.customers")) == 2


def test_a_customer_added_between_preview_and_confirm_asks_for_a_new_look(client, login):
    login("owner")
    page = html(upload(client, "customers", xlsx(["编码", "名称"], [["", "新客户"]])))
    factories.customer(name="新客户")  # someone else, meanwhile: the row would now update it
    response = confirm(client, "customers", page)
    assert response.status_code == 422
    assert "Records were added or changed since the preview" in html(response)
    assert count(Customer) == 1
    again = html(response)
    assert "1 row is ready" not in again
    fresh = html(upload(client, "customers", xlsx(["编码", "名称"], [["", "新客户"]])))
    assert "1 row is ready to import: 0 new, 1 updated." in fresh


def test_gbk_csv_as_excel_in_china_saves_it(client, login):
    login("owner")
    data = csv_bytes([["", "广州天河数码城李记", "李先生", "13800138000", "", "", "30", "零售价", "", "", "是"]],
                     CUSTOMER_HEADERS, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    page = html(upload(client, "customers", data, "客户.csv"))
    assert "1 row is ready to import" in page, page
    assert confirm(client, "customers", page).status_code == 303
    assert db.session.scalar(select(Customer.contact)) == "李先生"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_suppliers_csv_in_utf8_with_or_without_bom_and_gb18030(client, login, encoding):
    login("purchasing")
    data = csv_bytes([["", "深圳配件厂", "陈小姐", "0755-1234", "60", "10", "周一不送货"]], SUPPLIER_HEADERS, encoding)
    assert data.startswith(b"\xef\xbb\xbf") is (encoding == "utf-8-sig")
    page = html(upload(client, "suppliers", data, "suppliers.csv"))
    assert "1 row is ready to import: 1 new, 0 updated." in page, page
    assert confirm(client, "suppliers", page).status_code == 303
    supplier = db.session.scalar(select(Supplier))
    assert (supplier.code, supplier.name, supplier.contact, supplier.payment_terms_days, supplier.lead_time_days,
            supplier.notes) == ("S0001", "深圳配件厂", "陈小姐", 60, 10, "周一不送货")
    [entry] = imports_audited("import.suppliers")
    assert entry.changes["created"] == [None, 1]


def test_suppliers_bad_rows_and_reimport_by_code(client, login):
    login("owner")
    supplier = factories.supplier(name="东莞包装厂")
    bad = [[supplier.code, "东莞包装厂", "", "", "-1", "abc", ""], ["", "", "", "", "", "", "无名"]]
    page = html(upload(client, "suppliers", xlsx(SUPPLIER_HEADERS, bad)))
    assert "Row 2 · 账期天数: “-1” is not allowed. Expected a whole number from 0 to 365." in page
    assert "Row 2 · 交货天数: “abc” is not allowed." in page
    assert "Row 3 · 名称: This is required." in page
    good = [[supplier.code.lower(), "东莞包装厂（新）", "", "", "15", "3", ""]]
    page = html(upload(client, "suppliers", xlsx(SUPPLIER_HEADERS, good)))
    assert "1 row is ready to import: 0 new, 1 updated." in page
    assert confirm(client, "suppliers", page).status_code == 303
    db.session.expire_all()
    assert (supplier.name, supplier.payment_terms_days, supplier.lead_time_days) == ("东莞包装厂（新）", 15, 3)
    assert count(Supplier) == 1


# --- bounds and hostile files ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["customers", "suppliers"])
def test_more_rows_than_the_limit_is_refused_and_nothing_written(client, login, kind):
    login("owner")
    rows = [["", f"名{i}"] for i in range(reading.MAX_ROWS + 1)]
    response = upload(client, kind, csv_bytes(rows, ["编码", "名称"]), "many.csv")
    assert response.status_code == 422
    assert f"At most {reading.MAX_ROWS} rows per file" in html(response)
    assert count(Customer) == 0 and count(Supplier) == 0


@pytest.mark.parametrize("kind", ["customers", "suppliers"])
@pytest.mark.parametrize("filename,data,message", [
    ("c.xlsx", handmade_xlsx(xml_row(1, "code", "name") + xml_row(2, "C1", "&i;"), prolog=BILLION_LAUGHS),
     "document type declaration"),
    ("c.xlsx", handmade_xlsx('<row r="1">' + "<c/>" * 200_000 + "</row>"), "more than 120,000 cells"),
    ("c.csv", ("code,name\n" + "," * 200_000).encode(), "more than 120,000 cells"),
    ("c.csv", ("code,name\nC1," + "x" * 200_000 + "\n").encode(), "Row 2 could not be read"),
    ("c.xlsx", b"PK\x03\x04 not really a zip", "not an Excel workbook"),
    ("c.xls", b"\xd0\xcf\x11\xe0", "Save older .xls files as .xlsx"),
    ("c.csv", b"code,name\n" + b"x" * reading.MAX_BYTES, "larger than 2 MB"),
])
def test_hostile_files_are_refused_plainly(client, login, kind, filename, data, message):
    login("owner")
    response = upload(client, kind, data, filename)
    assert response.status_code == 422
    assert message in html(response)
    assert "hahaha" not in html(response)
    assert count(Customer) == 0 and count(Supplier) == 0


def test_a_missing_required_column_is_named_in_both_languages(client, login):
    login("owner")
    response = upload(client, "customers", csv_bytes([["x"]], ["联系人"]), "c.csv")
    assert "the column “name” (or “名称”) is missing" in html(response)


# --- the error report --------------------------------------------------------------------------------------------

def test_error_report_puts_each_rows_problems_beside_it(client, login):
    login("owner")
    rows = [["", "好客户", "", "", "", "100", "", "", "", "", ""],
            ["", "坏客户", "", "", "", "abc", "999", "", "", "", ""]]
    page = html(upload(client, "customers", xlsx(CUSTOMER_HEADERS, rows)))
    assert 'action="/imports/customers/report"' in page
    response = client.post("/imports/customers/report", data={"csrf_token": client.csrf,
                                                               "upload": hidden(page, "upload")}, headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="data-problems.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == CUSTOMER_HEADERS + ["Problems"]
    assert [c.value for c in sheet[2]][:2] == [None, "好客户"] and sheet.cell(2, len(header)).value is None
    assert [c.value for c in sheet[3]][1] == "坏客户"
    problems = sheet.cell(3, len(header)).value
    assert "信用额度: “abc” is not a number." in problems and "账期天数: “999” is not allowed." in problems
    assert sheet.cell(3, CUSTOMER_HEADERS.index("信用额度") + 1).fill.fgColor.rgb.endswith("FFC7CE")
    listed = workbook["All problems"]
    assert [c.value for c in listed[2]][:2] == [3, "信用额度"]
    assert count(Customer) == 0


def test_error_report_needs_a_signed_file(client, login):
    login("owner")
    response = client.post("/imports/customers/report", data={"csrf_token": client.csrf, "upload": "forged"})
    assert response.status_code == 400


def test_error_report_text_stays_text(client, login):
    login("owner")
    rows = [["", '=HYPERLINK("http://evil.example","x")', "", "", "", "abc", "", "", "", "", ""]]
    page = html(upload(client, "customers", csv_bytes(rows, CUSTOMER_HEADERS), "c.csv"))
    response = client.post("/imports/customers/report", data={"csrf_token": client.csrf,
                                                               "upload": hidden(page, "upload")})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet.cell(2, 2).value == rows[0][1]
    assert sheet.cell(2, 2).data_type == "s" and sheet.cell(2, 2).quotePrefix


# --- templates ---------------------------------------------------------------------------------------------------

def _validations(sheet) -> dict[str, str]:
    """Each dropdown's first cell -> the list it offers."""
    return {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}


def _list(workbook, formula: str) -> list:
    sheet_name, cells = formula.lstrip("=").split("!")
    first, last = cells.replace("$", "").split(":")
    return [c.value for row in workbook[sheet_name.strip("'")][f"{first}:{last}"] for c in row]


def test_customer_template_has_chinese_headers_dropdowns_required_marks_and_notes(client, login):
    login("owner")
    factories.user("sales", display_name="小王")
    factories.user("sales", username="xiaoli")
    response = client.get("/imports/customers/template")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["编码", "名称", "联系人"] and "业务员" in headers and "价格等级" in headers
    name = sheet.cell(1, 2)
    assert name.font.b and name.font.color.rgb.endswith("C00000") and name.comment is not None  # required
    assert not sheet.cell(1, 3).font.color or not sheet.cell(1, 3).font.color.rgb.endswith("C00000")
    assert sheet.cell(2, 2).value == "广州天河数码城李记"  # the example row
    dropdowns = _validations(sheet)
    letter = lambda header: openpyxl.utils.get_column_letter(headers.index(header) + 1)  # noqa: E731
    assert _list(workbook, dropdowns[f"{letter('价格等级')}2"]) == ["零售价", "批发价", "固定折扣"]
    assert sorted(_list(workbook, dropdowns[f"{letter('业务员')}2"])) == sorted(["小王", "xiaoli"] + [
        u for u in _list(workbook, dropdowns[f"{letter('业务员')}2"]) if u not in ("小王", "xiaoli")])
    assert "小王" in _list(workbook, dropdowns[f"{letter('业务员')}2"])
    assert workbook["lists"].sheet_state == "hidden"
    notes = workbook.worksheets[-1]
    text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert notes.title == "填写说明" and all(header in text for header in headers)
    assert "必填" in text


def test_the_template_imports_once_its_example_is_replaced(client, login):
    login("owner")
    response = client.get("/imports/suppliers/template", headers=EN)
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["code", "name"]  # English headers for an English user
    untouched = io.BytesIO()
    workbook.save(untouched)
    page = html(upload(client, "suppliers", untouched.getvalue()))
    assert "Row 2 is the template's example and was left out." in page
    assert "no rows below it" in page
    sheet.append(["", "我的供应商"])
    filled = io.BytesIO()
    workbook.save(filled)
    page = html(upload(client, "suppliers", filled.getvalue()))
    assert "1 row is ready to import: 1 new, 0 updated." in page


def test_product_template_offers_units_categories_and_marks_codes_as_text(client, login):
    from app.catalog import services as catalog
    login("purchasing")
    phones = catalog.create_category(None, "手机配件")
    catalog.create_category(None, "保护壳", phones.id)
    db.session.commit()
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/imports/products/template").data))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    dropdowns = _validations(sheet)
    category = openpyxl.utils.get_column_letter(headers.index("分类") + 1)
    unit = openpyxl.utils.get_column_letter(headers.index("单位") + 1)
    assert "手机配件/保护壳" in _list(workbook, dropdowns[f"{category}2"])
    assert "个" in _list(workbook, dropdowns[f"{unit}2"]) and "箱" in _list(workbook, dropdowns[f"{unit}2"])


def test_every_kind_has_a_template_that_opens(client, login):
    login("owner")
    for kind in framework.kinds_for(factories.user("owner")):
        response = client.get(f"/imports/{kind.name}/template")
        assert response.status_code == 200, kind.name
        workbook = openpyxl.load_workbook(io.BytesIO(response.data))
        assert len(workbook.worksheets) == 3


# --- products: re-import by SKU ----------------------------------------------------------------------------------

def test_products_reimport_updates_by_sku_and_keeps_what_the_file_leaves_empty(client, login):
    from app.catalog.models import Product
    from app.inventory.models import StockMove
    from tests.test_catalog_files import GOOD_ROWS, HEADERS
    login("owner")
    warehouse = factories.warehouse()
    fields = {"warehouse_id": warehouse.id, "create_categories": "y"}
    page = html(upload(client, "products", xlsx(HEADERS, GOOD_ROWS), **fields))
    assert confirm(client, "products", page, **fields).status_code == 303
    again = [row[:] for row in GOOD_ROWS]
    for row in again:
        row[11] = row[12] = ""  # no opening stock the second time
    again[0][7], again[0][2] = "29.90", ""  # a new price; the spec cell left empty keeps the spec
    page = html(upload(client, "products", xlsx(HEADERS, again), **fields))
    assert "3 rows are ready to import: 0 new, 3 updated." in page, page
    assert confirm(client, "products", page, **fields).status_code == 303
    case = db.session.scalar(select(Product).where(Product.sku == "CASE-1"))
    assert (str(case.sale_price), case.spec, case.barcode) == ("29.90", "红色", GOOD_ROWS[0][6])
    assert count(Product) == 3 and count(StockMove) == 2  # the opening stock was posted once
    assert [e.changes["updated"] for e in imports_audited("import.products")] == [[None, 0], [None, 3]]
    assert checks.run_all() == []


# --- the parsers other kinds build on ----------------------------------------------------------------------------

def test_parsers_say_what_is_wrong_and_what_is_expected(app):
    from datetime import date
    from decimal import Decimal

    from app.imports import choices
    from app.limits import COST
    factories.warehouse(code="MAIN", name="主仓")
    with app.test_request_context(headers=EN):
        warehouse = framework.choice(choices.warehouses)
        assert warehouse("主仓").code == "MAIN" and warehouse(" main ").name == "主仓"
        with pytest.raises(ValueError, match="“北仓” is not one of the choices. Expected one of: 主仓、MAIN."):
            warehouse("北仓")
        day = framework.day()
        assert day("2026/1/31") == day("2026-01-31 00:00:00") == date(2026, 1, 31)
        with pytest.raises(ValueError, match="“2026-02-30” is not a date. Expected a date such as 2026-01-31."):
            day("2026-02-30")
        assert framework.yes_no()("否") is False and framework.yes_no()("Yes") is True
        assert framework.number(COST)("¥1,234.5678") == Decimal("1234.5678")
        with pytest.raises(ValueError, match="At most 4 decimal places"):
            framework.number(COST)("1.23456")
        assert framework.code(8)("ＡＢ－１") == "AB-1"  # full-width typed on a Chinese keyboard
