"""Receipt screens: the list, picking a customer, allocation oldest first (and recalculated), 422s that write
nothing, double taps, and a salesperson kept to their own customers."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.db_types import business_today
from app.extensions import db
from app.finance import services as finance
from app.finance.models import Payment
from app.sales import fulfilment
from app.sales.fulfilment import QtyInput
from app.sales.models import SalesInvoice
from app.trade.settlement import InvoiceStatus
from tests import factories

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", **EN}


def get(client, url, **headers):
    return client.get(url, headers={**EN, **headers})


def html(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data}, headers=EN)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def invoice(customer, amount, due_in_days=30) -> SalesInvoice:
    """A delivered and invoiced order of one line worth `amount` (no tax), due in `due_in_days`."""
    owner = factories._system_owner()
    main = factories.warehouse()
    product = factories.product()
    factories.stock(product, main, 1)
    order = factories.order(customer, [(product, 1, amount, "0", "0")], actor=customer.salesperson or owner,
                            warehouse=main, confirm=True)
    fulfilment.deliver(owner, order, [QtyInput(order.lines[0].id, "1")])
    made = fulfilment.invoice_order(owner, order)
    made.due_on = business_today() + timedelta(days=due_in_days)
    db.session.commit()
    return made


@pytest.fixture
def owing(app):
    """A salesperson's customer with two open invoices: 100 due first (overdue), 200 due later."""
    def make(seller=None, name="华强电子"):
        customer = factories.customer(name, salesperson=seller)
        later = invoice(customer, "200.00", due_in_days=20)
        older = invoice(customer, "100.00", due_in_days=-5)
        return customer, older, later
    return make


def receipt(customer, **fields) -> dict:
    return {"customer_id": customer.id, "idempotency_key": "k", "method": "wechat",
            "paid_on": business_today().isoformat(), "reference": "", **fields}


# ---- list and show ------------------------------------------------------------------------------

def test_receipts_list_is_a_page_and_a_fragment_of_the_users_scope(client, login, owing):
    seller = login("sales")
    mine, older, _later = owing(seller)
    theirs = owing(factories.user(role="sales"), name="远方贸易")[0]
    finance.record_receipt(seller, mine, "120.00", "alipay")
    finance.record_receipt(factories._system_owner(), theirs, "50.00", "cash")
    db.session.commit()
    page, fragment = get(client, "/receipts"), get(client, "/receipts", **HX)
    assert "<html" in html(page) and html(fragment).lstrip().startswith('<ul class="rows doc-list" id="receipt-list"')
    text = html(page)
    assert "华强电子" in text and "Alipay" in text and "¥120.00" in text and business_today().strftime("%Y") in text
    assert "远方贸易" not in text and "¥50.00" not in text
    assert "华强电子" not in html(get(client, "/receipts?q=yuanfang", **HX))
    assert "华强电子" in html(get(client, "/receipts?q=huaqiang", **HX))


def test_receipt_page_shows_what_it_paid(client, login, owing):
    customer, older, later = owing()
    payment = finance.record_receipt(factories._system_owner(), customer, "150.00", "bank_transfer", reference="TX-88")
    db.session.commit()
    login("finance")
    page, fragment = get(client, f"/receipts/{payment.id}"), get(client, f"/receipts/{payment.id}", **HX)
    assert page.status_code == fragment.status_code == 200
    assert "<html" in html(page) and html(fragment).lstrip().startswith('<section id="receipt"')
    text = html(page)
    assert "Bank transfer" in text and "TX-88" in text and "¥150.00" in text
    assert older.number in text and later.number in text and "Paid in full" in text and "still open: ¥150.00" in text


# ---- recording ----------------------------------------------------------------------------------

def test_picking_a_customer_lists_those_who_owe_with_search(client, login, owing):
    seller = login("sales")
    owing(seller)
    factories.customer("不欠钱的客户", salesperson=seller)
    owing(factories.user(role="sales"), name="别人的客户")
    page, fragment = get(client, "/receipts/new"), get(client, "/receipts/new?q=hq", **HX)
    assert "<html" in html(page) and html(fragment).lstrip().startswith('<ul class="rows" id="customer-options"')
    assert "华强电子" in html(page) and "¥300.00" in html(page) and "2 open sales slips" in html(page)
    assert "不欠钱的客户" not in html(page) and "别人的客户" not in html(page)
    assert "华强电子" in html(fragment)
    assert "华强电子" not in html(get(client, "/receipts/new?q=nobody", **HX))


def test_allocation_is_prefilled_oldest_first_and_recalculated_as_a_fragment(client, login, owing):
    customer, older, later = owing()
    login("finance")
    page = html(get(client, f"/receipts/new?customer_id={customer.id}&amount=150"))
    assert f'name="alloc-{older.id}" value="100.00"' in page and f'name="alloc-{later.id}" value="50.00"' in page
    assert page.index(older.number) < page.index(later.number) and "Overdue" in page
    for method in ("Cash", "Bank transfer", "WeChat Pay", "Alipay"):
        assert method in page
    fragment = html(get(client, f"/receipts/new?customer_id={customer.id}&amount=80", **HX))
    assert fragment.lstrip().startswith('<fieldset id="receipt-allocation"') and "<html" not in fragment
    assert f'name="alloc-{older.id}" value="80.00"' in fragment and f'name="alloc-{later.id}" value=""' in fragment
    over = html(get(client, f"/receipts/new?customer_id={customer.id}&amount=301", **HX))
    assert "That is more than the ¥300.00 open on these sales slips." in over


def test_a_receipt_started_from_an_invoice_pays_that_invoice_first(client, login, owing):
    customer, older, later = owing()
    login("finance")
    link = f"/receipts/new?customer_id={customer.id}&invoice_id={later.id}"
    assert f'href="{link.replace("&", "&amp;")}"' in html(get(client, f"/invoices/{later.id}"))  # the invoice's link
    page = html(get(client, link))
    # Its open amount is the amount, all of it set against this invoice, which comes first; the older one waits.
    assert re.search(r'<input[^>]*name="amount"[^>]*value="200.00"', page)
    assert f'name="alloc-{later.id}" value="200.00"' in page and f'name="alloc-{older.id}" value=""' in page
    assert page.index(f"alloc-{later.id}") < page.index(f"alloc-{older.id}")
    assert f'<input type="hidden" name="invoice_id" value="{later.id}">' in page  # kept when the form comes back
    assert f"Filled in for {later.number} first" in page
    # Typing a bigger amount spreads the rest oldest first, still this invoice first; the invoice alone names its
    # customer.
    more = html(get(client, f"/receipts/new?customer_id={customer.id}&invoice_id={later.id}&amount=250", **HX))
    assert f'name="alloc-{later.id}" value="200.00"' in more and f'name="alloc-{older.id}" value="50.00"' in more
    assert f'name="alloc-{later.id}" value="200.00"' in html(get(client, f"/receipts/new?invoice_id={later.id}"))
    response = post(client, "/receipts", **receipt(customer, amount="200.00", invoice_id=str(later.id),
                                                   **{f"alloc-{later.id}": "200.00", f"alloc-{older.id}": ""}))
    assert response.status_code == 302
    assert fresh(later).status == InvoiceStatus.PAID and fresh(older).paid == 0


def test_a_refused_receipt_started_from_an_invoice_keeps_it_first(client, login, owing):
    customer, older, later = owing()
    login("finance")
    response = post(client, "/receipts", **receipt(customer, amount="", invoice_id=str(later.id)))
    assert response.status_code == 422
    assert response.headers["HX-Push-Url"] == f"/receipts/new?customer_id={customer.id}&invoice_id={later.id}"
    page = html(response)
    assert page.index(f"alloc-{later.id}") < page.index(f"alloc-{older.id}")


def test_an_invoice_out_of_scope_or_of_another_customer_is_not_found(client, login, owing):
    someone = factories.user(role="sales")
    theirs, their_invoice, _ = owing(someone, name="别人的客户")
    me = login("sales")
    mine, _older, _later = owing(me, name="我的客户")
    assert get(client, f"/receipts/new?invoice_id={their_invoice.id}").status_code == 404
    assert get(client, f"/receipts/new?customer_id={mine.id}&invoice_id={their_invoice.id}").status_code == 404
    assert get(client, f"/receipts/new?customer_id={mine.id}&invoice_id={_later.id}").status_code == 200


def test_a_receipt_follows_the_edited_allocation(client, login, owing):
    customer, older, later = owing()
    login("finance")
    response = post(client, "/receipts", **receipt(customer, amount="150", reference="微信 4200",
                                                   **{f"alloc-{older.id}": "0", f"alloc-{later.id}": "150"}))
    payment = db.session.scalars(select(Payment)).one()
    assert response.status_code == 302 and response.headers["Location"] == f"/receipts/{payment.id}"
    assert fresh(older).paid == 0 and fresh(later).paid == Decimal("150.00")
    assert payment.method == "wechat" and payment.reference == "微信 4200"
    assert "was recorded" in html(get(client, response.headers["Location"]))


def test_blank_allocations_settle_the_oldest_first(client, login, owing):
    customer, older, later = owing()
    login("owner")
    assert post(client, "/receipts", **receipt(customer, amount="120")).status_code == 302
    assert fresh(older).status == InvoiceStatus.PAID and fresh(later).paid == Decimal("20.00")


@pytest.mark.parametrize("fields, message", [
    ({"amount": "150", "alloc-OLDER": "150"}, "has only ¥100.00 open."),
    ({"amount": "150", "alloc-OLDER": "100", "alloc-LATER": "20"},
     "The allocations must add up to the amount received."),
    ({"amount": "301"}, "owes ¥300.00 on open sales slips; a receipt cannot be more than that."),
    ({"amount": "0"}, "Enter an amount above zero."),
    ({"amount": ""}, "Enter an amount."),
    ({"amount": "50", "method": ""}, "Choose how the customer paid."),
    ({"amount": "50", "method": "bitcoin"}, "Choose how the customer paid."),
    ({"amount": "50", "paid_on": "2999-01-01"}, "A receipt cannot be dated in the future."),
])
def test_a_refused_receipt_is_422_with_the_message_and_writes_nothing(client, login, owing, fields, message):
    customer, older, later = owing()
    names = {"alloc-OLDER": f"alloc-{older.id}", "alloc-LATER": f"alloc-{later.id}"}
    login("finance")
    response = post(client, "/receipts", **receipt(customer, **{names.get(k, k): v for k, v in fields.items()}))
    assert response.status_code == 422
    assert message in html(response)
    assert response.headers["HX-Push-Url"] == f"/receipts/new?customer_id={customer.id}"  # not the list's URL
    assert count(Payment) == 0 and fresh(older).paid == 0 and fresh(later).paid == 0
    if "alloc-OLDER" in fields:  # what was typed comes back
        assert f'name="alloc-{older.id}" value="{fields["alloc-OLDER"]}"' in html(response)


def test_a_double_tap_records_one_receipt(client, login, owing):
    customer, older, _later = owing()
    login("finance")
    data = receipt(customer, amount="60", idempotency_key="tap")
    first, second = post(client, "/receipts", **data), post(client, "/receipts", **data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Payment) == 1 and fresh(older).paid == Decimal("60.00")


def test_a_salesperson_works_only_with_their_own_customers(client, login, owing):
    someone = factories.user(role="sales")
    theirs, older, _later = owing(someone)
    payment = finance.record_receipt(someone, theirs, "10.00", "cash")
    db.session.commit()
    login("sales")
    assert get(client, f"/receipts/new?customer_id={theirs.id}").status_code == 404
    assert get(client, f"/receipts/{payment.id}").status_code == 404
    assert post(client, "/receipts", **receipt(theirs, amount="10")).status_code == 404
    assert count(Payment) == 1 and fresh(older).paid == Decimal("10.00")


@pytest.mark.parametrize("role, method, url", [
    ("warehouse", "get", "/receipts"),
    ("purchasing", "get", "/receipts"),
    ("warehouse", "get", "/receipts/new"),
    ("warehouse", "post", "/receipts"),
    ("purchasing", "get", "/receipts/1"),
])
def test_roles_without_money_are_refused(client, login, role, method, url):
    login(role)
    assert (post if method == "post" else get)(client, url).status_code == 403
