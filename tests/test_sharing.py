"""Share links (app/sharing): signed and stored, expiring, revocable, rate-limited, every opening logged, showing
one document and nothing else; who may share what; bad input."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.db_types import utcnow
from app.extensions import db
from app.sales import fulfilment
from app.sales.fulfilment import QtyInput
from app.sales.models import SalesOrder
from app.sharing import services, tokens
from app.sharing.models import ShareLink, ShareOpening
from tests import factories

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", **EN}
PHONE = "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0"


def html(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def shop(app):
    return make_shop()


def make_shop() -> dict:
    """A seller's customer with a delivered and invoiced order, and a second invoice of the same customer."""
    main = factories.warehouse(code="MAIN", name="主仓")
    case = factories.product(sku="CASE-1", name="苹果手机壳", sale_price="100.00", purchase_price="41.37")
    secret = factories.product(sku="SECRET-1", name="别人的货", sale_price="9.00")
    factories.stock(case, main, 20, unit_cost="43.21")
    factories.stock(secret, main, 5)
    seller = factories.user("sales", username="seller")
    customer = factories.customer("华强电子", salesperson=seller, payment_terms_days=30)
    order = factories.order(customer, [(case, 6, "100.00", "0", "13")], actor=seller, warehouse=main, confirm=True)
    other = factories.order(customer, [(secret, 1, "9.00", "0", "0")], actor=seller, warehouse=main, confirm=True)
    owner = factories._system_owner()
    invoices = []
    for made in (order, other):
        delivery = fulfilment.deliver(owner, made, [QtyInput(line.id, line.to_deliver) for line in made.lines])
        invoices.append(fulfilment.invoice_order(owner, made))
    db.session.commit()
    return {"seller": seller, "order": order, "invoice": invoices[0], "other": invoices[1],
            "delivery": order.deliveries[0], "last_delivery": delivery}


def anonymous(client):
    """A second browser with no session, as the customer's phone."""
    return client.application.test_client()


def share(client, path, **data):
    return client.post(f"{path}/share", data={"csrf_token": client.csrf, **data}, headers=HX)


def token_of(link: ShareLink) -> str:
    return tokens.make(link.id, link.nonce)


def only_link() -> ShareLink:
    db.session.expire_all()
    return db.session.scalars(select(ShareLink)).one()


# ---- tokens ------------------------------------------------------------------------------------

def test_a_token_reads_back_only_as_signed(app):
    token = tokens.make(12, "abcdefgh12345678")
    assert tokens.read(token) == (12, "abcdefgh12345678")
    last = token[-1]
    tampered = [token[:-1] + ("A" if last != "A" else "B"),  # the signature
                token.replace("12.", "13.", 1),  # another link's id under this signature
                "12.abcdefgh12345678",  # no signature
                token + "x", token[:-5]]
    for bad in tampered:
        assert tokens.read(bad) is None, bad
    app.config["SECRET_KEY"] = "another key"
    assert tokens.read(token) is None  # a new key ends every link


@pytest.mark.parametrize("bad", ["", "x", "1" * 500, "٣.abcdefgh12345678.sig", "0.abcdefgh.sig", None, 12])
def test_junk_is_not_a_token(app, bad):
    assert tokens.read(bad) is None


def test_an_id_past_the_database_range_is_refused_before_any_query(app):
    assert tokens.read(tokens.make(2 ** 40, "abcdefgh12345678")) is None


# ---- services ----------------------------------------------------------------------------------

def test_sharing_again_reuses_the_link_until_near_its_end_and_audits_each_new_one(app, shop):
    invoice, seller = shop["invoice"], shop["seller"]
    first = services.share(seller, "invoice", invoice)
    assert first.expires_at - first.created_at == timedelta(days=services.DEFAULT_DAYS)
    assert services.share(seller, "invoice", invoice) is first
    first.expires_at = utcnow() + timedelta(days=services.REUSE_MIN_DAYS - 1)
    second = services.share(seller, "invoice", invoice)
    assert second.id != first.id
    short = services.share(seller, "invoice", invoice, days=3)  # a length asked for: always a new link
    assert short.id not in (first.id, second.id)
    db.session.commit()
    created = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "share_link.create")).all()
    assert [(entry.object_type, entry.object_label) for entry in created] == [("SalesInvoice", invoice.number)] * 3
    assert services.revoke_all(seller, "invoice", invoice) == 3
    assert services.revoke_all(seller, "invoice", invoice) == 0
    db.session.commit()
    assert count_action("share_link.revoke") == 3
    with app.test_request_context():
        url = services.share_url("invoice", invoice, seller)
    assert url.startswith("http://localhost/s/")
    assert services.open_link(url.rsplit("/", 1)[1]).sales_invoice_id == invoice.id


def count_action(action) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


@pytest.mark.parametrize("text, days", [(None, 30), ("", 30), ("1", 1), ("365", 365)])
def test_link_length_in_days(text, days):
    assert services.parse_days(text) == days


@pytest.mark.parametrize("text", ["0", "366", "-3", "abc", "1.5", "１０", "99999999999999999999"])
def test_bad_link_lengths_are_refused(app, text):
    with pytest.raises(services.BusinessRuleError):
        services.parse_days(text)


# ---- the staff screens -------------------------------------------------------------------------

def test_share_an_invoice_then_the_customer_opens_it_and_each_opening_is_logged(client, login, shop):
    invoice, other = shop["invoice"], shop["other"]
    login("owner")
    panel = share(client, f"/invoices/{invoice.id}")
    assert panel.status_code == 200 and "<html" not in html(panel)
    link = only_link()
    url = services_url(client, link)
    assert f'data-share-url="http://localhost{url}"' in html(panel) and "Opened 0 times" in html(panel)
    assert count_action("share_link.create") == 1
    customer = anonymous(client)
    page = customer.get(url, headers={**EN, "User-Agent": PHONE}, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert page.status_code == 200
    text = html(page)
    assert invoice.number in text and "苹果手机壳" in text and "华强电子" in text and "678.00" in text  # 600 + 13 %
    assert "Sales slip" in text
    for leak in (other.number, "别人的货", "41.37", "43.21", "/invoices/", "/orders/", "seller", "csrf"):
        assert leak not in text, leak  # no other document, no cost, no way into the app
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]
    assert "<script" not in text
    pdf = customer.get(f"{url}/pdf", headers=EN, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    db.session.expire_all()
    openings = db.session.scalars(select(ShareOpening).order_by(ShareOpening.id)).all()
    assert [(o.link_id, o.part, o.address) for o in openings] == [(link.id, "page", "203.0.113.7"),
                                                                 (link.id, "pdf", "203.0.113.7")]
    assert openings[0].user_agent == PHONE
    listed = html(client.get(f"/invoices/{invoice.id}/share", headers=HX))
    assert "Opened 2 times" in listed and "Revoke" in listed


def services_url(client, link) -> str:
    return "/s/" + token_of(link)


def test_the_invoice_page_offers_share_links_not_the_pdf(client, login, shop):
    invoice = shop["invoice"]
    login("owner")
    page = html(client.get(f"/invoices/{invoice.id}", headers=EN))
    assert f'hx-get="/invoices/{invoice.id}/share"' in page
    assert "data-share " not in page and 'data-share-file' not in page  # the old PDF share (sign-in for customers)


def test_without_javascript_sharing_posts_and_shows_the_link_page(client, login, shop):
    invoice = shop["invoice"]
    login("owner")
    response = client.post(f"/invoices/{invoice.id}/share", data={"csrf_token": client.csrf}, headers=EN)
    assert response.status_code == 303 and response.headers["Location"] == f"/invoices/{invoice.id}/share"
    page = html(client.get(f"/invoices/{invoice.id}/share", headers=EN))
    assert "<html" in page and services_url(client, only_link()) in page


def test_revoked_and_expired_links_answer_a_friendly_404(client, login, shop):
    invoice = shop["invoice"]
    login("owner")
    share(client, f"/invoices/{invoice.id}")
    link = only_link()
    url, customer = services_url(client, link), anonymous(client)
    assert customer.get(url).status_code == 200
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = customer.get(url, headers=EN)
    assert expired.status_code == 404 and "ask the sender for a new link" in html(expired)
    assert customer.get(f"{url}/pdf").status_code == 404
    link = only_link()
    link.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    revoked = client.post(f"/invoices/{invoice.id}/share/{link.id}/revoke", data={"csrf_token": client.csrf},
                          headers=HX)
    assert revoked.status_code == 200 and "Revoked" in html(revoked)
    assert only_link().revoked_at is not None and count_action("share_link.revoke") == 1
    assert customer.get(url).status_code == 404 and customer.get(f"{url}/pdf").status_code == 404
    assert count(ShareOpening) == 1  # only the opening that worked


@pytest.mark.parametrize("token", ["nonsense", "1.abcdefghijklmnop.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                   "x" * 400, "%E4%B8%AD%E6%96%87"])
def test_bad_tokens_answer_404_and_log_nothing(client, token):
    response = client.get(f"/s/{token}", headers=EN)
    assert response.status_code == 404 and "ask the sender for a new link" in html(response)
    assert count(ShareOpening) == 0


def test_a_tampered_token_of_a_real_link_opens_nothing(client, login, shop):
    login("owner")
    share(client, f"/invoices/{shop['invoice'].id}")
    link = only_link()
    forged = tokens.make(link.id, "A" * 16)  # signed right, but not this link's nonce
    other_id = "/s/" + token_of(link).replace(f"{link.id}.", f"{link.id + 1}.", 1)
    for url in (f"/s/{forged}", other_id):
        assert anonymous(client).get(url).status_code == 404
    assert count(ShareOpening) == 0


def test_openings_are_rate_limited_per_address(client, login, shop):
    login("owner")
    share(client, f"/invoices/{shop['invoice'].id}")
    url = services_url(client, only_link())
    client.application.config["SHARE_LIMITS"] = "3 per minute"
    customer = anonymous(client)
    answers = [customer.get(url, headers=EN, environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code
               for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert customer.get("/s/nonsense", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 429
    assert customer.get(url, environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200  # another address
    assert count(ShareOpening) == 4


def test_a_delivery_note_link_shows_quantities_only_and_the_warehouse_may_share_it(client, login, shop):
    delivery, invoice, order = shop["delivery"], shop["invoice"], shop["order"]
    login("warehouse")
    assert share(client, f"/invoices/{invoice.id}").status_code == 403
    assert share(client, f"/orders/{order.id}").status_code == 403
    panel = share(client, f"/deliveries/{delivery.id}")
    assert panel.status_code == 200
    text = html(anonymous(client).get(services_url(client, only_link()), headers=EN))
    assert delivery.number in text and "苹果手机壳" in text and "Delivery note" in text
    for leak in ("100.00", "678.00", "43.21", invoice.number, "Unit price"):
        assert leak not in text, leak


def test_a_quotation_link_shows_prices_and_a_cancelled_order_has_none(client, login, shop):
    order = shop["order"]
    login("owner")
    assert share(client, f"/orders/{order.id}").status_code == 200
    text = html(anonymous(client).get(services_url(client, only_link()), headers=EN))
    assert "Quotation" in text and order.number in text and "100.00" in text and "Valid until" in text
    draft = factories.order(order.customer, [(order.lines[0].product, 1, "100.00")], actor=shop["seller"])
    from app.sales import services as sales
    sales.cancel_order(factories._system_owner(), db.session.get(SalesOrder, draft.id))
    db.session.commit()
    refused = share(client, f"/orders/{draft.id}")
    assert refused.status_code == 422 and count(ShareLink) == 1


def test_a_salesperson_shares_only_their_own_documents(client, login, shop):
    login("sales")
    for path in (f"/invoices/{shop['invoice'].id}", f"/orders/{shop['order'].id}",
                 f"/deliveries/{shop['delivery'].id}"):
        assert share(client, path).status_code == 404, path
        assert client.get(f"{path}/share", headers=EN).status_code == 404, path
    assert count(ShareLink) == 0


def test_a_link_of_another_document_cannot_be_revoked_through_this_one(client, login, shop):
    login("owner")
    share(client, f"/invoices/{shop['other'].id}")
    link = only_link()
    response = client.post(f"/invoices/{shop['invoice'].id}/share/{link.id}/revoke",
                           data={"csrf_token": client.csrf}, headers=HX)
    assert response.status_code == 404 and only_link().revoked_at is None


@pytest.mark.parametrize("days", ["0", "abc", "1000", "1e3"])
def test_a_bad_length_is_422_and_writes_nothing(client, login, shop, days):
    login("owner")
    response = share(client, f"/invoices/{shop['invoice'].id}", days=days)
    assert response.status_code == 422 and "from 1 to 365 days" in html(response)
    assert count(ShareLink) == 0 and count_action("share_link.create") == 0


# ---- the API (shared/API.md "Sharing") ---------------------------------------------------------

def test_the_api_shares_and_revokes_with_the_screens_rules(client, api, shop):
    owner, invoice = api("owner"), shop["invoice"]
    made = owner.post(f"/sales-invoices/{invoice.id}/share", json={"days": 3})
    assert made.status_code == 201 and set(made.json) == {"url", "expires_at"}
    assert made.json["url"].startswith("http://localhost/s/") and made.json["expires_at"].endswith("+00:00")
    path = made.json["url"].removeprefix("http://localhost")
    assert anonymous(client).get(path).status_code == 200
    again = owner.post(f"/sales-invoices/{invoice.id}/share")
    assert again.status_code == 201 and again.json["url"] != made.json["url"]  # 3 days left: not reused
    assert owner.call("DELETE", f"/sales-invoices/{invoice.id}/share").json == {"revoked": 2}
    assert anonymous(client).get(path).status_code == 404
    assert owner.post(f"/sales-invoices/{invoice.id}/share", json={"days": 0}).status_code == 422
    assert owner.post(f"/sales-invoices/{invoice.id}/share", json={"weeks": 1}).status_code == 422
    warehouse = api("warehouse")
    assert warehouse.post(f"/sales-invoices/{invoice.id}/share").status_code == 403
    assert warehouse.post(f"/sales-orders/{shop['order'].id}/share").status_code == 403
    assert warehouse.post(f"/sales-deliveries/{shop['delivery'].id}/share").status_code == 201
    assert api("sales").post(f"/sales-invoices/{invoice.id}/share").status_code == 404  # not their customer's
