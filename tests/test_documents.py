"""Printable sales documents: 大写 amounts, and quotation / delivery note / invoice PDFs read back as a
customer would (selectable text, embedded font, a QR code a phone can scan)."""
import gc
import io
import re
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from flask import render_template_string
from PIL import Image, ImageDraw

from app.catalog.models import Product
from app.extensions import db
from app.formatting import amount_in_words_zh, date_
from app.partners.models import Customer
from app.sales import printing
from app.sales.models import (SalesDelivery, SalesDeliveryLine, SalesInvoice, SalesInvoiceLine, SalesOrder,
                              SalesOrderLine, line_amounts)
from app.settings.models import CompanySettings
from app.settings.services import shrink_logo

EN = {"Accept-Language": "en"}


# --- 大写金额 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("amount,words", [
    ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
    ("100", "壹佰元整"),
    ("1005.07", "壹仟零伍元零柒分"),
    ("0.5", "伍角"),
    ("0.05", "伍分"),
    ("0.55", "伍角伍分"),
    ("0", "零元整"),
    ("10", "壹拾元整"),  # banks require the 壹 of 壹拾
    ("16", "壹拾陆元整"),
    ("10000", "壹万元整"),
    ("100000001", "壹亿零壹元整"),
    ("1010.10", "壹仟零壹拾元壹角"),
    ("100.01", "壹佰元零壹分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("200005", "贰拾万零伍元整"),  # the zeros across 万 read as one 零
    ("201000", "贰拾万壹仟元整"),
    ("10100", "壹万零壹佰元整"),
    ("101000000", "壹亿零壹佰万元整"),
    ("100001000", "壹亿零壹仟元整"),
    ("1000000010000", "壹万亿零壹万元整"),
    ("99999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("-12.30", "负壹拾贰元叁角"),
    ("1.005", "壹元零壹分"),  # rounded half up to the fen first
    ("-0.001", "零元整"),  # rounds to nothing: no 负
])
def test_amount_in_words_follows_the_banks_rules(amount, words):
    assert amount_in_words_zh(Decimal(amount)) == words


def test_amount_in_words_refuses_what_has_no_unit():
    with pytest.raises(ValueError):
        amount_in_words_zh(Decimal("10000000000000000"))


def test_amount_words_filter_is_available_to_templates(app):
    with app.test_request_context():
        assert render_template_string("{{ v|amount_words }}|{{ none|amount_words }}",
                                      v=Decimal("1005.07")) == "壹仟零伍元零柒分|"


# --- documents -------------------------------------------------------------------------------------

def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def pdf_fonts(pdf: bytes) -> str:
    return subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def logo_png() -> bytes:
    image = Image.new("RGB", (1200, 400), "white")
    ImageDraw.Draw(image).ellipse((100, 50, 400, 350), fill=(200, 30, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def company(app):
    """The saved company settings, with a logo shrunk as the settings screen shrinks an upload."""
    settings = CompanySettings(id=1, name="深圳果果贸易有限公司", address="深圳市南山区粤海街道 1 号",
                               phone="0755-1234", tax_number="91440300TEST", currency="CNY",
                               logo_png=shrink_logo(logo_png()))
    db.session.add(settings)
    db.session.commit()
    return settings


def customer() -> Customer:
    return Customer(name="广州天河数码城李记", address="广州市天河区天河路 100 号", contact="李先生",
                    phone="020-5555 6666", mobile="13800138000", tax_number="91440101LIJI", payment_terms_days=45)


def product(i: int) -> Product:
    return Product(sku=f"CASE-{i:03d}", name=f"苹果手机壳{i}号", spec="红色", unit="个")


def priced(line, qty, price, discount="0", rate="13"):
    """The line's quantity and prices, amounts worked out by the one pricing rule."""
    line.qty, line.unit_price = Decimal(qty), Decimal(price)
    line.discount_pct, line.tax_rate = Decimal(discount), Decimal(rate)
    line.amount, line.tax = line_amounts(line.qty, line.unit_price, line.discount_pct, line.tax_rate)
    return line


def totalled(document):
    document.subtotal = sum(line.amount for line in document.lines)
    document.tax = sum(line.tax for line in document.lines)
    document.total = document.subtotal + document.tax
    return document


def order(lines=None) -> SalesOrder:
    """A transient order (never added to a session), priced like the sales service prices one."""
    made = SalesOrder(number="SO-2026-000042", customer=customer(), notes="请周五前送达")
    for i, (qty, price, discount) in enumerate(lines or [("2", "25.00", "10"), ("1", "889.44", "0")]):
        made.lines.append(priced(SalesOrderLine(product=product(i)), qty, price, discount))
    return totalled(made)


def invoice(lines=None) -> SalesInvoice:
    made = SalesInvoice(number="SI-2026-000007", order=order(), customer=customer(), issued_on=date(2026, 3, 2),
                        due_on=date(2026, 4, 16))
    for i, (qty, price, discount) in enumerate(lines or [("1", "889.44", "0")]):  # 889.44 + 115.63 tax
        made.lines.append(priced(SalesInvoiceLine(product=product(i)), qty, price, discount))
    return totalled(made)


def render(app, make, *args):
    with app.test_request_context(headers=EN):
        return make(*args)


def test_invoice_shows_company_customer_lines_terms_and_total_in_capitals(app, company):
    doc = invoice([("1", "889.44", "0")])
    assert doc.total == Decimal("1005.07")
    pdf = render(app, printing.invoice_pdf, doc)
    text = pdf_text(pdf)
    assert "深圳果果贸易有限公司" in text and "91440300TEST" in text
    assert "广州天河数码城李记" in text and "广州市天河区天河路 100 号" in text and "91440101LIJI" in text
    assert "SI-2026-000007" in text and "SO-2026-000042" in text
    assert "苹果手机壳0号" in text and "CASE-000" in text
    assert "¥889.44" in text and "¥115.63" in text and "13%" in text
    assert "¥1,005.07" in text
    assert "壹仟零伍元零柒分" in text
    assert "45 days" in text
    assert "Mar 2, 2026" in text and "Apr 16, 2026" in text  # issued, due
    assert "WenQuanYi" in pdf_fonts(pdf)
    assert gc.isenabled()  # paused for the render only


def test_invoice_shows_discounts_per_line(app, company):
    text = pdf_text(render(app, printing.invoice_pdf, invoice([("2", "25.00", "10"), ("3", "10.00", "0")])))
    assert "10%" in text and "¥45.00" in text  # 2 × 25.00 less 10 %
    assert "¥30.00" in text


def test_invoice_logo_is_embedded_at_its_shrunk_size(app, company, tmp_path):
    path = tmp_path / "invoice.pdf"
    path.write_bytes(render(app, printing.invoice_pdf, invoice()))
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    sizes = {tuple(map(int, row.split()[3:5])) for row in listing.splitlines()[2:]}
    side = app.config["LOGO_MAX_PX"]
    assert (side, side // 3) in sizes  # the 3:1 logo as stored, not re-scaled
    assert len(sizes) == 2  # and the QR code


def test_invoice_qr_code_is_a_full_qr_that_reads_as_the_invoice_number(app, company):
    page = pypdfium2.PdfDocument(render(app, printing.invoice_pdf, invoice()))[0]
    results = zxingcpp.read_barcodes(page.render(scale=200 / 72, grayscale=True).to_pil())
    assert [(r.format, r.text) for r in results] == [(zxingcpp.BarcodeFormat.QRCode, "SI-2026-000007")]


def test_long_invoice_continues_on_a_second_page_without_losing_lines(app, company):
    lines = [("1", str(10 + i), "0") for i in range(45)]
    pdf = render(app, printing.invoice_pdf, invoice(lines))
    assert len(pypdfium2.PdfDocument(pdf)) == 2
    text = pdf_text(pdf)
    assert all(f"CASE-{i:03d}" in text for i in range(45))
    assert text.count("Unit price") == 2  # the column heads repeat on every page
    assert "SI-2026-000007" in text.split("\f")[1]  # the number in every page's footer
    compact = text.replace(" ", "")
    assert "1/2" in compact and "2/2" in compact


def test_invoice_without_terms_is_due_on_receipt(app, company):
    doc = invoice()
    doc.customer.payment_terms_days = 0
    assert "Due on receipt" in pdf_text(render(app, printing.invoice_pdf, doc))


def test_delivery_note_has_quantities_contact_and_signature_but_no_price(app, company):
    source = order([("12", "25.00", "10"), ("3.5", "889.44", "0")])
    delivery = SalesDelivery(number="SD-2026-000003", order=source, notes="易碎")
    for order_line in source.lines:
        delivery.lines.append(SalesDeliveryLine(order_line=order_line, product=order_line.product, qty=order_line.qty))
    pdf = render(app, printing.delivery_note_pdf, delivery)
    text = pdf_text(pdf)
    assert "SD-2026-000003" in text and "SO-2026-000042" in text
    assert "广州天河数码城李记" in text and "广州市天河区天河路 100 号" in text
    assert "李先生" in text and "020-5555 6666" in text and "13800138000" in text
    assert "苹果手机壳0号" in text and "CASE-001" in text and "个" in text
    assert re.search(r"CASE-000 +苹果手机壳0号 红色 +12 +个", text)
    assert re.search(r"CASE-001 +苹果手机壳1号 红色 +3.5 +个", text)
    assert "Received by (customer signature)" in text and "Date" in text
    assert "易碎" in text
    for price in ("¥", "25.00", "889.44", "Price", "Amount", "Total", "Tax rate", "Subtotal"):
        assert price not in text
    assert "WenQuanYi" in pdf_fonts(pdf)


def test_quotation_has_prices_discounts_tax_totals_and_validity(app, company):
    draft = order([("2", "25.00", "10"), ("1", "889.44", "0")])
    pdf = render(app, printing.quotation_pdf, draft, 15)
    text = pdf_text(pdf)
    assert "Quotation" in text and "SO-2026-000042" in text
    assert "广州天河数码城李记" in text and "苹果手机壳1号" in text
    assert "¥25.00" in text and "10%" in text and "¥45.00" in text and "¥5.85" in text
    assert "¥934.44" in text and "¥121.48" in text and "¥1,055.92" in text  # subtotal, tax, total
    assert amount_in_words_zh(draft.total) in text
    with app.test_request_context(headers=EN):
        valid_until = date_(printing.local_date(None) + timedelta(days=15))
    assert f"valid until {valid_until}" in " ".join(text.split())
    assert "请周五前送达" in text


def test_invoice_fonts_are_subset_by_harfbuzz_not_fonttools(app, company, monkeypatch):
    """Without libharfbuzz-subset WeasyPrint falls back to fontTools, and a Chinese invoice takes seconds instead of
    a tenth of one (PITFALLS); the speed itself is measured in bench/pdf.py, not here."""
    from weasyprint.pdf.fonts import Font
    subsets = []
    monkeypatch.setattr(Font, "_fonttools_subset", lambda *a: pytest.fail("fontTools subset the fonts"))
    original = Font._harfbuzz_subset
    monkeypatch.setattr(Font, "_harfbuzz_subset", lambda self, *a: subsets.append(self.family) or original(self, *a))
    render(app, printing.invoice_pdf, invoice([("1", str(10 + i), "0") for i in range(20)]))
    assert subsets


# --- bank, seal, signatures; three-part continuous paper ------------------------------------------------------

def page_sizes_mm(pdf: bytes) -> set[tuple[int, int]]:
    return {(round(page.get_width() * 25.4 / 72), round(page.get_height() * 25.4 / 72))
            for page in pypdfium2.PdfDocument(pdf)}


def image_sizes(pdf: bytes, tmp_path) -> list[tuple[int, int]]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    return sorted(tuple(map(int, row.split()[3:5])) for row in listing.splitlines()[2:])


@pytest.fixture
def stamped(company):
    """The company with its bank account and a seal uploaded (as the settings screen stores it)."""
    from tests.test_settings import seal_jpeg
    from app.settings.services import shrink_seal
    company.bank_name, company.bank_account = "招商银行深圳分行", "755912345610801"
    company.seal_png = shrink_seal(seal_jpeg())
    db.session.commit()
    return company


def delivery() -> SalesDelivery:
    source = order([("12", "25.00", "10")])
    made = SalesDelivery(number="SD-2026-000003", order=source)
    made.lines.append(SalesDeliveryLine(order_line=source.lines[0], product=source.lines[0].product, qty=Decimal(12)))
    return made


@pytest.mark.parametrize("make", [lambda: printing.invoice_pdf(invoice()), lambda: printing.delivery_note_pdf(delivery()),
                                  lambda: printing.quotation_pdf(order())], ids=["invoice", "delivery", "quotation"])
def test_a4_documents_show_the_bank_the_seal_and_lines_to_sign(app, stamped, make, tmp_path):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        pdf = make()
    text = pdf_text(pdf)
    assert page_sizes_mm(pdf) == {(210, 297)}
    assert "招商银行深圳分行" in text and "755912345610801" in text
    assert "开单人" in text
    assert ("客户确认" in text) if "报价单" in text else ("送货人" in text and "客户签收" in text)
    assert (400, 400) in image_sizes(pdf, tmp_path)  # the seal, as stored
    assert "第一联" not in text


def test_three_part_paper_prints_half_pages_241_mm_wide_without_logo_or_seal(app, stamped, tmp_path):
    stamped.paper_layout = "continuous"
    db.session.commit()
    pdf = render(app, printing.invoice_pdf, invoice([("1", "889.44", "0"), ("2", "25.00", "10")]))
    text = pdf_text(pdf)
    assert page_sizes_mm(pdf) == {(241, 140)}
    assert "Part 1: counterfoil · Part 2: customer · Part 3: return copy" in " ".join(text.split())
    assert "SI-2026-000007" in text and "苹果手机壳1号" in text and "壹仟零伍拾伍元玖角贰分" in text
    assert "755912345610801" in text and "Prepared by" in text and "Received by (customer signature)" in text
    [(side, other)] = image_sizes(pdf, tmp_path)  # the QR code only: no logo, no seal on dot-matrix copies
    assert side == other < 50
    long = render(app, printing.invoice_pdf, invoice([("1", str(10 + i), "0") for i in range(20)]))
    pages = pdf_text(long).split("\f")
    assert page_sizes_mm(long) == {(241, 140)} and len(pypdfium2.PdfDocument(long)) == 2
    assert all("Unit price" in page for page in pages if page.strip())  # the column heads on every half page
    assert all(f"CASE-{i:03d}" in pdf_text(long) for i in range(20))


def test_delivery_notes_and_quotations_follow_the_paper_setting(app, stamped):
    stamped.paper_layout = "continuous"
    db.session.commit()
    for make in (lambda: printing.delivery_note_pdf(delivery()), lambda: printing.quotation_pdf(order())):
        pdf = render(app, make)
        assert page_sizes_mm(pdf) == {(241, 140)}
        assert "Part 1: counterfoil" in pdf_text(pdf)
