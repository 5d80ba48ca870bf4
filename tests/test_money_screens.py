"""The money screens: only the owner and finance reach them; forms write once, refuse with the reason (422) and
nothing written; the photo of a receipt comes back resized; a statement uploads and matches."""
import io
from datetime import timedelta

import pytest
from flask import url_for
from PIL import Image
from sqlalchemy import func, select

from app.books import chart
from app.books.models import BankStatementLine, Expense, ExpenseCategory, MoneyAccount, MoneyTransfer
from app.checks import run_all
from app.db_types import business_today
from app.extensions import db
from app.forms import new_key
from tests import factories


@pytest.fixture(autouse=True)
def english(app, client):
    """English screens over the seeded books (a page only reads them: seeding is kept by the first write)."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    chart.ensure()
    db.session.commit()


def money_urls(app) -> list[tuple[str, str]]:
    with app.test_request_context():
        return [(method, url_for(rule.endpoint, **{name: 1 for name in rule.arguments}))
                for rule in app.url_map.iter_rules() if rule.endpoint.startswith("money.")
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


@pytest.mark.parametrize("role", ["sales", "warehouse", "purchasing"])
def test_other_roles_get_403_on_every_money_screen(app, client, login, role):
    login(role)
    urls = money_urls(app)
    assert len(urls) >= 14
    for method, url in urls:
        assert client.open(url, method=method, headers={"X-CSRFToken": client.csrf}).status_code == 403, (method, url)


def _account(name) -> MoneyAccount:
    return db.session.scalar(select(MoneyAccount).where(MoneyAccount.name == name))


def test_finance_adds_an_account_and_sees_it_with_its_balance(client, login):
    factories.user("owner")  # flask check wants one
    login("finance")
    assert client.get("/money/").status_code == 200
    page = client.post("/money/accounts/new", data={
        "csrf_token": client.csrf, "idempotency_key": new_key(), "name": "招商银行", "kind": "bank",
        "opening_balance": "2,000", "opened_on": business_today().isoformat(), "active": "y"})
    assert page.status_code == 422 and "Enter a number." in page.get_data(as_text=True)
    key = new_key()
    data = {"csrf_token": client.csrf, "idempotency_key": key, "name": "招商银行", "kind": "bank",
            "opening_balance": "2000.00", "opened_on": business_today().isoformat(), "active": "y"}
    first = client.post("/money/accounts/new", data=data)
    assert first.status_code == 302 and client.post("/money/accounts/new", data=data).location == first.location
    account = _account("招商银行")
    html = client.get("/money/").get_data(as_text=True)
    assert "招商银行" in html and "2,000.00" in html
    statement = client.get(first.location).get_data(as_text=True)
    assert "Opening balance of a money account" in statement and "2,000.00" in statement
    assert db.session.scalar(select(func.count()).select_from(MoneyAccount).where(MoneyAccount.name == "招商银行")) == 1
    assert client.get(f"/money/accounts/{account.id}/edit").status_code == 200
    assert run_all() == []


def test_a_refused_transfer_shows_why_and_writes_nothing(client, login):
    login("owner")
    client.get("/money/transfers/new")
    cash = _account("现金")
    page = client.post("/money/transfers/new", data={
        "csrf_token": client.csrf, "idempotency_key": new_key(), "from_account_id": cash.id, "to_account_id": cash.id,
        "amount": "10", "moved_on": business_today().isoformat()})
    assert page.status_code == 422 and "Choose two different accounts." in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MoneyTransfer)) == 0
    done = client.post("/money/transfers/new", data={
        "csrf_token": client.csrf, "idempotency_key": new_key(), "from_account_id": cash.id,
        "to_account_id": _account("银行存款").id, "amount": "10", "moved_on": business_today().isoformat()})
    assert done.status_code == 302 and "MT-" in client.get("/money/transfers").get_data(as_text=True)
    assert run_all() == []


def _jpeg(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_an_expense_with_a_photo_is_recorded_once_and_the_photo_served_resized(client, login):
    login("owner")
    form = client.get("/money/expenses/new").get_data(as_text=True)
    assert 'capture="environment"' in form and 'accept="image/*"' in form
    rent = db.session.scalar(select(ExpenseCategory).where(ExpenseCategory.name == "房租"))
    data = {"csrf_token": client.csrf, "idempotency_key": new_key(), "category_id": rent.id,
            "money_account_id": _account("现金").id, "amount": "100", "tax": "", "spent_on": business_today().isoformat(),
            "supplier_id": "", "notes": "门面"}
    refused = client.post("/money/expenses/new", data={**data, "photo": (io.BytesIO(b"not an image"), "a.jpg")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "Upload a PNG, JPEG or WebP image." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Expense)) == 0
    done = client.post("/money/expenses/new", data={**data, "photo": (io.BytesIO(_jpeg(3000, 2000)), "fapiao.jpg")},
                       content_type="multipart/form-data")
    assert done.status_code == 302
    expense = db.session.scalar(select(Expense))
    page = client.get(done.location).get_data(as_text=True)
    assert "门面" in page and f"/money/expenses/{expense.id}/photo" in page
    photo = client.get(f"/money/expenses/{expense.id}/photo")
    assert photo.mimetype == "image/jpeg" and Image.open(io.BytesIO(photo.data)).size == (1600, 1067)
    listed = client.get(f"/money/expenses?month={business_today():%Y-%m}&category={rent.id}").get_data(as_text=True)
    assert expense.number in listed and "100.00" in listed
    other = client.get(f"/money/expenses?month=2001-01").get_data(as_text=True)
    assert expense.number not in other
    assert run_all() == []


def test_categories_are_added_and_renamed(client, login):
    login("finance")
    html = client.get("/money/categories").get_data(as_text=True)
    assert "房租" in html and "560201" in html
    rent = db.session.scalar(select(ExpenseCategory).where(ExpenseCategory.name == "房租"))
    page = client.post(f"/money/categories/{rent.id}", data={"csrf_token": client.csrf, "name": "门店房租",
                                                              "account_id": rent.account_id, "active": "y"})
    assert page.status_code == 303
    db.session.refresh(rent)
    assert rent.name == "门店房租"
    added = client.post("/money/categories", data={"csrf_token": client.csrf, "idempotency_key": new_key(),
                                                   "name": "快递", "direction": "expense", "account_id": ""})
    assert added.status_code == 422


def test_a_statement_uploads_and_a_line_is_matched_by_hand(client, login):
    owner = login("owner")
    client.get("/money/")
    cash = _account("现金")
    from app.money import expenses
    freight = db.session.scalar(select(ExpenseCategory).where(ExpenseCategory.name == "运费"))
    spent = business_today() - timedelta(days=8)
    expenses.create_expense(owner, {"category_id": freight.id, "money_account_id": cash.id, "amount": "66.00",
                                    "spent_on": spent})
    db.session.commit()
    statement = factories.xlsx(["交易日期", "摘要", "收入", "支出", "流水号"],
                               [[business_today().isoformat(), "运费", "", "66.00", "R1"]])
    done = client.post(f"/money/accounts/{cash.id}/reconcile", data={
        "csrf_token": client.csrf, "file": (io.BytesIO(statement), "bank.xlsx")}, content_type="multipart/form-data")
    assert done.status_code == 303
    line = db.session.scalar(select(BankStatementLine))
    assert line.voucher_line_id is None  # eight days apart: not matched by itself
    page = client.get(done.location + f"?from={spent.isoformat()}").get_data(as_text=True)
    assert "运费" in page and f'name="voucher_line_id"' in page
    candidate = int(page.split('<option value="')[1].split('"')[0])
    client.post(f"/money/accounts/{cash.id}/reconcile/match", data={"csrf_token": client.csrf, "line_id": line.id,
                                                                     "voucher_line_id": candidate})
    db.session.refresh(line)
    assert line.voucher_line_id == candidate
    bad = client.post(f"/money/accounts/{cash.id}/reconcile", data={
        "csrf_token": client.csrf, "file": (io.BytesIO(b"a,b\n1,2\n"), "bank.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "No header row" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BankStatementLine)) == 1
    removed = client.post(f"/money/accounts/{cash.id}/reconcile/remove", data={
        "csrf_token": client.csrf, "from": business_today().isoformat(), "to": business_today().isoformat()})
    assert removed.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(BankStatementLine)) == 0
