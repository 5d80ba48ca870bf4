"""Issue 17: a sales slip printed on the spot, at 390 px in Chinese. The salesperson opens the slip, taps 打印小票 and
sees it at 58 mm. This browser has no Web Bluetooth (none does headless): tapping 蓝牙打印 says so plainly, and
系统打印 prints the slip alone on a page 58 mm wide. Then a stand-in Bluetooth printer (the page's
navigator.bluetooth replaced) receives exactly the server's ESC/POS bytes in chunks, and is remembered. A payment's
receipt (收款收据) comes out the same way, here at 80 mm."""
import io
from decimal import Decimal

import pypdfium2
from playwright.sync_api import expect

from app.extensions import db
from app.finance import services as finance
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.screens import AXE_SCRIPT, sign_in, snapshot
from tests.browser.test_axe_screens import AXE, MIN_TARGET, SMALL_TARGETS
from tests.browser.test_sales_flow import arrive, assert_fits_the_screen, assert_tappable
from tests.test_finance_screens import invoice

# Web Bluetooth as this page would meet it on Android, with a printer that keeps what it is sent.
FAKE_PRINTER = """() => {
  window.printed = [];
  const characteristic = {properties: {write: false, writeWithoutResponse: true},
    writeValueWithoutResponse: async (chunk) => { window.printed.push(Array.from(chunk)); }};
  const service = {getCharacteristics: async () => [characteristic]};
  const device = {id: "printer-1", name: "票据打印机 P58", gatt: {
    connect: async () => ({getPrimaryService: async (uuid) => {
      if (uuid !== "000018f0-0000-1000-8000-00805f9b34fb") { throw new DOMException("no", "NotFoundError"); }
      return service; }}),
    disconnect: () => {}}};
  Object.defineProperty(navigator, "bluetooth", {configurable: true,
    value: {requestDevice: async () => device, getDevices: async () => [device]}});
}"""


def test_a_sales_slip_prints_at_58_mm_through_the_system_dialog_or_a_bluetooth_printer(new_page, app):
    seller = factories.user("sales", display_name="李娜")
    customer = factories.customer("华强电子", salesperson=seller)
    slip = invoice(customer, "1005.07")
    payment = finance.record_receipt(seller, customer, Decimal("600.00"), "cash")
    db.session.commit()
    page = new_page(PHONE)
    # No Web Bluetooth (as on an iPhone), and the system dialog counted rather than opened.
    # Once the test says so (sessionStorage outlives a reload), the stand-in printer instead.
    page.add_init_script(f"if (sessionStorage.getItem('fake-printer')) {{ ({FAKE_PRINTER})(); }} else {{"
                         "Object.defineProperty(navigator, 'bluetooth', {configurable: true, value: undefined}); }"
                         "window.printCalls = 0; window.print = () => { window.printCalls += 1; };")
    sign_in(page, seller)

    page.goto(f"/invoices/{slip.id}")
    page.get_by_role("button", name="打印小票").tap()
    arrive(page, rf"/invoices/{slip.id}/slip")
    preview = page.locator("[data-slip]")
    expect(preview).to_contain_text("华强电子")
    expect(preview).to_contain_text("壹仟零伍元零柒分")
    assert round(preview.bounding_box()["width"] * 25.4 / 96) == 58
    assert_fits_the_screen(page)
    snapshot(page, "printing-slip-58")
    page.add_script_tag(url=AXE_SCRIPT)
    assert page.evaluate(AXE) == [] and page.evaluate(SMALL_TARGETS, MIN_TARGET) == []
    bluetooth = page.get_by_role("button", name="蓝牙打印")
    assert_tappable(bluetooth)

    bluetooth.tap()
    expect(page.locator("#print-status")).to_contain_text("此浏览器不支持蓝牙打印")
    page.get_by_role("button", name="系统打印").tap()
    assert page.evaluate("window.printCalls") == 1
    pdf = pypdfium2.PdfDocument(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    assert len(pdf) == 1 and round(pdf[0].get_width() * 25.4 / 72) == 58  # the slip alone, at the paper's width
    text = pdf[0].get_textpage().get_text_range()
    assert "华强电子" in text and "蓝牙打印" not in text and "销售单" in text

    page.evaluate(FAKE_PRINTER)
    page.evaluate("sessionStorage.setItem('fake-printer', '1')")
    bluetooth.tap()
    expect(page.locator("#print-status")).to_have_text("已发送到 票据打印机 P58。")
    sent = page.request.get(f"/invoices/{slip.id}/slip.bin?paper=58").body()
    chunks = page.evaluate("window.printed")
    assert len(chunks) > 1 and max(map(len, chunks)) <= 100
    assert bytes(b for chunk in chunks for b in chunk) == sent
    assert sent.startswith(b"\x1b@\x1c&") and slip.number.encode() in sent

    page.reload()  # the printer is remembered: named, and another can be chosen
    expect(page.locator("#print-status")).to_have_text("打印机：票据打印机 P58")
    expect(page.get_by_role("button", name="换一台打印机")).to_be_visible()

    # The receipt for a payment, on 80 mm paper this time, from its own screen.
    page.goto(f"/receipts/{payment.id}")
    page.get_by_role("link", name="打印收据").tap()
    arrive(page, rf"/receipts/{payment.id}/slip")
    page.get_by_role("link", name="80 毫米").tap()
    arrive(page, rf"/receipts/{payment.id}/slip\?paper=80")
    receipt = page.locator("[data-slip]")
    expect(receipt).to_contain_text("收款收据")
    expect(receipt).to_contain_text("陆佰元整")
    assert round(receipt.bounding_box()["width"] * 25.4 / 96) == 80
    assert_fits_the_screen(page)
    snapshot(page, "printing-receipt-80")
