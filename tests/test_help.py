"""Help inside the app: a page per screen in both languages naming only fields the screen shows, search, safe
rendering, the help button, the quick start per role (shown at first sign-in, then from 我的) and empty states."""
import html
import re

import pytest

from app.auth.models import User
from app.auth.roles import Role, allowed_roles
from app.extensions import db
from app.help import pages
from app.help.pages import ENDPOINT_LINK
from app.help.screens import ALIASES, page_for, screens
from tests import factories
from tests.help_world import BEFORE_DOCUMENTS, screen_url, screen_world

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}
LANGS = {"zh": ZH, "en": EN}


def main_text(body: str) -> str:
    """The screen's own content (inside <main>), unescaped: labels in the header or nav do not count."""
    match = re.search(r"<main\b.*?</main>", body, re.S)
    return html.unescape(match.group(0) if match else body)


def test_every_screen_has_a_help_page_in_both_languages(app):
    found = screens(app)
    assert "sales.show" in found and "auth.account" in found  # the rule finds screens...
    assert not {"api.products_index", "sales.invoice_pdf", "inventory.line", "catalog.photo",
                "auth.login", "static"} & set(found)  # ...and not the API, PDFs, fragments, files or sign-in
    for lang in pages.LANGUAGES:
        missing = [endpoint for endpoint in found if pages.get(page_for(endpoint), lang) is None]
        assert not missing, f"screens without a {lang} help page: {missing}"


def test_aliases_join_real_screens(app):
    found = set(screens(app))
    for endpoint, target in ALIASES.items():
        assert endpoint in found and target in found, (endpoint, target)


def test_each_page_has_the_fixed_sections(app):
    for lang, (purpose, tasks) in {"zh": ("用途", "常见任务"), "en": ("What it is for", "Common tasks")}.items():
        for page in pages.all_pages(lang).values():
            if page.name.startswith("quickstart."):
                continue
            assert page.source.startswith("# "), page.name
            assert purpose in page.sections and tasks in page.sections, (lang, page.name)
            assert re.search(r"^1\. ", page.sections[tasks], re.M), (lang, page.name)


def test_help_pages_name_only_fields_their_screen_shows(app, client, login):
    """Every bold label in a page's Fields section is on the screen, rendered for the owner in that language."""
    owner = login("owner")
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}

    def rendered(url, endpoint, headers) -> str:
        response = client.get(url, headers=headers)
        assert response.status_code in (200, 404), (endpoint, response.status_code)  # 404: an unknown barcode
        body = response.get_data(as_text=True)
        assert body.lstrip().lower().startswith("<!doctype html>"), endpoint  # a screen is a full page
        return main_text(body)

    early = {}

    def before_documents(world):
        with app.test_request_context():
            urls = {endpoint: screen_url(world, rules[endpoint]) for endpoint in screens(app)
                    if endpoint.startswith(BEFORE_DOCUMENTS)}
        for endpoint, url in urls.items():
            for lang, headers in LANGS.items():
                early[endpoint, lang] = early.get((endpoint, lang), "") + rendered(url, endpoint, headers)

    world = screen_world(owner, before_documents)
    with app.test_request_context():
        urls = {endpoint: screen_url(world, rules[endpoint]) for endpoint in screens(app)}
    checked = 0
    for endpoint, url in urls.items():
        for lang, headers in LANGS.items():
            page = pages.get(page_for(endpoint), lang)
            text = rendered(url, endpoint, headers) + early.get((endpoint, lang), "")
            for label in page.fields:
                assert label in text, f"{lang}/{page.name}.md names “{label}”, which {url} ({endpoint}) lacks"
                checked += 1
    assert checked > 300


def test_fields_are_the_bold_labels_of_the_fields_section():
    zh = pages.parse("x", "zh", "# 标题\n\n## 用途\n\n- **不算**：用途里的粗体\n\n## 字段\n\n- **单价**：价格\n- **折扣 %**：折扣\n")
    en = pages.parse("x", "en", "# Title\n\n## Fields\n\n- **Unit price**: the price\n* **Discount %**: off\n")
    assert zh.fields == ["单价", "折扣 %"] and en.fields == ["Unit price", "Discount %"]


def test_search_finds_pages_by_a_chinese_word(client, login):
    login("finance")
    body = client.get("/help", query_string={"q": "核销"}, headers=ZH).get_data(as_text=True)
    assert 'href="/help/finance.receipt_new"' in body
    assert "找到" in body
    one = client.get("/help", query_string={"q": "账龄"}, headers=ZH).get_data(as_text=True)
    assert 'href="/help/reports.receivables_aging"' in one.split("全部帮助页面")[0]  # a result, not just listed
    english = client.get("/help", query_string={"q": "credit note"}, headers=EN).get_data(as_text=True)
    assert 'href="/help/sales.return_show"' in english.split("All help pages")[0]


def test_the_index_lists_the_pages_of_screens_the_role_may_open(client, login):
    login("sales")
    body = client.get("/help", headers=ZH).get_data(as_text=True)
    assert 'href="/help/sales.show"' in body and 'href="/help/users.create"' not in body
    found = client.get("/help", query_string={"q": "用户"}, headers=ZH).get_data(as_text=True)
    assert "/help/users.create" not in found  # the owner's screens are not a salesperson's help


def test_search_with_no_match_says_what_to_do(client, login):
    login("sales")
    body = client.get("/help", query_string={"q": "不存在的词"}, headers=ZH).get_data(as_text=True)
    assert "没有帮助页面包含" in body and 'class="button small empty-action" href="/help"' in body
    fragment = client.get("/help", query_string={"q": "订单"}, headers={**ZH, "HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="help-results"')
    assert fragment.headers["Cache-Control"] == "no-store"


def test_a_help_page_renders_without_raw_html(app, client, login):
    hostile = pages.parse("x", "zh", "# 标题\n\n## 用途\n\n<script>alert(1)</script> <b onclick=\"x()\">粗</b>\n\n"
                                     "[点我](javascript:alert(1)) ![图](http://evil.example/x.png)\n")
    rendered = str(hostile.html)
    assert "<script" not in rendered and "<b " not in rendered and "&lt;script&gt;" in rendered
    assert "javascript:" not in rendered.replace("[点我](javascript:alert(1))", "")
    assert "<img" not in rendered  # pictures are off: one from elsewhere would break the CSP
    login("sales")
    response = client.get("/help/sales.show", headers=ZH)
    body = response.get_data(as_text=True)
    article = re.search(r'<article class="card help-page".*?</article>', body, re.S).group(0)
    assert "<h1>订单详情</h1>" in article and "<strong>单价</strong>" in article and "<ol>" in article
    assert "<script" not in article and " style=" not in article
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["nope", "..", "sales.show.md", "../etc/passwd", "SALES.SHOW", "x" * 300])
def test_unknown_help_pages_are_not_found(client, login, name):
    login("sales")
    assert client.get(f"/help/{name}").status_code == 404


def test_the_help_button_opens_the_current_screens_page(client, login):
    login("sales")
    body = client.get("/orders", headers=ZH).get_data(as_text=True)
    button = re.search(r'<a class="help-button" href="([^"]+)" aria-label="([^"]+)"', body)
    assert html.unescape(button.group(1)) == "/help/sales.index?back=/orders"
    assert button.group(2) == "本页帮助"
    page = client.get(html.unescape(button.group(1)), headers=ZH).get_data(as_text=True)
    assert "<h1>订单</h1>" in page and 'href="/orders"' in page  # back to the screen
    edit = client.get("/customers/new", headers=ZH).get_data(as_text=True)
    assert 'href="/help/partners.new?back=/customers/new"' in edit
    # Off-site "back" links are dropped.
    evil = client.get("/help/sales.index?back=//evil.example", headers=ZH).get_data(as_text=True)
    assert "evil.example" not in evil


def test_quick_start_shown_at_first_sign_in_then_reachable_from_me(app, client, login):
    user = login("sales")
    home = client.get("/", headers=ZH).get_data(as_text=True)
    assert "第一次使用？销售快速上手" in home
    assert "开始：给客户开单" in home and "开始：出库和开单" in home and "开始：收款" in home
    start = re.search(r'name="next" value="([^"]+)"', home).group(1)
    assert html.unescape(start) == "/orders?tour=sales.0.0"
    response = client.post("/help/quickstart/seen", data={"csrf_token": client.csrf, "next": html.unescape(start)})
    assert response.status_code == 302 and response.headers["Location"] == "/orders?tour=sales.0.0"
    assert db.session.get(User, user.id).quickstart_seen_at is not None
    assert "快速上手" not in client.get("/", headers=ZH).get_data(as_text=True)  # shown once
    account = client.get("/account", headers=ZH).get_data(as_text=True)
    assert 'href="/help/quickstart"' in account and "销售快速上手" in account
    again = client.get("/help/quickstart", headers=ZH).get_data(as_text=True)
    assert "给客户开单" in again and "知道了" not in again  # already seen: nothing to dismiss


def test_dismissing_the_quick_start_goes_home(client, login):
    user = login("warehouse")
    assert "仓管快速上手" in client.get("/", headers=ZH).get_data(as_text=True)
    response = client.post("/help/quickstart/seen", data={"csrf_token": client.csrf, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"  # never off-site
    assert db.session.get(User, user.id).quickstart_seen_at is not None
    assert "仓管快速上手" not in client.get("/", headers=ZH).get_data(as_text=True)


def test_the_tour_bar_walks_the_real_screens(client, login):
    login("sales")
    first = client.get("/orders?tour=sales.0.0", headers=ZH).get_data(as_text=True)
    bar = re.search(r'<section class="tour-bar".*?</section>', first, re.S).group(0)
    assert 'data-tour-target="新建订单"' in bar and "第 1 步，共 3 步" in bar
    assert html.unescape(re.search(r'href="([^"]+)">下一步', bar).group(1)) == "/orders/new?tour=sales.0.1"
    second = client.get("/orders/new?tour=sales.0.1", headers=ZH).get_data(as_text=True)
    assert "上一步" in second and "/orders?tour=sales.0.0" in html.unescape(second)
    # Another role's tour, or a step that does not exist, shows nothing.
    assert "tour-bar" not in client.get("/orders?tour=owner.0.0").get_data(as_text=True)
    assert "tour-bar" not in client.get("/orders?tour=sales.9.9").get_data(as_text=True)


def test_every_quick_start_step_opens_a_screen_the_role_may_open(app):
    for role in Role:
        for lang in pages.LANGUAGES:
            page = pages.get(f"quickstart.{role.value}", lang)
            assert page is not None and len(page.sections) == 3, (role, lang)
            for endpoint in ENDPOINT_LINK.findall(page.source):
                view = app.view_functions.get(endpoint)
                assert view is not None and role in allowed_roles(view), (role, lang, endpoint)


LISTS = ["/orders", "/products", "/customers", "/purchase-orders", "/suppliers", "/receipts", "/invoices",
         "/adjustments", "/transfers", "/stocktakes/", "/receiving", "/warehouses", "/stock", "/users?q=无此人",
         "/audit?user_id=999", "/reports/statements?q=无此人", "/purchase-orders/suggestions"]


def test_empty_lists_say_what_to_do_and_link_to_it(client, login):
    login("owner")
    for url in LISTS:
        body = client.get(url, headers=ZH).get_data(as_text=True)
        empty = re.search(r'class="empty-state[^"]*"[^>]*>(.*?)</(li|p|div)>', body, re.S)
        assert empty, url
        link = re.search(r'<a class="button small empty-action" href="([^"]+)">([^<]+)</a>', empty.group(1))
        assert link and link.group(2).strip(), url
        assert client.get(html.unescape(link.group(1)).split("#")[0] or url).status_code == 200, (url, link.group(1))
        assert "没有数据" not in body and "No data" not in body


def test_a_new_customers_page_offers_the_first_order_and_receipt(client, login):
    seller = login("sales")
    customer = factories.customer(name="新客户", salesperson=seller)
    body = client.get(f"/customers/{customer.id}", headers=ZH).get_data(as_text=True)
    assert "还没有订单。给这个客户开第一张订单。" in body and "还没有收款。客户付款后在这里登记。" in body
    assert f'class="button small empty-action" href="/orders/new?customer_id={customer.id}"' in body
    assert f'class="button small empty-action" href="/receipts/new?customer_id={customer.id}"' in body
