"""The data scope holds wherever an id or a move's document can surface: a salesperson given a colleague's ids
in the query string learns no name (404, or the filter names nobody), and the stock ledger shows them only
their own documents (quantities and balances whole), on screens, exports and the API alike."""
import re

import pytest

from app.extensions import db
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import MoveKind
from app.sales import fulfilment
from app.sales.fulfilment import QtyInput
from tests import factories

COLLEAGUE, THEIR_CUSTOMER = "王二麻", "乙方专属客户"


def delivered(actor, order):
    made = fulfilment.deliver(actor, order, [QtyInput(line.id, line.qty) for line in order.lines])
    db.session.commit()
    return made


@pytest.fixture
def shop(app):
    """A colleague (sales) with a customer, an order delivered and invoiced; stock of one product."""
    warehouse, product = factories.warehouse(), factories.product(name="蓝牙音箱")
    factories.stock(product, warehouse, 20)
    colleague = factories.user("sales", display_name=COLLEAGUE)
    theirs = factories.customer(THEIR_CUSTOMER, salesperson=colleague)
    order = factories.order(theirs, [(product, 3)], actor=colleague, warehouse=warehouse, confirm=True)
    delivery = delivered(colleague, order)
    invoice = fulfilment.invoice_order(colleague, order)
    db.session.commit()
    return {"warehouse": warehouse, "product": product, "colleague": colleague, "customer": theirs,
            "order": order, "delivery": delivery, "invoice": invoice}


def text(response) -> str:
    return response.get_data(as_text=True)


def leaked(response) -> list[str]:
    body = response.get_data()
    return [name for name in (COLLEAGUE, THEIR_CUSTOMER) if name.encode() in body]


def screens_with_ids(s) -> list[str]:
    """Every screen a salesperson may open that takes an id of someone's object in its query string."""
    customer, colleague, product = s["customer"].id, s["colleague"].id, s["product"].id
    return [f"/reports/sales?customer_id={customer}", f"/reports/sales?customer_id={customer}&format=pdf",
            f"/reports/sales?customer_id={customer}&format=xlsx", f"/reports/sales?customer_id={customer}&group_by=product",
            f"/reports/sales?salesperson_id={colleague}", f"/reports/sales?salesperson_id={colleague}&format=pdf",
            f"/orders?customer_id={customer}", f"/orders?salesperson_id={colleague}",
            f"/orders/new?customer_id={customer}", f"/invoices?customer_id={customer}",
            f"/receipts?customer_id={customer}", f"/receipts/new?customer_id={customer}",
            f"/receipts/new?invoice_id={s['invoice'].id}",
            f"/receipts/new?customer_id={customer}&invoice_id={s['invoice'].id}",
            f"/stock/ledger/{product}?user_id={colleague}", f"/stock/ledger/{product}",
            f"/products/{product}", f"/customers/{customer}"]


def test_a_salesperson_given_a_colleagues_ids_learns_no_name_anywhere(client, login, shop):
    login("sales")
    for url in screens_with_ids(shop):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert leaked(response) == [], url


def test_a_report_filtered_by_a_customer_out_of_scope_is_not_found_in_every_format(client, login, shop):
    login("sales")
    for output in ("", "&format=pdf", "&format=xlsx"):
        assert client.get(f"/reports/sales?customer_id={shop['customer'].id}{output}").status_code == 404
        assert client.get(f"/reports/sales?customer_id=999999{output}").status_code == 404
    mine = factories.customer("甲方自己的客户", salesperson=factories.user("sales"))
    assert client.get(f"/reports/sales?customer_id={mine.id}").status_code == 404  # a third person's: no more


def test_the_owner_sees_every_filter_name(client, login, shop):
    login("owner")
    page = client.get(f"/reports/sales?customer_id={shop['customer'].id}")
    assert page.status_code == 200 and THEIR_CUSTOMER in text(page)
    assert COLLEAGUE in text(client.get(f"/reports/sales?salesperson_id={shop['colleague'].id}"))
    assert client.get(f"/reports/sales?customer_id={shop['customer'].id}&format=pdf").status_code == 200


def test_a_salesperson_sees_their_own_customers_name_in_the_filter(client, login, shop):
    me = login("sales")
    mine = factories.customer("甲方自己的客户", salesperson=me)
    page = client.get(f"/reports/sales?customer_id={mine.id}")
    assert page.status_code == 200 and "甲方自己的客户" in text(page)


def test_the_sales_report_api_answers_404_for_a_customer_out_of_scope(api, shop):
    seller = api("sales")
    response = seller.get(f"/reports/sales?customer_id={shop['customer'].id}")
    assert response.status_code == 404 and response.json["type"].endswith("not-found")
    assert THEIR_CUSTOMER not in response.get_data(as_text=True)
    assert seller.get(f"/reports/sales?salesperson_id={shop['colleague'].id}").status_code == 200
    assert api("owner").get(f"/reports/sales?customer_id={shop['customer'].id}").status_code == 200


# ---- the stock ledger ------------------------------------------------------------------------------------

@pytest.fixture
def ledger(client, login, shop):
    """Signed in as a salesperson with a delivery of their own; a warehouse clerk's adjustment too."""
    me = login("sales", display_name="张三")
    mine = factories.customer("甲方自己的客户", salesperson=me)
    order = factories.order(mine, [(shop["product"], 2)], actor=me, warehouse=shop["warehouse"], confirm=True)
    own = delivered(me, order)
    clerk = factories.user("warehouse", display_name="仓管老刘")
    post_moves(clerk, Source("adjustment", None, "ADJ-2026-000077"),
               [Move(shop["product"].id, shop["warehouse"].id, -1, MoveKind.DAMAGE)])
    db.session.commit()
    return {**shop, "me": me, "own": own}


def balances(html: str) -> list[str]:
    return re.findall(r'data-balance="([^"]+)"', html)


def test_the_ledger_shows_a_salesperson_only_their_own_documents(client, ledger):
    url = f"/stock/ledger/{ledger['product'].id}"
    page = text(client.get(url))
    assert ledger["own"].number in page and "张三" in page
    for hidden in (ledger["delivery"].number, COLLEAGUE, "ADJ-2026-000077", "仓管老刘"):
        assert hidden not in page, hidden
    # Every move is still there, with its kind, quantity and the real balance after it.
    assert balances(page) == ["14.000", "15.000", "17.000", "20.000"]
    # Filters cannot find what is hidden: not by number, not by person, and the person is not offered.
    assert balances(text(client.get(f"{url}?number={ledger['delivery'].number}"))) == []
    assert balances(text(client.get(f"{url}?number=ADJ-2026"))) == []
    assert balances(text(client.get(f"{url}?user_id={ledger['colleague'].id}"))) == []
    people = page[page.index('name="user_id"'):].split("</select>")[0]
    assert re.findall(r'<option value="(\d*)"', people) == ["", str(ledger["me"].id)]
    assert balances(text(client.get(f"{url}?user_id={ledger['me'].id}"))) == ["15.000"]
    # The product page's last moves obey the same scope.
    product = text(client.get(f"/products/{ledger['product'].id}"))
    assert ledger["own"].number in product and ledger["delivery"].number not in product


def test_the_owner_sees_every_document_in_the_ledger(client, login, shop):
    login("owner")
    page = text(client.get(f"/stock/ledger/{shop['product'].id}"))
    assert shop["delivery"].number in page and COLLEAGUE in page


def test_the_moves_api_blanks_colleagues_documents_for_a_salesperson(api, shop):
    seller, owner = api("sales"), api("owner")
    url = f"/stock/moves?product_id={shop['product'].id}"
    seen = {move["id"]: move for move in seller.get(url).json["items"]}
    full = {move["id"]: move for move in owner.get(url).json["items"]}
    assert seen.keys() == full.keys() and len(full) == 2
    theirs = next(i for i, move in full.items() if move["document"] == shop["delivery"].number)
    assert full[theirs]["user"] == shop["colleague"].username
    assert seen[theirs]["document"] == "" and seen[theirs]["user"] is None
    assert seen[theirs]["qty"] == full[theirs]["qty"] == "-3.000" and seen[theirs]["kind"] == full[theirs]["kind"]
    assert shop["delivery"].number not in seller.get("/stock/moves").get_data(as_text=True)
