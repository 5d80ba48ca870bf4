"""First run in a browser, in Chinese: an empty database opens the setup screen; filled in, the owner lands on home
with the go-live checklist. On a tablet (1024 x 768) and a phone (390 x 844)."""
import pytest
from playwright.sync_api import expect

from app import create_app
from app.config import TestConfig
from tests.browser.conftest import PHONE, TABLET, serving
from tests.browser.screens import snapshot
from tests.browser.test_axe_screens import walk


@pytest.fixture
def first_run_server(database):
    """A server with the first-run redirect on, as in production (TestConfig leaves it off)."""
    with serving(create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database, SECRET_KEY="test",
                            FIRST_RUN_SETUP=True)) as url:
        yield url


@pytest.mark.browser_expects("console", r"status of 404 .* at .*/setup$")  # the setup is gone once done
@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_empty_database_sets_up_and_lands_on_the_checklist(app, chromium, judge, first_run_server, viewport):
    context = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=first_run_server,
                                   has_touch=viewport["width"] < 768, service_workers="block")
    context.set_default_timeout(10_000)
    judge.watch(context)
    try:
        page = context.new_page()
        page.goto("/")
        assert page.url.endswith("/setup")
        expect(page.get_by_role("heading", name="设置 JXC", exact=True)).to_be_visible()
        problems = walk(page, [("setup start empty", "/setup")])  # axe-core and 44 px targets
        assert not problems, "\n".join(problems)
        page.get_by_label("公司名称", exact=True).fill("杭州青禾贸易有限公司")
        page.get_by_label("英文名称", exact=True).fill("Hangzhou Qinghe Trading Co., Ltd.")
        page.get_by_label("税号", exact=True).fill("91330100MA2AB1234X")
        page.get_by_label("地址", exact=True).fill("杭州市西湖区文三路 90 号")
        page.get_by_label("电话", exact=True).fill("0571-8888 6666")
        page.get_by_label("开户行", exact=True).fill("工商银行杭州文三支行")
        page.get_by_label("银行账号", exact=True).fill("1202 0212 0900 1234 567")
        page.get_by_label("会计年度起始月", exact=True).select_option("1")
        page.get_by_label("第一个仓库", exact=True).fill("总仓")
        page.get_by_label("用户名", exact=True).fill("qinghe")
        page.get_by_label("姓名", exact=True).fill("陈总")
        page.get_by_label("密码", exact=True).fill("a long secret")
        page.get_by_label("再次输入密码", exact=True).fill("a long secret")
        button = page.get_by_role("button", name="开始使用 JXC", exact=True)
        assert button.bounding_box()["height"] >= 44
        with page.expect_navigation():
            button.click()
        assert page.url.rstrip("/") == first_run_server
        checklist = page.locator("#golive")
        expect(checklist.get_by_role("heading", name="上线清单 2/9")).to_be_visible()
        expect(checklist.get_by_role("link", name="邀请员工", exact=False)).to_be_visible()
        expect(page.locator(".golive-step.done")).to_have_count(2)
        problems = walk(page, [("setup home checklist", "/")])
        assert not problems, "\n".join(problems)
        page.goto("/setup")  # gone for good
        assert "404" in page.title() or page.locator("h1").first.inner_text() != "设置 JXC"
    finally:
        context.close()


@pytest.mark.browser_expects("console", r"status of 422 .* at .*/setup/clear-demo$")  # the wrong name, on purpose
@pytest.mark.browser_expects("console", r"status of 404 .* at .*/setup/clear-demo$")  # nothing left to clear
def test_demo_owner_clears_the_demo_on_a_phone(app, new_page):
    from app.demo import DEMO_PASSWORD, load_demo
    from app.extensions import db
    load_demo()
    db.session.commit()
    page = new_page(PHONE)
    page.goto("/login")
    page.locator("input[name=username]").fill("boss")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录", exact=True).tap()
    with page.expect_navigation():
        page.get_by_role("link", name="清除演示数据，开始正式使用").tap()
    expect(page.get_by_role("heading", name="将被清除")).to_be_visible()
    problems = walk(page, [("setup clear demo", "/setup/clear-demo"), ("setup settings demo", "/settings"),
                           ("setup home demo", "/")])
    assert not problems, "\n".join(problems)
    page.goto("/setup/clear-demo")
    field = page.get_by_label("输入公司名称以确认", exact=True)
    field.fill("上海鼎盛")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="清除演示数据，开始正式使用").tap()
    expect(page.locator(".field.invalid")).to_be_visible()  # a wrong name: refused, nothing cleared
    page.get_by_label("输入公司名称以确认", exact=True).fill("上海鼎盛商贸有限公司")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="清除演示数据，开始正式使用").tap()
    expect(page.locator("#golive")).to_be_visible()
    expect(page.locator(".golive-step.done")).to_have_count(0)
    snapshot(page, "setup home after clearing")
    page.goto("/settings")
    snapshot(page, "setup settings after clearing")
    page.goto("/setup/clear-demo")
    assert page.locator("input[name=company_name]").count() == 0  # nothing left to clear: 404
