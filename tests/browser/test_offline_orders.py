"""Issue 17, without signal, at 390 x 844 in Chinese: a salesperson takes two orders with the network cut (customers,
products, prices and stock from the phone), the connection comes back and exactly two drafts exist; the one whose
confirmation the credit limit refuses says why and stays a draft; the same queue replayed three times makes
nothing twice; a scan on the (online) order screen made while offline is added once the connection is back; and the
offline order screen opens with no connection from the service worker's copy.

Orders are read from the database the live server writes to, never from the screen alone.
"""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.idempotency import IdempotencyRecord
from app.partners.models import Customer
from app.sales.models import OrderStatus, SalesOrder
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.screens import sign_in
from tests.browser.test_pwa import controlled, installed  # noqa: F401 (a fixture: service workers on)

CASE, CABLE = "6901234567892", "4006381333931"
SYNCED = "() => window.jxcOutbox && window.jxcOutbox.counts.waiting === 0"


@pytest.fixture
def road(app):
    """A salesperson, a shop of theirs and a customer near their credit limit, two products in stock."""
    main = factories.warehouse(code="MAIN", name="主仓", is_default=True)
    case = factories.product(sku="CASE-01", name="手机壳", barcode=CASE, sale_price="25.00", wholesale_price="20.00")
    cable = factories.product(sku="CABLE-01", name="数据线", barcode=CABLE, sale_price="15.00")
    factories.stock(case, main, 20)
    factories.stock(cable, main, 20)
    seller = factories.user("sales", display_name="李娜")
    shop = factories.customer("老王小卖部", seller, price_level="wholesale")
    tight = factories.customer("赊账便利店", seller, credit_limit="100")
    factories.customer("别人的客户", factories.user("sales"))
    return {"seller": seller, "shop": shop.id, "tight": tight.id, "case": case.id, "cable": cable.id}


def drafts() -> list[SalesOrder]:
    db.session.rollback()  # the live server wrote since
    return list(db.session.scalars(select(SalesOrder).order_by(SalesOrder.id)))


def wedge(page, code):
    page.keyboard.type(code, delay=0)
    page.keyboard.press("Enter")


def open_offline_screen(page, road):
    sign_in(page, road["seller"], settle=True)
    page.goto("/orders/offline")
    expect(page.locator("h1")).to_have_text("离线下单")
    customers = page.locator("[data-customer-list] .pick")
    expect(customers).to_have_count(2)  # the salesperson's own, never a colleague's
    expect(page.locator("[data-offline-order] [data-offline-status]")).to_contain_text("2 个客户，2 个商品")
    return customers


def pick_customer(page, text, name):
    page.locator("[data-customer-search]").fill(text)
    page.locator("[data-customer-list] .pick", has_text=name).tap()
    expect(page.locator("[data-chosen-name]")).to_have_text(name)


@pytest.mark.browser_expects("console", r"net::ERR_INTERNET_DISCONNECTED")
def test_two_orders_offline_become_exactly_two_drafts_a_refusal_is_kept_and_replays_make_nothing(new_page, app, road):
    page = new_page(PHONE)
    open_offline_screen(page, road)
    page.context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    lines = page.locator("[data-lines] .offline-line")

    # Order 1: the shop, by pinyin initials; a wedge scan adds the case; the cable found by its initials and tapped.
    pick_customer(page, "lw", "老王小卖部")
    page.locator("[data-offline-order] [data-scan-input]").focus()
    wedge(page, CASE)
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("手机壳")
    expect(lines.first).to_contain_text("¥20.00")  # the shop's wholesale price
    expect(page.locator("[data-product-list] .pick")).to_have_count(0)  # the scanner's keys searched nothing left
    page.locator("[data-offline-order] [data-scan-input]").fill("sjx")
    result = page.locator("[data-product-list] .pick")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("可用：20 个")
    result.tap()
    lines.nth(1).get_by_role("button", name="+").tap()
    expect(lines.nth(1).locator("input[data-qty]")).to_have_value("2")
    expect(page.locator("[data-total]")).to_have_text("¥56.50")  # 20 + 2 x 15, and 13 % tax
    page.get_by_role("button", name="保存订单").tap()
    expect(page.locator("[data-saved]")).to_contain_text("已保存在本机")
    expect(lines).to_have_count(0)

    # Order 2: over the credit limit (5 x 25 > 100), to be confirmed when sent.
    pick_customer(page, "赊账", "赊账便利店")
    page.locator("[data-offline-order] [data-scan-input]").focus()
    wedge(page, CASE)
    lines.first.locator("input[data-qty]").fill("5")
    lines.first.locator("input[data-qty]").press("Enter")
    expect(page.locator("[data-total]")).to_have_text("¥141.25")
    page.get_by_label("发送后确认订单（预留货品）").check()
    page.get_by_role("button", name="保存订单").tap()

    orders = page.locator("[data-orders] li")
    expect(orders).to_have_count(2)
    expect(orders.locator(".offline-state")).to_have_text(["等待发送", "等待发送"])
    page.wait_for_function("() => window.jxcOutbox.counts.waiting === 2")
    expect(page.locator("[data-outbox-waiting]")).to_have_text(re.compile(r"^2\s*条待同步$"))
    assert drafts() == [], "an order reached the server while offline"

    page.context.set_offline(False)  # the outbox sends both, in order, by itself
    page.wait_for_function(SYNCED)
    made = drafts()
    assert len(made) == 2
    first, second = made
    assert (first.customer_id, first.status) == (road["shop"], OrderStatus.DRAFT)
    assert [(line.product_id, line.qty, line.unit_price) for line in first.lines] == [
        (road["case"], Decimal("1"), Decimal("20.00")), (road["cable"], Decimal("2"), Decimal("15.00"))]
    assert (second.customer_id, second.status) == (road["tight"], OrderStatus.DRAFT)  # refused, kept
    assert [(line.product_id, line.qty) for line in second.lines] == [(road["case"], Decimal("5"))]

    # Newest first: the refusal says why, names the draft kept, and opens it.
    refused, draft = orders.nth(0), orders.nth(1)
    expect(refused).to_have_class(re.compile(r"\boffline-refused\b"))
    expect(refused.locator(".offline-state")).to_contain_text("未确认")
    expect(refused.locator(".offline-state")).to_contain_text("信用额度")
    expect(refused.locator(".offline-state")).to_contain_text(f"草稿 {second.number} 已保留")
    expect(refused.get_by_role("link", name="打开")).to_have_attribute("href", f"/orders/{second.id}")
    expect(draft.locator(".offline-state")).to_have_text(f"草稿 {first.number}")
    expect(page.locator("[data-outbox-bar]")).to_be_hidden()

    # The same queue replayed three times (an answer lost, a phone back days later): nothing is made twice.
    queue = page.evaluate("() => jxcOutbox.entries('offline-orders').then((list) => list.map((e) => [e.url, e.key, e.body]))")
    replay = """async (queue) => {
      const token = (await (await fetch("/pwa/csrf", {headers: {Accept: "application/json"}})).json()).token;
      const answers = [];
      for (const [url, key, body] of queue) {
        const response = await fetch(url, {method: "POST", body: JSON.stringify(body),
          headers: {"Content-Type": "application/json", "X-CSRFToken": token, "Idempotency-Key": key}});
        answers.push([response.status, (await response.json()).number]);
      }
      return answers;
    }"""
    for round_ in range(3):
        if round_ == 2:  # past the idempotency records' 24 h: the key on the order still holds
            db.session.execute(IdempotencyRecord.__table__.delete())
            db.session.commit()
        assert page.evaluate(replay, queue) == [[200, first.number], [200, second.number]]
        page.evaluate("() => jxcOutbox.flush()")
    assert [order.id for order in drafts()] == [first.id, second.id]
    expect(orders).to_have_count(2)


@pytest.mark.browser_expects("console", r"net::ERR_INTERNET_DISCONNECTED")
def test_a_scan_on_the_order_screen_while_offline_is_added_when_back(new_page, app, road):
    page = new_page(PHONE)
    seller = road["seller"]
    order = factories.order(db.session.get(Customer, road["shop"]), [], actor=seller)
    sign_in(page, seller, settle=True)
    page.goto(f"/orders/{order.id}", wait_until="networkidle")
    page.wait_for_function("() => window.jxcScanner !== undefined && window.jxcOutbox")
    page.context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")

    page.locator("[data-scan-post] [data-scan-input]").focus()
    wedge(page, CABLE)
    row = page.locator("[data-scan-post] [data-scan-log] li").first
    expect(row).to_have_attribute("data-status", "saved")
    expect(row).to_contain_text("离线：已保存")
    page.wait_for_function("() => window.jxcOutbox.counts.waiting === 1")
    assert drafts()[0].lines == []
    # And an order taken offline earlier, over its customer's credit limit, waits behind the scan.
    page.evaluate("""(body) => jxcOutbox.add({url: "/orders/offline/sync", key: body.client_key, group: "offline-orders",
                                              keep: true, body, label: "赊账便利店"})""",
                  {"client_key": "00000000-0000-4000-8000-0000000000aa", "customer_id": road["tight"], "confirm": True,
                   "lines": [{"product_id": road["case"], "qty": "5"}]})

    page.context.set_offline(False)
    page.wait_for_function(SYNCED)
    expect(row).to_have_attribute("data-status", "handled")
    expect(page.locator("#order-lines")).to_contain_text("数据线")  # the lines as the server answered the scan
    first, refused = drafts()
    [line] = first.lines
    assert (line.product_id, line.qty) == (road["cable"], Decimal("1"))
    # The refused confirmation is said on this screen too, with the draft that was kept.
    notice = page.locator(".offline-notice")
    expect(notice).to_contain_text(f"赊账便利店 的订单 {refused.number} 未确认")
    expect(notice.get_by_role("link")).to_have_attribute("href", f"/orders/{refused.id}")
    assert refused.status == OrderStatus.DRAFT


@pytest.mark.browser_expects("console", r"net::ERR_INTERNET_DISCONNECTED")
@pytest.mark.browser_expects("htmx:sendError", r"/stock/low-count")
@pytest.mark.browser_expects("console", r"htmx:(sendError|afterRequest)")
def test_the_offline_order_screen_opens_with_no_connection(installed, app, road):  # noqa: F811
    page = installed
    sign_in(page, road["seller"], settle=True)
    controlled(page)
    # Signed in, the phone keeps its data and the worker keeps the screen, without the screen ever being opened.
    page.wait_for_function("""() => caches.keys().then((keys) => Promise.all(keys.filter((k) => k.endsWith('-kept-pages'))
        .map((k) => caches.open(k).then((c) => c.match('/orders/offline'))))).then((hits) => hits.some(Boolean))""")
    page.goto("/account")
    expect(page.locator(".offline-kept [data-offline-status]")).to_contain_text(
        re.compile(r"本机保存：2 个客户，2 个商品（[\d.]+ (B|KB)），更新于 \d{4}-\d\d-\d\d \d\d:\d\d"))

    page.context.set_offline(True)
    page.goto("/orders/offline")
    expect(page.locator("h1")).to_have_text("离线下单")
    expect(page.locator("[data-customer-list] .pick")).to_have_count(2)
    pick_customer(page, "lw", "老王小卖部")
    page.locator("[data-offline-order] [data-scan-input]").fill("shouji")
    expect(page.locator("[data-product-list] .pick")).to_contain_text("¥20.00")
