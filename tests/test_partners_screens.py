"""Customer screens: the list (page and fragment, pinyin search, filters, balances), the customer page,
the form (create, 422s that write nothing, double taps, reassigning), scope and roles."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.db_types import business_today
from app.extensions import db
from app.partners.models import Customer, PriceLevel
from tests import factories

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", **EN}


def html(response) -> str:
    return response.get_data(as_text=True)


def get(client, url, **headers):
    return client.get(url, headers={**EN, **headers})


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data}, headers=EN)


def invalid(page: str, field: str) -> bool:
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field}"[^>]*>', page).group(0)
    return 'aria-invalid="true"' in tag


def count(model, **where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def fields(**overrides):
    return {"name": "华强电子", "contact": "王经理", "phone": "0755-8888 6666", "mobile": "138 0013 8000",
            "email": "wang@example.com", "address": "深圳市福田区华强北路1号", "tax_number": "91440300MA5",
            "bank_name": "招商银行", "bank_account": "6225888866668888", "credit_limit": "5000",
            "payment_terms_days": "45", "price_level": "wholesale", "discount_pct": "0",
            "notes": "周一送货", "tags": "VIP, 电子", "idempotency_key": "k1", **overrides}


def invoiced(customer, actor, qty=2, price="100.00", overdue_days=0):
    """Deliver and invoice an order for `customer` through the services; the invoice is due `overdue_days` ago."""
    from app.sales.fulfilment import QtyInput, deliver, invoice_order
    warehouse, product = factories.warehouse(), factories.product()
    factories.stock(product, warehouse, 10)
    order = factories.order(customer, [(product, qty, price)], actor=actor, warehouse=warehouse, confirm=True)
    deliver(actor, order, [QtyInput(order.lines[0].id, qty)])
    invoice = invoice_order(actor, order)
    if overdue_days:
        invoice.due_on = business_today() - timedelta(days=overdue_days)
    db.session.commit()
    return invoice


# --- the list ------------------------------------------------------------------------------------

def test_list_is_a_page_a_fragment_and_pages_of_cards(client, login, monkeypatch):
    monkeypatch.setattr("app.partners.routes.PER_PAGE", 2)
    for name in ("甲公司", "乙公司", "丙公司"):
        factories.customer(name)
    login("owner", locale="en")
    page, fragment = get(client, "/customers"), get(client, "/customers", **HX)
    boosted = get(client, "/customers", **HX, **{"HX-Boosted": "true"})
    assert "<html" in html(page) and "<html" in html(boosted) and "+ New customer" in html(page)
    assert html(fragment).lstrip().startswith('<ul class="customer-cards" id="customer-list"')
    assert fragment.headers["Cache-Control"] == "no-store" and "HX-Request" in fragment.headers["Vary"]
    sentinel = re.search(r'<li class="customer-card more"[^>]*>', html(fragment)).group(0)
    assert 'hx-trigger="revealed"' in sentinel
    more = get(client, re.search(r'hx-get="([^"]+)"', sentinel).group(1).replace("&amp;", "&"), **HX)
    assert html(more).lstrip().startswith("<li") and html(more).count('class="customer-card') == 1


@pytest.mark.parametrize("text", ["hqdz", "HQDZ", "huaqiang", "华强", "王经理", "13800138000"])
def test_search_as_you_type_finds_by_pinyin_initials_contact_and_phone(client, login, text):
    factories.customer("华强电子", contact="王经理", mobile="13800138000")
    factories.customer("联想集团", contact="李总")
    login("owner")
    found = html(get(client, f"/customers?q={text}", **HX))
    assert "华强电子" in found and "联想集团" not in found


def test_salesperson_and_status_filters(client, login):
    owner = login("owner", locale="en")
    seller = factories.user("sales", display_name="小张")
    factories.customer("张的客户", salesperson=seller)
    factories.customer("老板的客户", salesperson=owner)
    factories.customer("没人管")
    factories.customer("停用客户", active=False)
    page = html(get(client, "/customers"))
    assert "小张" in page and "(me)" in page and "停用客户" not in page
    theirs = html(get(client, f"/customers?salesperson={seller.id}", **HX))
    assert "张的客户" in theirs and "老板的客户" not in theirs and "没人管" not in theirs
    mine = html(get(client, f"/customers?salesperson={owner.id}", **HX))
    assert "老板的客户" in mine and "张的客户" not in mine
    unassigned = html(get(client, "/customers?salesperson=none", **HX))
    assert "没人管" in unassigned and "张的客户" not in unassigned
    assert "停用客户" in html(get(client, "/customers?status=inactive", **HX))


def test_cards_show_balance_overdue_and_the_owes_filter(client, login):
    from app.finance.services import record_receipt
    from app.sales.fulfilment import QtyInput, return_goods
    owner = login("owner", locale="en")
    late, paid_up = factories.customer("欠款客户"), factories.customer("清账客户")
    factories.customer("新客户")
    invoice = invoiced(late, owner, overdue_days=3)
    settled = invoiced(paid_up, owner, overdue_days=3)
    record_receipt(owner, paid_up, settled.total, "cash")
    returned = invoiced(factories.customer("退货客户"), owner, overdue_days=3)
    return_goods(owner, returned.order, [QtyInput(line.id, line.qty) for line in returned.order.lines])
    db.session.commit()
    page = html(get(client, "/customers"))
    late_card = re.search(r'<li class="customer-card overdue">.*?</li>', page, re.S).group(0)
    assert "欠款客户" in late_card and f'data-balance="{invoice.total}"' in late_card and "Overdue" in late_card
    assert page.count("badge overdue") == 1 and page.count('data-balance="0') == 3  # paid, credited, new
    owes = html(get(client, "/customers?owes=1", **HX))
    assert "欠款客户" in owes and "清账客户" not in owes and "退货客户" not in owes and "新客户" not in owes


def test_a_salesperson_lists_only_own_customers(client, login):
    seller = login("sales")
    factories.customer("我的客户", salesperson=seller)
    factories.customer("别人的客户", salesperson=factories.user("sales"))
    page = html(get(client, "/customers"))
    assert "我的客户" in page and "别人的客户" not in page
    assert 'name="salesperson"' not in page  # nothing to filter by: all of them are theirs


# --- the customer page ---------------------------------------------------------------------------

def test_page_shows_how_to_reach_the_customer_and_no_limit(client, login):
    login("owner", locale="en")
    customer = factories.customer("华强电子", phone="0755-8888 6666", mobile="138 0013 8000",
                                  email="wang@example.com", address="深圳市福田区华强北路1号")
    page = html(get(client, f"/customers/{customer.id}"))
    assert 'href="tel:075588886666"' in page and 'href="tel:13800138000"' in page
    assert 'href="mailto:wang@example.com"' in page
    assert "https://uri.amap.com/search?keyword=%E6%B7%B1%E5%9C%B3" in page
    assert re.search(r'id="credit-headroom">\s*No limit', page)


def test_page_shows_balance_headroom_and_overdue_invoices_in_red(client, login):
    owner = login("owner", locale="en")
    customer = factories.customer("欠款客户", credit_limit="5000")
    late = invoiced(customer, owner, overdue_days=5)
    current = invoiced(customer, owner, qty=1)
    page = html(get(client, f"/customers/{customer.id}"))
    owed = late.total + current.total
    assert f'data-balance="{owed}"' in page
    headroom = re.search(r'id="credit-headroom">([^<]+)<', page).group(1)
    assert headroom == f"¥{5000 - owed:,.2f}"
    red = re.findall(r'<li class="doc overdue">.*?</li>', page, re.S)
    assert red and all(late.number in item for item in red) and not any(current.number in item for item in red)
    assert current.number in page


def test_page_shows_what_the_customer_usually_buys_with_the_last_price(client, login):
    owner = login("owner", locale="en")
    customer = factories.customer("老客户")
    warehouse = factories.warehouse()
    often, once, drafted = (factories.product(name=name) for name in ("常买的", "买过一次", "只在草稿"))
    for product in (often, once, drafted):
        factories.stock(product, warehouse, 100)
    factories.order(customer, [(often, 5, "30.00")], owner, warehouse, confirm=True)
    factories.order(customer, [(often, 2, "28.00"), (once, 1, "40.00")], owner, warehouse, confirm=True)
    factories.order(customer, [(drafted, 50, "30.00")], owner, warehouse)
    page = html(get(client, f"/customers/{customer.id}"))
    usual = re.search(r'id="usual-title".*?</section>', page, re.S).group(0)
    assert usual.index("常买的") < usual.index("买过一次") and "只在草稿" not in usual
    assert re.search(r"常买的.*?7 个.*?¥28\.00", usual, re.S)


def test_out_of_scope_customer_is_404_for_a_salesperson(client, login):
    login("sales")
    theirs = factories.customer("别人的客户", salesperson=factories.user("sales"))
    assert get(client, f"/customers/{theirs.id}").status_code == 404
    assert get(client, f"/customers/{theirs.id}/edit").status_code == 404
    assert post(client, f"/customers/{theirs.id}/edit", **fields(name="改掉")).status_code == 404
    db.session.expire_all()
    assert db.session.get(Customer, theirs.id).name == "别人的客户"


def test_finance_reads_every_customer_but_changes_none(client, login):
    login("finance")
    customer = factories.customer("某客户", salesperson=factories.user("sales"))
    assert get(client, "/customers").status_code == 200
    page = html(get(client, f"/customers/{customer.id}"))
    assert "某客户" in page and f"/customers/{customer.id}/edit" not in page and "/customers/new" not in page


@pytest.mark.parametrize("role", ["warehouse", "purchasing", "finance"])
def test_roles_without_customer_rights_are_refused(client, login, role):
    login(role)
    customer = factories.customer()
    urls = [("get", "/customers/new"), ("post", "/customers"), ("get", f"/customers/{customer.id}/edit"),
            ("post", f"/customers/{customer.id}/edit")]
    if role != "finance":
        urls += [("get", "/customers"), ("get", f"/customers/{customer.id}")]
    for method, url in urls:
        response = post(client, url, **fields()) if method == "post" else get(client, url)
        assert response.status_code == 403, (method, url)
    assert count(Customer) == 1


# --- create and edit -----------------------------------------------------------------------------

def test_owner_creates_a_customer_with_every_field(client, login):
    login("owner")
    seller = factories.user("sales")
    response = post(client, "/customers", **fields(salesperson_id=seller.id))
    customer = db.session.scalars(select(Customer)).one()
    assert response.status_code == 302 and response.headers["Location"] == f"/customers/{customer.id}"
    assert (customer.credit_limit, customer.payment_terms_days, customer.price_level) == (
        Decimal("5000.00"), 45, PriceLevel.WHOLESALE)
    assert (customer.salesperson_id, customer.tag_list, customer.bank_name) == (seller.id, ["VIP", "电子"], "招商银行")
    assert count(AuditEntry, action="customer.create", object_id=customer.id) == 1


def test_blank_credit_limit_means_no_limit(client, login):
    login("owner")
    post(client, "/customers", **fields(credit_limit=""))
    assert db.session.scalars(select(Customer)).one().credit_limit is None


def test_a_salesperson_becomes_the_salesperson_of_the_customers_they_add(client, login):
    seller = login("sales")
    page = html(get(client, "/customers/new"))
    assert 'name="salesperson_id"' not in page
    post(client, "/customers", **fields(salesperson_id=factories.user("sales").id))
    made = db.session.scalars(select(Customer)).one()
    assert made.salesperson_id == seller.id and made.active  # the new form has no active switch: a new customer is active


def test_double_submit_with_the_same_key_creates_one_customer(client, login):
    login("sales")
    first, second = (post(client, "/customers", **fields(idempotency_key="same-tap")) for _ in range(2))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Customer) == 1


def test_invalid_form_is_422_with_every_field_error_and_writes_nothing(client, login):
    login("owner", locale="en")
    response = post(client, "/customers", **fields(email="not-an-email", credit_limit="-5", payment_terms_days="x"))
    page = html(response)
    assert response.status_code == 422
    assert invalid(page, "email") and invalid(page, "credit_limit") and invalid(page, "payment_terms_days")
    assert "Enter a valid email address." in page and "Cannot be negative." in page
    assert not invalid(page, "name") and 'value="华强电子"' in page  # what was typed stays
    assert count(Customer) == 0 and count(AuditEntry, action="customer.create") == 0


def test_duplicate_name_is_422_on_the_name(client, login):
    login("owner", locale="en")
    factories.customer("华强电子")
    response = post(client, "/customers", **fields())
    assert response.status_code == 422 and invalid(html(response), "name")
    assert "A customer named 华强电子 already exists." in html(response)
    assert count(Customer) == 1


def test_edit_saves_and_an_invalid_edit_is_422(client, login):
    seller = login("sales", locale="en")
    customer = factories.customer("华强电子", salesperson=seller)
    form = html(get(client, f"/customers/{customer.id}/edit"))
    assert 'value="华强电子"' in form and 'name="salesperson_id"' not in form
    bad = post(client, f"/customers/{customer.id}/edit", **fields(name=""))
    assert bad.status_code == 422 and invalid(html(bad), "name")
    done = post(client, f"/customers/{customer.id}/edit", **fields(name="华强电子商行", active=""))
    assert done.status_code == 302 and done.headers["Location"] == f"/customers/{customer.id}"
    db.session.expire_all()
    saved = db.session.get(Customer, customer.id)
    assert (saved.name, saved.active, saved.salesperson_id) == ("华强电子商行", False, seller.id)
    assert "hqdzsh" in saved.search_text


def test_only_the_owner_reassigns_a_customer(client, login):
    login("owner")
    old, new = factories.user("sales"), factories.user("sales")
    customer = factories.customer("华强电子", salesperson=old)
    assert 'name="salesperson_id"' in html(get(client, f"/customers/{customer.id}/edit"))
    response = post(client, f"/customers/{customer.id}/edit", **fields(salesperson_id=new.id))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).salesperson_id == new.id
    entry = db.session.scalars(select(AuditEntry).filter_by(action="customer.reassign")).one()
    assert entry.changes["salesperson_id"] == [old.id, new.id]


def test_a_salesperson_cannot_hand_a_customer_over_by_a_forged_post(client, login):
    seller = login("sales")
    customer = factories.customer("华强电子", salesperson=seller)
    other = factories.user("sales")
    response = post(client, f"/customers/{customer.id}/edit", **fields(salesperson_id=other.id, name="改名"))
    assert response.status_code == 403
    db.session.expire_all()
    assert (db.session.get(Customer, customer.id).salesperson_id, db.session.get(Customer, customer.id).name) == (
        seller.id, "华强电子")
    assert count(AuditEntry, action="customer.reassign") == 0
