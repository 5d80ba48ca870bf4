"""Hostile or broken import files: a clear message, nothing written, never a 500, and bounded work."""
import io
import zipfile

import pytest
from openpyxl.worksheet._reader import WorkSheetParser

from app.imports import reading, workload
from app.catalog.models import Product
from app.errors import BusinessRuleError
from tests.factories import xlsx
from tests.test_catalog_files import GOOD_ROWS, HEADERS, count, csv_bytes, html, upload

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def handmade_xlsx(sheet_data: str, prolog: str = "") -> bytes:
    """A minimal .xlsx around `sheet_data` (the rows' XML), written directly, so a huge sheet is quick to make."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">'
            f'<sheetData>{sheet_data}</sheetData></worksheet>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def row(number: int, *texts: str) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{text}</t></is></c>' for text in texts)
    return f'<row r="{number}">{cells}</row>'


def test_the_handmade_workbook_is_a_readable_one(app):
    headers, rows = reading.read_table("p.xlsx", handmade_xlsx(row(1, "sku", "name") + row(2, "A-1", "苹果")))
    assert headers[:2] == ["sku", "name"] and [(n, cells[:2]) for n, cells in rows] == [(2, ["A-1", "苹果"])]


def test_one_row_of_three_million_cells_is_refused_after_a_bounded_count(app, monkeypatch):
    data = handmade_xlsx('<row r="1">' + "<c/>" * 3_000_000 + "</row>")
    assert len(data) < 200_000  # small on the wire, as in the field (93 KB)
    parsed_rows = []
    monkeypatch.setattr(WorkSheetParser, "parse_row", lambda self, element: parsed_rows.append(1))
    with pytest.raises(workload.TooMuchWork) as refused:
        reading.read_table("wide.xlsx", data)
    assert "120,000" in str(refused.value.message)
    assert refused.value.counted["cells"] == workload.MAX_CELLS + 1  # the scan stopped there
    assert parsed_rows == []  # openpyxl never started on the row


def test_the_wide_row_is_refused_on_the_import_screen_in_chinese(client, login):
    login("owner")
    response = client.post("/imports/products", data={
        "csrf_token": client.csrf, "file": (io.BytesIO(handmade_xlsx('<row r="1">' + "<c/>" * 300_000 + "</row>")),
                                            "wide.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "单元格超过 120,000 个" in html(response)
    assert count(Product) == 0


def test_many_cells_over_many_rows_count_too(app):
    rows = "".join(f'<row r="{n}">' + "<c/>" * 100 + "</row>" for n in range(1, 1300))
    with pytest.raises(workload.TooMuchWork):
        reading.read_table("tall.xlsx", handmade_xlsx(rows))


BILLION_LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY a "hahahahahahahahahaha">'
                  + "".join(f'<!ENTITY {b} "{("&" + a + ";") * 10}">' for a, b in zip("abcdefgh", "bcdefghi"))
                  + "]>")


@pytest.mark.parametrize("prolog, cell", [
    (BILLION_LAUGHS, "&i;"),
    ('<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
    ("<!DOCTYPE worksheet>", "plain"),
])
def test_a_workbook_with_a_doctype_is_refused(client, login, prolog, cell):
    login("owner")
    data = handmade_xlsx(row(1, "sku", "name") + row(2, "A-1", cell), prolog=prolog)
    response = upload(client, data)
    assert response.status_code == 422
    assert "document type declaration" in html(response)
    assert "root:" not in html(response) and "hahaha" not in html(response)
    assert count(Product) == 0


def test_openpyxl_itself_parses_through_defusedxml():
    """The second line of defence (pyproject: defusedxml), should a part ever bypass the scan."""
    import openpyxl
    from openpyxl.xml import functions
    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse.__module__.startswith("defusedxml")


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],  # cut short
    lambda data: handmade_xlsx(row(1, "sku", "name") + "<row><c>"),  # XML cut short
    lambda data: handmade_xlsx(row(1, "sku", "name") + row(2, "A&#xD800;", "x")),  # a lone surrogate
])
def test_damaged_workbooks_answer_a_plain_message(client, login, damage):
    login("owner")
    response = upload(client, damage(xlsx(HEADERS, GOOD_ROWS)))
    assert response.status_code == 422
    assert "not an Excel workbook" in html(response)


def test_a_csv_field_past_the_csv_limit_is_a_plain_message(client, login):
    login("owner")
    data = csv_bytes([["LONG-1", "x" * 200_000] + [""] * 11])
    response = upload(client, data, filename="products.csv")
    assert response.status_code == 422
    assert "Row 2 could not be read" in html(response)
    assert count(Product) == 0


def test_a_csv_with_a_huge_number_of_cells_is_refused(app):
    data = ("sku,name\n" + "," * 1_500_000).encode()
    with pytest.raises(BusinessRuleError, match="120,000"):
        reading.read_table("wide.csv", data)


@pytest.mark.parametrize("filename, data", [
    ("products.csv", csv_bytes([["NUL\x00SKU", "有空字符", "", "", "", "", "", "1", "1", "", "", "", ""]])),
    ("products.csv", csv_bytes([["ESC-1", "控制\x1b字符", "", "", "", "", "", "1", "1", "", "", "", ""]])),
    # XML cannot carry NUL or a lone surrogate at all: such a workbook is unreadable (see the damaged ones).
])
def test_nul_and_control_characters_in_a_cell_are_refused_by_row_and_column(client, login, filename, data):
    """PostgreSQL refuses NUL in text (a 500 there); other control characters would be saved unseen."""
    login("owner")
    response = upload(client, data, filename=filename)
    assert response.status_code == 422
    page = html(response)
    assert "Row 2 · " in page and "Contains a character that cannot be saved" in page
    assert count(Product) == 0
