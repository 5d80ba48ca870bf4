"""Issue 17: the owner, on a phone in Chinese, uploads the company seal and chooses 241 mm continuous three-part paper
for sales documents; the sales slip's PDF then comes on 241 mm pages. Back on A4 it carries the seal and the lines
to sign."""
import io
import subprocess

import pypdfium2
from playwright.sync_api import expect

from app.extensions import db
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.screens import sign_in, snapshot
from tests.browser.test_sales_flow import assert_fits_the_screen
from tests.test_finance_screens import invoice
from tests.test_settings import seal_jpeg

MM_PER_POINT = 25.4 / 72


def page_size_mm(pdf: bytes) -> tuple[int, int]:
    width, height = pypdfium2.PdfDocument(io.BytesIO(pdf))[0].get_size()
    return round(width * MM_PER_POINT), round(height * MM_PER_POINT)


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def save(page) -> None:
    """Tap 保存 and wait for the save itself: the page's address stays /settings either way."""
    with page.expect_response(lambda response: response.request.method == "POST" and "/settings" in response.url):
        page.locator("main form").first.get_by_role("button", name="保存").tap()
    page.wait_for_load_state("load")


def test_owner_uploads_the_seal_and_chooses_three_part_paper_on_a_phone(new_page, app, tmp_path):
    owner = factories.user("owner", display_name="王老板")
    slip = invoice(factories.customer("华强电子"), "1005.07")
    db.session.commit()
    seal = tmp_path / "公章.jpg"
    seal.write_bytes(seal_jpeg())
    page = new_page(PHONE)
    sign_in(page, owner)

    page.goto("/settings")
    form = page.locator("main form").first
    form.get_by_label("公司名称").fill("深圳果果贸易有限公司")
    form.get_by_label("单据打印用纸").select_option(label="241 毫米连续纸三联单（针式打印机）")
    form.get_by_label("公章").set_input_files(str(seal))
    save(page)
    expect(page.locator("img.seal-preview")).to_be_visible()
    expect(page.get_by_label("单据打印用纸")).to_have_value("continuous")
    assert_fits_the_screen(page)
    snapshot(page, "settings-printing")

    three_part = page.request.get(f"/invoices/{slip.id}.pdf").body()
    assert page_size_mm(three_part) == (241, 140)
    text = pdf_text(three_part)
    assert "销售单" in text and "第一联：存根" in text and "客户签收" in text

    page.get_by_label("单据打印用纸").select_option(label="A4 纸")
    save(page)
    a4 = page.request.get(f"/invoices/{slip.id}.pdf").body()
    assert page_size_mm(a4) == (210, 297)
    assert "第一联" not in pdf_text(a4) and "客户签收" in pdf_text(a4)
