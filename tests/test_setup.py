"""First run: the setup screen while no user exists, the business time zone, clearing the demo, and the go-live
checklist on the owner's home."""
import html
import io
import re
import subprocess
import threading
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from flask import g
from PIL import Image
from sqlalchemy import func, select

from app import create_app
from app.audit.models import AuditEntry
from app.auth import services as auth
from app.auth.models import ApiToken, User, UserSession
from app.auth import two_factor
from app.auth.roles import Role
from app.checks import run_all
from app.config import TestConfig
from app.demo import load_demo
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.inventory.models import StockMove, StockMoveTotal, Warehouse
from app.partners.models import Supplier
from app.settings import services as settings
from app.settings.models import CompanySettings
from app.setup import checklist, demo_clear, services
from tests import factories
from tests.conftest import PASSWORD, csrf_token


@pytest.fixture(autouse=True)
def first_run_setup(client):
    """The redirect to setup, as in production (TestConfig leaves it off for the rest of the suite)."""
    client.application.config["FIRST_RUN_SETUP"] = True


def setup_form(**overrides):
    values = {"name": "杭州青禾贸易有限公司", "name_en": "Hangzhou Qinghe Trading", "tax_number": "91330100MA2AB1234X",
              "address": "杭州市西湖区文三路 90 号", "phone": "0571-8888 6666", "bank_name": "工商银行杭州文三支行",
              "bank_account": "1202 0212 0900 1234 567", "currency": "CNY", "default_tax_rate": "13",
              "timezone": "Asia/Shanghai", "fiscal_year_start_month": "4", "warehouse_name": "总仓",
              "username": "qinghe", "display_name": "陈总", "password": "a long secret", "confirm": "a long secret"}
    return values | overrides


def post_setup(client, **overrides):
    data = setup_form(**overrides) | {"csrf_token": csrf_token(client, "/setup")}
    return client.post("/setup", data=data)


def table_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


# ---- the setup screen ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/login", "/products", "/settings"])
def test_every_page_leads_to_setup_while_no_user_exists(client, path):
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/setup"
    page = response.get_data(as_text=True)
    assert 'name="warehouse_name"' in page and 'name="confirm"' in page


def test_setup_screen_is_chinese_first_and_htmx_is_sent_there_too(client):
    page = client.get("/setup").get_data(as_text=True)
    assert "设置" in page or "公司" in page
    response = client.get("/", headers={"HX-Request": "true"})
    # enforce sends anonymous htmx requests to sign-in; sign-in then leads to setup
    assert response.status_code == 204 and "HX-Redirect" in response.headers
    assert client.get("/login", headers={"HX-Request": "true"}).headers["HX-Redirect"] == "/setup"


def test_setup_makes_company_warehouse_and_owner_and_signs_in(client, app):
    response = post_setup(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    owner = db.session.scalar(select(User))
    assert (owner.username, owner.role, owner.display_name) == ("qinghe", Role.OWNER, "陈总")
    company = db.session.get(CompanySettings, settings.SETTINGS_ID)
    assert (company.name, company.name_en, company.bank_account, company.timezone, company.fiscal_year_start_month,
            company.is_demo) == ("杭州青禾贸易有限公司", "Hangzhou Qinghe Trading", "1202 0212 0900 1234 567",
                                 "Asia/Shanghai", 4, False)
    assert company.default_tax_rate == Decimal("13.00")
    warehouse = db.session.scalar(select(Warehouse))
    assert (warehouse.name, warehouse.is_default) == ("总仓", True)
    assert "setup.complete" in db.session.scalars(select(AuditEntry.action)).all()
    home = client.get("/")
    assert home.status_code == 200  # signed in
    page = home.get_data(as_text=True)
    assert 'id="golive"' in page


def test_setup_answers_404_once_a_user_exists(client):
    factories.user(role="sales")
    assert client.get("/setup").status_code == 404
    response = client.post("/setup", data=setup_form() | {"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert client.get("/login").status_code == 200  # sign-in is back


def test_two_setups_racing_make_one_owner(app, database):
    """Each in its own app and connection, as two browsers would be: the second waits for the first to commit,
    then finds its owner and is refused."""
    results, barrier = [], threading.Barrier(2)

    def run(username):
        other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database, SECRET_KEY="test")
        with other.app_context():
            try:
                barrier.wait()
                services.set_up(setup_form(username=username))
                time.sleep(0.3)  # hold the transaction open while the other one tries
                db.session.commit()
                results.append("owner")
            except services.AlreadySetUp:
                db.session.rollback()
                results.append("refused")
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["owner", "refused"]
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalar(select(func.count()).select_from(Warehouse)) == 1


def test_second_setup_is_refused_inside_the_transaction(app):
    services.set_up(setup_form())
    db.session.commit()
    with pytest.raises(services.AlreadySetUp):
        services.set_up(setup_form(username="another"))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize("field, value, message", [
    ("name", "", None),
    ("warehouse_name", "", None),
    ("username", "有 空格", "2 to 64"),
    ("password", "short", None),
    ("confirm", "something else", None),
    ("default_tax_rate", "abc", None),
    ("default_tax_rate", "101", None),
    ("timezone", "Mars/Olympus", None),
    ("fiscal_year_start_month", "13", None),
    ("currency", "XXX", None),
    ("bank_account", "9" * 51, None),
])
def test_bad_setup_input_is_422_with_the_field_and_writes_nothing(client, field, value, message):
    client.application.config["BABEL_DEFAULT_LOCALE"] = "en"
    before = table_counts()
    response = post_setup(client, **{field: value})
    assert response.status_code == 422, field
    page = response.get_data(as_text=True)
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="{field}"', page), field
    db.session.rollback()
    assert table_counts() == before
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_bad_logo_is_422_and_a_good_one_is_kept(client):
    response = client.post("/setup", data=setup_form() | {"csrf_token": csrf_token(client, "/setup"),
                                                          "logo": (io.BytesIO(b"not an image"), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    png = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(png, "PNG")
    png.seek(0)
    response = client.post("/setup", data=setup_form() | {"csrf_token": csrf_token(client, "/setup"),
                                                          "logo": (png, "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.get(CompanySettings, settings.SETTINGS_ID).logo_png


# ---- the business time zone ----------------------------------------------------------------------------------------

def test_business_timezone_is_the_setting_with_config_as_default(app):
    app.config["TIMEZONE"] = "Asia/Tokyo"
    assert settings.business_timezone() == "Asia/Tokyo"
    owner = factories.user()
    settings.update_company(owner, {"name": "X", "currency": "CNY", "default_tax_rate": "13",
                                    "timezone": "Europe/London"})
    assert settings.business_timezone() == "Europe/London"
    from app.db_types import business_today
    assert business_today() == datetime.now(timezone.utc).astimezone(settings.business_zone()).date()


def test_business_timezone_read_alone_follows_a_change_made_elsewhere(app, client, login):
    """Without the settings row loaded, the zone is one column read once a transaction: a change saved by another
    request shows in this context's next transaction, not a zone kept on g from before."""
    login("owner")
    g.pop("company", None)
    assert settings.business_timezone() == app.config["TIMEZONE"] != "Europe/London"
    response = client.post("/settings", data={
        "csrf_token": client.csrf, "name": "青禾", "currency": "CNY", "default_tax_rate": "13",
        "timezone": "Europe/London", "max_sales_discount_pct": "10", "receipt_tolerance_pct": "0"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.rollback()  # (the test client's request has ended this context's transaction already)
    assert "company" not in g and settings.business_timezone() == "Europe/London"


def test_only_one_function_reads_the_configured_timezone():
    """Every date computation asks settings.services.business_timezone, so none can follow another calendar."""
    root = Path(__file__).resolve().parent.parent / "app"
    readers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                     if re.search(r"""config\[["'](BABEL_DEFAULT_)?TIMEZONE["']\]""", path.read_text()))
    assert readers == ["settings/services.py"]


def test_ledger_totals_follow_the_business_timezone_setting(app):
    owner = factories.user()
    settings.update_company(owner, {"name": "X", "currency": "CNY", "default_tax_rate": "13",
                                    "timezone": "America/Los_Angeles"})
    db.session.commit()
    factories.stock(factories.product(), factories.warehouse(), 5)
    move = db.session.scalar(select(StockMove))
    local = move.created_at.astimezone(settings.business_zone()).date().replace(day=1)
    assert db.session.scalar(select(StockMoveTotal.starts_on).where(StockMoveTotal.grain == "month")) == local
    assert run_all() == []


def test_timezone_cannot_change_once_stock_has_moved(app):
    owner = factories.user()
    factories.stock(factories.product(), factories.warehouse(), 5)
    values = {"name": "X", "currency": "CNY", "default_tax_rate": "13"}
    settings.update_company(owner, values | {"timezone": settings.business_timezone()})  # the same zone is fine
    with pytest.raises(BusinessRuleError) as refused:
        settings.update_company(owner, values | {"timezone": "Europe/Berlin"})
    assert refused.value.field == "timezone"


def test_settings_screen_shows_and_saves_the_new_fields(client, login):
    login("owner")
    page = client.get("/settings").get_data(as_text=True)
    for name in ("name_en", "bank_name", "bank_account", "timezone", "fiscal_year_start_month"):
        assert f'name="{name}"' in page
    response = client.post("/settings", data={
        "csrf_token": client.csrf, "name": "青禾", "name_en": "Qinghe", "bank_name": "工商银行", "bank_account": "123",
        "currency": "CNY", "default_tax_rate": "13", "timezone": "Asia/Hong_Kong", "fiscal_year_start_month": "7",
        "max_sales_discount_pct": "10", "receipt_tolerance_pct": "0"})
    assert response.status_code == 302, response.get_data(as_text=True)
    company = db.session.get(CompanySettings, settings.SETTINGS_ID)
    assert (company.name_en, company.bank_name, company.timezone, company.fiscal_year_start_month) == (
        "Qinghe", "工商银行", "Asia/Hong_Kong", 7)


def test_settings_screen_locks_the_timezone_once_stock_has_moved(client, login):
    login("owner")
    factories.stock(factories.product(), factories.warehouse(), 1)
    page = client.get("/settings").get_data(as_text=True)
    assert re.search(r'<select[^>]*disabled[^>]*name="timezone"|<select[^>]*name="timezone"[^>]*disabled', page)
    response = client.post("/settings", data={
        "csrf_token": client.csrf, "name": "青禾", "currency": "CNY", "default_tax_rate": "13",
        "timezone": "Europe/Berlin", "max_sales_discount_pct": "10", "receipt_tolerance_pct": "0"})
    assert response.status_code == 422


# ---- clearing the demo ---------------------------------------------------------------------------------------------

@pytest.fixture
def demo(app):
    load_demo()
    db.session.commit()
    return db.session.scalar(select(User).where(User.username == "boss"))


def sign_in_boss(client):
    response = client.post("/login", data={"username": "boss", "password": "demo1234",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    client.csrf = csrf_token(client, "/")


def test_demo_is_marked_and_its_owner_is_offered_to_clear_it(client, demo):
    assert settings.company().is_demo
    sign_in_boss(client)
    home = client.get("/").get_data(as_text=True)
    assert "/setup/clear-demo" in home and 'id="golive"' not in home  # a demo's ticks say nothing of going live
    assert "/setup/clear-demo" in client.get("/settings").get_data(as_text=True)
    page = client.get("/setup/clear-demo").get_data(as_text=True)
    assert "上海鼎盛商贸有限公司" in page


def test_the_demo_logins_need_no_second_factor_but_a_real_company_starts_with_owner_and_finance(client, demo):
    """The printed demo logins sign straight in; once the demo is cleared the default (owner, finance) applies."""
    client.application.config["TWO_FACTOR_DEFAULT_ROLES"] = ("owner", "finance")
    sign_in_boss(client)
    assert client.get("/").status_code == 200
    demo_clear.clear_demo(demo, "上海鼎盛商贸有限公司")
    db.session.commit()
    with client.application.app_context():
        assert two_factor.required_roles() == {Role.OWNER, Role.FINANCE}


def test_clearing_refuses_a_wrong_company_name_and_writes_nothing(client, demo):
    sign_in_boss(client)
    before = table_counts()
    response = client.post("/setup/clear-demo", data={"csrf_token": client.csrf, "company_name": "上海鼎盛"})
    assert response.status_code == 422
    db.session.rollback()
    after = table_counts()
    # signing in wrote the session row and the last sign-in; nothing else moved
    assert {k: v for k, v in after.items() if k != "user_session"} == {
        k: v for k, v in before.items() if k != "user_session"}
    assert settings.company().is_demo


def test_clearing_keeps_the_owner_and_the_audit_log_and_empties_everything_else(client, demo):
    boss = demo
    factories.user_with_token(role="sales", username="extra_sales")  # another user's token goes too
    auth.create_token(boss, "owner's own")
    db.session.commit()
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    sign_in_boss(client)
    response = client.post("/setup/clear-demo", data={"csrf_token": client.csrf,
                                                      "company_name": " 上海鼎盛商贸有限公司 "})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.rollback()
    counts = table_counts()
    assert db.session.scalars(select(User.username)).all() == ["boss"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) > audit_before
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "demo.clear"))
    assert entry.user_id == boss.id and entry.changes["company"][0] == "上海鼎盛商贸有限公司"
    assert db.session.scalars(select(ApiToken.name)).all() == ["owner's own"]
    assert set(db.session.scalars(select(UserSession.user_id))) == {boss.id}
    kept = {"user", "user_session", "api_token", "audit_entry"}
    assert {name: n for name, n in counts.items() if n and name not in kept} == {}
    g.pop("company", None)  # the test's own copy of the deleted row
    assert not settings.company().is_demo and settings.company().name == ""
    assert run_all() == []
    home = client.get("/")  # still signed in, with the checklist
    assert home.status_code == 200 and 'id="golive"' in home.get_data(as_text=True)
    assert client.get("/setup/clear-demo").status_code == 404  # nothing left to clear


def test_clear_demo_is_for_the_owner_of_a_demo_only(client, login, app):
    login("finance")
    assert client.get("/setup/clear-demo").status_code == 403


def test_clear_demo_service_refuses_a_real_database(app):
    owner = factories.user()
    with pytest.raises(InvalidState):
        demo_clear.clear_demo(owner, "")


def test_every_table_is_cleared_unless_kept(app):
    """A table added later is cleared by default: only the keep-list and the owner's rows survive."""
    names = {table.name for table in db.metadata.sorted_tables}
    assert set(demo_clear.what_goes()) == names - demo_clear.KEEP
    assert demo_clear.KEEP == {"audit_entry"}


def test_demo_can_be_set_up_again_after_clearing(app, demo):
    demo_clear.clear_demo(demo, "上海鼎盛商贸有限公司")
    db.session.commit()
    # numbering starts again and the owner can make the first warehouse and products
    factories.warehouse(code="MAIN")
    factories.stock(factories.product(sku="NEW-1"), db.session.scalar(select(Warehouse)), 2)
    assert run_all() == []


# ---- the go-live checklist -----------------------------------------------------------------------------------------

def done_keys() -> set[str]:
    return {item.step.key for item in checklist.items() if item.done}


def test_checklist_ticks_itself_from_the_data(app):
    owner = factories.user()
    assert done_keys() == set()
    settings.update_company(owner, {"name": "青禾", "address": "杭州", "phone": "0571", "currency": "CNY",
                                    "default_tax_rate": "13"})
    warehouse = factories.warehouse()
    assert done_keys() == {"company", "warehouses"}
    factories.user(role="sales")
    product = factories.product()
    assert done_keys() == {"company", "warehouses", "users", "products"}
    factories.stock(product, warehouse, 10)
    customer = factories.customer()
    db.session.add(Supplier(name="供应商甲"))
    db.session.commit()
    assert {"opening_stock", "customers", "suppliers"} <= done_keys()
    settings.set_opening_balances_done(owner, True)
    factories.order(customer, [(product, 1)], actor=owner, warehouse=warehouse, confirm=True)
    assert done_keys() == {step.key for step in checklist.STEPS}
    assert checklist.for_home(owner) is None  # all done: it disappears


def test_opening_stock_ticks_on_opening_moves_only(app):
    from app.inventory import services as inventory
    owner = factories.user()
    warehouse, product = factories.warehouse(), factories.product()
    inventory.create_adjustment(owner, warehouse.id, "other_in", "进货", [inventory.LineInput(product.id, Decimal(3))])
    db.session.commit()
    assert not checklist.opening_stock_done()  # an adjustment is not opening stock
    factories.stock(product, warehouse, 2)
    assert checklist.opening_stock_done()


@pytest.mark.parametrize("side", ["receivable", "payable"])
def test_opening_balances_tick_once_one_is_entered(app, side):
    from datetime import date

    from app.opening import services as opening
    owner = factories.user()
    assert not checklist.opening_balances_done()
    partner = factories.customer() if side == "receivable" else factories.supplier()
    opening.create_opening_item(owner, {"receivable": opening.RECEIVABLE, "payable": opening.PAYABLE}[side], partner,
                                {"reference": "OLD-1", "issued_on": date(2026, 11, 1), "amount": "100.00"})
    db.session.commit()
    assert checklist.opening_balances_done()
    assert checklist.for_home(owner) is not None  # other steps are still to do


def test_checklist_is_the_owners_only_and_can_be_hidden(client, login):
    owner = login("owner")
    page = client.get("/").get_data(as_text=True)
    assert 'id="golive"' in page
    for step in checklist.STEPS:
        assert f'href="{client.application.url_map.bind("").build(step.endpoint, step.args)}"' in page
    response = client.post("/setup/checklist", data={"csrf_token": client.csrf, "hidden": "1"})
    assert response.status_code == 302
    assert 'id="golive"' not in client.get("/").get_data(as_text=True)
    assert "Show the go-live checklist" in client.get("/settings", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    client.post("/setup/checklist", data={"csrf_token": client.csrf, "hidden": "0"})
    assert 'id="golive"' in client.get("/").get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.user_id == owner.id,
                                                      AuditEntry.action == "settings.update"))


def test_opening_balances_can_be_marked_done_by_the_owner(client, login):
    login("owner")
    response = client.post("/setup/opening-balances", data={"csrf_token": client.csrf, "done": "1"})
    assert response.status_code == 302
    assert checklist.opening_balances_done()


def test_no_checklist_for_other_roles(client, login):
    login("sales")
    assert 'id="golive"' not in client.get("/").get_data(as_text=True)
    assert client.post("/setup/checklist", data={"csrf_token": client.csrf, "hidden": "1"}).status_code == 403


def test_printed_quotation_carries_the_english_name_and_the_bank_account(client, login):
    owner = login("owner")
    settings.update_company(owner, {"name": "青禾", "name_en": "Qinghe Trading", "bank_name": "工商银行文三支行",
                                    "bank_account": "1202 0212", "currency": "CNY", "default_tax_rate": "13"})
    db.session.commit()
    order = factories.order(factories.customer(), [(factories.product(), 1)], actor=owner,
                            warehouse=factories.warehouse())
    response = client.get(f"/orders/{order.id}/quotation.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Qinghe Trading" in text and "工商银行文三支行" in text and "1202 0212" in text


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


# ---- help pages ----------------------------------------------------------------------------------------------------

HELP = Path(__file__).resolve().parent.parent / "docs" / "help"


@pytest.mark.parametrize("language, accept", [("zh", "zh-CN"), ("en", "en")])
def test_help_pages_name_only_fields_their_screens_have(client, language, accept):
    setup_page = client.get("/setup", headers={"Accept-Language": accept}).get_data(as_text=True)
    load_demo()
    db.session.commit()
    client.post("/login", data={"username": "boss", "password": "demo1234", "csrf_token": csrf_token(client)})
    clear_page = client.get("/setup/clear-demo", headers={"Accept-Language": accept}).get_data(as_text=True)
    for endpoint, page in (("setup.start", setup_page), ("setup.clear_demo", clear_page)):
        text = (HELP / language / f"{endpoint}.md").read_text()
        assert text.startswith("# ")
        labels = re.findall(r"^- \*\*(.+?)\*\*", text, re.M)
        assert labels, endpoint
        for label in labels:
            assert f">{label}</label>" in html.unescape(page), (endpoint, label)
