"""Printing on the spot: the ESC/POS bytes a thermal printer gets for a known slip (Chinese in GB18030, a QR code,
the cut), the layout on 58 and 80 mm paper, and the print page and bytes for a sales slip and a payment receipt,
within the data scope."""
from decimal import Decimal

import pytest

from app.extensions import db
from app.finance import services as finance
from app.printing import escpos
from app.printing.slips import Slip, SlipLine, invoice_slip, receipt_slip
from app.settings.models import CompanySettings
from app.sharing import services as sharing
from app.sharing.models import ShareLink
from tests import factories
from tests.test_finance_screens import invoice as invoiced

ZH = {"Accept-Language": "zh-CN"}


def gb(text: str) -> bytes:
    return text.encode("gb18030")


KNOWN = Slip(company="果果贸易", company_lines=["电话 0755-1234"], title="销售单",
             fields=[("单号：", "SI-2026-000007"), ("客户：", "李记")],
             lines=[SlipLine("手机壳 红色", "2个 × ¥25.00", "¥50.00")],
             totals=[("小计", "¥50.00"), ("合计", "¥56.50")], notes=["大写金额：伍拾陆元伍角"],
             signatures=["客户签收："], qr="SI-2026-000007", qr_caption="SI-2026-000007", number="SI-2026-000007")


def test_known_slip_is_exactly_these_bytes_on_58_mm_paper():
    expected = (
        b"\x1b\x40" b"\x1c\x26"  # ESC @ init, FS & Chinese (GB18030) mode
        b"\x1b\x61\x01"  # centred
        b"\x1d\x21\x01\x1c\x21\x08" + gb("果果贸易") + b"\n"  # double height
        b"\x1d\x21\x00\x1c\x21\x00" + gb("电话 0755-1234") + b"\n"
        b"\n"
        b"\x1d\x21\x11\x1c\x21\x0c" b"\xcf\xfa\xca\xdb\xb5\xa5\n"  # 销售单, double width and height
        b"\x1d\x21\x00\x1c\x21\x00" b"\n"
        b"\x1b\x61\x00"  # left
        + gb("单号：") + b"SI-2026-000007\n" + gb("客户：李记") + b"\n"
        + b"-" * 32 + b"\n"
        + gb("手机壳 红色") + b"\n"
        # 16 columns, 9 spaces, 7 columns: 32; ¥ becomes the full-width ￥ (A3A4), × is A1C1
        + b"  2" + gb("个") + b" \xa1\xc1 \xa3\xa425.00" + b" " * 9 + b"\xa3\xa450.00\n"
        + b"-" * 32 + b"\n"
        + gb("小计") + b" " * 21 + b"\xa3\xa450.00\n"
        + b"\x1b\x45\x01" b"\x1d\x21\x01\x1c\x21\x08" + gb("合计") + b" " * 21 + b"\xa3\xa456.50\n"
        + b"\x1d\x21\x00\x1c\x21\x00" b"\x1b\x45\x00"
        + gb("大写金额：伍拾陆元伍角") + b"\n"
        + b"\n" + gb("客户签收：") + b"_" * 22 + b"\n"
        + b"\n" b"\x1b\x61\x01"
        + b"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00"  # GS ( k: QR model 2
        + b"\x1d\x28\x6b\x03\x00\x31\x43\x06"  # 6 dots a module
        + b"\x1d\x28\x6b\x03\x00\x31\x45\x31"  # error correction M
        + b"\x1d\x28\x6b\x11\x00\x31\x50\x30" b"SI-2026-000007"  # store 14 + 3 bytes
        + b"\x1d\x28\x6b\x03\x00\x31\x51\x30"  # print
        + b"SI-2026-000007\n"
        + b"\x1b\x64\x04" b"\x1d\x56\x42\x00"  # feed 4 lines, cut
    )
    assert escpos.slip_bytes(KNOWN, 58) == expected


def test_80_mm_paper_has_48_columns_and_bigger_qr_modules():
    data = escpos.slip_bytes(KNOWN, 80)
    assert b"-" * 48 + b"\n" in data and b"-" * 49 not in data
    assert gb("小计") + b" " * 37 + b"\xa3\xa450.00\n" in data
    assert b"\x1d\x28\x6b\x03\x00\x31\x43\x08" in data


def test_text_is_measured_in_printed_columns_and_wrapped_to_the_paper():
    assert escpos.width("手机壳 red") == 10
    assert escpos.wrap("广州天河数码城李记电子有限公司天河路一百号", 32) == ["广州天河数码城李记电子有限公司天", "河路一百号"]
    assert escpos.wrap("Apple iPhone 15 Pro Max case", 16) == ["Apple iPhone 15", "Pro Max case"]
    assert escpos.wrap("", 32) == [""]


def test_characters_the_printer_cannot_print_become_question_marks():
    assert escpos.encode("¥好😀\x07") == b"\xa3\xa4" + gb("好") + b"??"


def test_a_pair_too_wide_for_one_line_puts_the_amount_on_its_own():
    out = escpos.Printout(32).pair("很长的商品名称很长的商品名称很长的", "￥1,005.07")
    assert out.bytes().endswith(gb("很长的商品名称很长的商品名称很长") + b"\n" + gb("的") + b"\n" + b" " * 22
                                + b"\xa3\xa41,005.07\n")


def test_qr_data_is_bounded():
    with pytest.raises(ValueError):
        escpos.Printout(32).qr("x" * 301, 6)


# --- slips of real documents, and their pages ------------------------------------------------------------------

@pytest.fixture
def shop(app):
    """A company with a bank account, and `seller`'s customer with a sales slip of 1,005.07 and a payment of 600."""
    def make(seller=None):
        seller = seller or factories.user("sales", display_name="李娜")
        settings = CompanySettings(id=1, name="深圳果果贸易有限公司", address="深圳市南山区", phone="0755-1234",
                                   currency="CNY", bank_name="招商银行深圳分行", bank_account="755912345610801")
        db.session.add(settings)
        db.session.commit()
        customer = factories.customer("华强电子", salesperson=seller)
        slip = invoiced(customer, "1005.07")
        payment = finance.record_receipt(seller, customer, Decimal("600.00"), "wechat", reference="WX-88")
        db.session.commit()
        return seller, slip, payment
    return make


def test_sales_slip_bytes_carry_the_lines_totals_bank_and_number_in_chinese(app, shop):
    seller, slip, _payment = shop()
    with app.test_request_context(headers=ZH):
        data = escpos.slip_bytes(invoice_slip(slip), 58)
    assert data.startswith(b"\x1b\x40\x1c\x26") and data.endswith(b"\x1d\x56\x42\x00")
    for text in ("深圳果果贸易有限公司", "销售单", "华强电子", "合计", "壹仟零伍元零柒分", "招商银行深圳分行",
                 "客户签字：", slip.lines[0].product.name):
        assert gb(text) in data, text
    assert b"\xa3\xa41,005.07\n" in data
    store = len(slip.number) + 3
    assert b"\x1d\x28\x6b" + bytes([store, 0]) + b"\x31\x50\x30" + slip.number.encode() in data


def test_receipt_bytes_name_the_payment_and_what_it_paid(app, shop):
    _seller, slip, payment = shop()
    with app.test_request_context(headers=ZH):
        data = escpos.slip_bytes(receipt_slip(payment), 80)
    for text in ("收款收据", "华强电子", "微信支付", "WX-88", "李娜", "陆佰元整", "销售单 " + slip.number,
                 "仍未收：￥405.07"):
        assert gb(text) in data, text
    assert payment.number.encode() in data


def test_print_pages_and_bytes_for_the_salesperson_and_not_for_others(client, login, shop):
    seller, slip, payment = shop(login("sales"))
    page = client.get(f"/invoices/{slip.id}/slip", headers=ZH)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "蓝牙打印" in text and "系统打印" in text and 'data-paper="58"' in text
    assert f"/invoices/{slip.id}/slip.bin?paper=58" in text
    assert "data:image/png;base64," in text and "华强电子" in text
    wide = client.get(f"/invoices/{slip.id}/slip?paper=80", headers=ZH).get_data(as_text=True)
    assert 'data-paper="80"' in wide and f"/invoices/{slip.id}/slip.bin?paper=80" in wide
    data = client.get(f"/invoices/{slip.id}/slip.bin?paper=80", headers=ZH)
    assert data.mimetype == "application/octet-stream" and data.headers["Cache-Control"] == "no-store"
    assert data.data.startswith(b"\x1b\x40\x1c\x26") and b"-" * 48 in data.data
    receipt = client.get(f"/receipts/{payment.id}/slip", headers=ZH).get_data(as_text=True)
    assert "收款收据" in receipt and payment.number in receipt
    assert client.get(f"/receipts/{payment.id}/slip.bin").data.startswith(b"\x1b\x40")
    shows = client.get(f"/invoices/{slip.id}", headers=ZH).get_data(as_text=True)
    assert f'action="/invoices/{slip.id}/slip"' in shows and "打印小票" in shows
    assert f'href="/receipts/{payment.id}/slip"' in client.get(f"/receipts/{payment.id}").get_data(as_text=True)

    client.post("/logout", data={"csrf_token": client.csrf})
    login("sales")  # another salesperson's customer: as if it did not exist
    for url in (f"/invoices/{slip.id}/slip", f"/invoices/{slip.id}/slip.bin", f"/receipts/{payment.id}/slip",
                f"/receipts/{payment.id}/slip.bin"):
        assert client.get(url).status_code == 404, url
    client.post("/logout", data={"csrf_token": client.csrf})
    login("warehouse")
    assert client.get(f"/invoices/{slip.id}/slip.bin").status_code == 403


def test_print_slip_makes_the_customer_link_first_and_the_qr_code_carries_it(app, client, login, shop):
    seller, slip, _payment = shop(login("sales"))
    number_only = client.get(f"/invoices/{slip.id}/slip.bin").data
    assert b"\x31\x50\x30" + slip.number.encode() in number_only  # no link yet: the slip's number
    assert ShareLink.query.count() == 0  # showing the print page writes nothing
    tapped = client.post(f"/invoices/{slip.id}/slip", data={"csrf_token": client.csrf, "idempotency_key": "p1"})
    assert tapped.status_code == 303 and tapped.location.endswith(f"/invoices/{slip.id}/slip")
    link = ShareLink.query.one()
    assert link.sales_invoice_id == slip.id and link.created_by_id == seller.id
    with app.test_request_context():
        url = sharing.url_of(link).encode()
    data = client.get(f"/invoices/{slip.id}/slip.bin").data
    assert b"\x31\x50\x30" + url in data and b"/s/" in url
    client.post(f"/invoices/{slip.id}/slip", data={"csrf_token": client.csrf, "idempotency_key": "p2"})
    assert ShareLink.query.count() == 1  # printing again reuses the open link
    assert client.get(url.decode()).status_code == 200  # and the customer opens it without an account


def test_paper_width_follows_the_setting_unless_asked(client, login, shop):
    _seller, slip, _payment = shop(login("sales"))
    settings = db.session.get(CompanySettings, 1)
    settings.slip_paper_mm = 80
    db.session.commit()
    assert 'data-paper="80"' in client.get(f"/invoices/{slip.id}/slip").get_data(as_text=True)
    assert 'data-paper="80"' in client.get(f"/invoices/{slip.id}/slip?paper=12").get_data(as_text=True)
    assert b"-" * 32 + b"\n" in client.get(f"/invoices/{slip.id}/slip.bin?paper=58").data
