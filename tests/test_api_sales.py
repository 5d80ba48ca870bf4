"""The Partners, Sales and Payments endpoints of shared/API.md: the whole flow, every refusal, scope and roles."""
from datetime import date, timedelta

import pytest

from tests import factories

PRICE_FIELDS = {"unit_price", "discount_pct", "amount", "subtotal", "tax", "total"}


@pytest.fixture
def main(app):
    return factories.warehouse("MAIN", "总仓")


@pytest.fixture
def case(main):
    """A phone case at 25.00 with 10 in the main warehouse (cost 10.00)."""
    product = factories.product(name="苹果手机壳", sale_price="25.00")
    factories.stock(product, main, 10)
    return product


def _stock(caller, product):
    level = caller.get(f"/stock?product_id={product.id}").json["items"][0]
    return level["on_hand"], level["reserved"]


def _order(caller, customer_id, product, qty, **line):
    response = caller.post("/sales-orders", {"customer_id": customer_id,
                                             "lines": [{"product_id": product.id, "qty": qty, **line}]})
    assert response.status_code == 201, response.json
    return response.json


def _delivered(caller, order, qty, key=None):
    return caller.post(f"/sales-orders/{order['id']}/deliveries", {"lines": [{"line_id": order["lines"][0]["id"],
                                                                              "qty": qty}]},
                       headers={"Idempotency-Key": key} if key else None)


def test_the_whole_flow_customer_order_delivery_invoice_payment_return(api, main, case):
    seller, store, cashier = api("sales"), api("warehouse"), api("finance")
    customer = seller.post("/customers", {"name": "华强电子", "credit_limit": "1000", "payment_terms_days": 15,
                                          "salesperson_id": None, "tags": "深圳,批发"})
    assert customer.status_code == 201, customer.json
    customer = customer.json
    assert customer["salesperson_id"] == seller.user.id
    assert (customer["credit_limit"], customer["balance"], customer["tags"]) == ("1000.00", "0.00", "深圳,批发")
    assert seller.get("/customers?q=hqdz").json["items"][0]["id"] == customer["id"]

    order = _order(seller, customer["id"], case, 4)  # no price sent: the product's sale price
    assert (order["status"], order["warehouse_id"], order["salesperson_id"]) == ("draft", main.id, seller.user.id)
    assert order["lines"][0]["unit_price"] == "25.00" and order["lines"][0]["amount"] == "100.00"
    assert (order["subtotal"], order["tax"], order["total"]) == ("100.00", "13.00", "113.00")

    confirmed = seller.post(f"/sales-orders/{order['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"
    assert _stock(store, case) == ("10.000", "4.000")

    delivery = _delivered(store, order, 3)
    assert delivery.status_code == 201, delivery.json
    assert delivery.json["lines"][0]["qty"] == "3.000" and delivery.json["sales_order_id"] == order["id"]
    assert store.get(delivery.headers["Location"].removeprefix("/api/v1")).json == delivery.json
    assert seller.get(f"/sales-orders/{order['id']}").json["status"] == "partially_delivered"
    assert _stock(store, case) == ("7.000", "1.000")

    invoice = seller.post(f"/sales-orders/{order['id']}/invoice")
    assert invoice.status_code == 201, invoice.json
    invoice = invoice.json
    assert (invoice["total"], invoice["paid"], invoice["status"], invoice["customer_id"]) == ("84.75", "0.00", "open",
                                                                                             customer["id"])
    assert date.fromisoformat(invoice["due_on"]) == date.fromisoformat(invoice["issued_on"]) + timedelta(days=15)

    payment = cashier.post("/payments", {"customer_id": customer["id"], "amount": "50", "method": "wechat",
                                         "allocations": [{"invoice_id": invoice["id"], "amount": 50}],
                                         "reference": "4200001"})
    assert payment.status_code == 201, payment.json
    assert payment.json["allocations"] == [{"invoice_id": invoice["id"], "amount": "50.00"}]
    assert cashier.get(f"/sales-invoices/{invoice['id']}").json["status"] == "partially_paid"
    assert seller.get(f"/customers/{customer['id']}").json["balance"] == "34.75"

    returned = store.post("/sales-returns", {"sales_order_id": order["id"], "reason": "破损",
                                             "lines": [{"line_id": order["lines"][0]["id"], "qty": "1"}]})
    assert returned.status_code == 201, returned.json
    credit = seller.get(f"/sales-returns/{returned.json['id']}").json
    assert credit["total"] == "28.25" and credit["lines"][0]["credited_qty"] == "1.000"
    assert seller.get("/customers").json["items"][0]["balance"] == "6.50"
    assert cashier.get(f"/sales-invoices/{invoice['id']}").json["open_amount"] == "6.50"
    assert _stock(store, case) == ("8.000", "1.000")
    assert cashier.get(f"/payments?customer_id={customer['id']}").json["total"] == 1


def test_price_defaults_and_line_errors_name_the_line(api, main, case):
    seller = api("sales")
    customer = factories.customer(salesperson=seller.user)
    response = seller.post("/sales-orders", {"customer_id": customer.id, "lines": [
        {"product_id": case.id, "qty": 1}, {"product_id": case.id, "qty": 1, "unit_price": "5"}]})
    assert response.status_code == 422 and response.json["type"] == "validation-error"
    assert list(response.json["errors"]) == ["lines.1.unit_price"]  # below the owner's discount floor
    owner = api("owner")
    cheap = _order(owner, customer.id, case, 1, unit_price="5", tax_rate=0)
    assert (cheap["total"], cheap["salesperson_id"]) == ("5.00", seller.user.id)


def test_confirm_beyond_available_stock_is_insufficient_stock(api, main, case):
    seller = api("sales")
    order = _order(seller, factories.customer(salesperson=seller.user).id, case, 11)
    response = seller.post(f"/sales-orders/{order['id']}/confirm", {})
    assert response.status_code == 409 and response.json["type"] == "insufficient-stock"
    assert seller.get(f"/sales-orders/{order['id']}").json["status"] == "draft"


def test_credit_limit_needs_the_owners_approval(api, main, case):
    seller, owner = api("sales"), api("owner")
    customer = factories.customer(salesperson=seller.user, credit_limit="100")
    order = _order(seller, customer.id, case, 4)  # 113.00
    refused = seller.post(f"/sales-orders/{order['id']}/confirm")
    assert refused.status_code == 409 and refused.json["type"] == "credit-limit-exceeded"
    forbidden = seller.post(f"/sales-orders/{order['id']}/confirm", {"approve_over_limit": True})
    assert forbidden.status_code == 403 and forbidden.json["type"] == "forbidden"
    approved = owner.post(f"/sales-orders/{order['id']}/confirm", {"approve_over_limit": True})
    assert approved.status_code == 200 and approved.json["status"] == "confirmed"


def test_invalid_states(api, main, case):
    seller = api("sales")
    customer = factories.customer(salesperson=seller.user)
    order = _order(seller, customer.id, case, 2)
    nothing = seller.post(f"/sales-orders/{order['id']}/invoice")
    assert nothing.status_code == 409 and nothing.json["type"] == "invalid-state"
    assert _delivered(seller, order, 1).json["type"] == "invalid-state"  # a draft cannot be delivered
    assert seller.post(f"/sales-orders/{order['id']}/confirm").status_code == 200
    twice = seller.post(f"/sales-orders/{order['id']}/confirm")
    assert twice.status_code == 409 and twice.json["type"] == "invalid-state"
    assert _delivered(seller, order, 1).status_code == 201
    late = seller.post(f"/sales-orders/{order['id']}/cancel")
    assert late.status_code == 409 and late.json["type"] == "invalid-state"
    other = _order(seller, customer.id, case, 3)
    seller.post(f"/sales-orders/{other['id']}/confirm")
    cancelled = seller.post(f"/sales-orders/{other['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert _stock(seller, case) == ("9.000", "1.000")  # the cancelled order's 3 are free again


def test_validation_errors(api, main, case):
    owner = api("owner")
    customer = factories.customer()
    unknown = owner.post("/sales-orders", {"customer_id": customer.id, "colour": "red",
                                           "lines": [{"product_id": case.id, "qty": 1, "size": "L"}]})
    assert unknown.status_code == 422 and set(unknown.json["errors"]) == {"colour", "lines.0.size"}
    both = owner.post("/payments", {"supplier_id": 1, "customer_id": customer.id, "amount": "1", "method": "cash"})
    assert both.status_code == 422 and list(both.json["errors"]) == ["supplier_id"]  # a payment is one partner's
    cheque = owner.post("/payments", {"customer_id": customer.id, "amount": "1", "method": "cheque"})
    assert list(cheque.json["errors"]) == ["method"]
    assert owner.post(f"/sales-orders/{_order(owner, customer.id, case, 1)['id']}/confirm",
                      {"approve": True}).status_code == 422
    order = _order(owner, customer.id, case, 2)
    owner.post(f"/sales-orders/{order['id']}/confirm")
    too_many = _delivered(owner, order, 3)
    assert too_many.status_code == 422 and "lines" in too_many.json["errors"]
    _delivered(owner, order, 2)
    invoice = owner.post(f"/sales-orders/{order['id']}/invoice").json  # 56.50
    over = owner.post("/payments", {"customer_id": customer.id, "amount": "60", "method": "cash",
                                    "allocations": [{"invoice_id": invoice["id"], "amount": "60"}]})
    assert over.status_code == 422 and "amount" in over.json["errors"]
    second = _order(owner, customer.id, case, 1)
    owner.post(f"/sales-orders/{second['id']}/confirm")
    _delivered(owner, second, 1)
    owner.post(f"/sales-orders/{second['id']}/invoice")  # owed now 84.75, so the amount alone would pass
    over = owner.post("/payments", {"customer_id": customer.id, "amount": "60", "method": "cash",
                                    "allocations": [{"invoice_id": invoice["id"], "amount": "60"}]})
    assert over.status_code == 422 and over.json["type"] == "validation-error" and "allocations" in over.json["errors"]
    assert owner.get("/payments").json["total"] == 0
    returned = owner.post("/sales-returns", {"sales_order_id": order["id"],
                                             "lines": [{"line_id": order["lines"][0]["id"], "qty": 3}]})
    assert returned.status_code == 422


def test_a_salesperson_sees_only_their_own(api, main, case):
    mine, theirs = api("sales"), api("sales")
    customer = factories.customer(salesperson=theirs.user)
    order = _order(theirs, customer.id, case, 1)
    theirs.post(f"/sales-orders/{order['id']}/confirm")
    _delivered(theirs, order, 1)
    invoice = theirs.post(f"/sales-orders/{order['id']}/invoice").json
    payment = theirs.post("/payments", {"customer_id": customer.id, "amount": "10", "method": "cash"}).json
    for path in (f"/customers/{customer.id}", f"/sales-orders/{order['id']}", f"/sales-invoices/{invoice['id']}",
                 f"/sales-invoices/{invoice['id']}/pdf", f"/payments/{payment['id']}"):
        response = mine.get(path)
        assert response.status_code == 404 and response.json["type"] == "not-found", path
    assert mine.patch(f"/customers/{customer.id}", {"phone": "1"}).status_code == 404
    assert mine.post(f"/sales-orders/{order['id']}/invoice").status_code == 404
    for path in ("/customers", "/sales-orders", "/sales-invoices", "/payments", "/sales-returns"):
        assert mine.get(path).json["total"] == 0, path
    for path, body in (("/sales-orders", {"customer_id": customer.id, "lines": [{"product_id": case.id, "qty": 1}]}),
                       ("/payments", {"customer_id": customer.id, "amount": "1", "method": "cash"}),
                       ("/sales-returns", {"sales_order_id": order["id"], "lines": [{"line_id": 1, "qty": 1}]})):
        response = mine.post(path, body)
        assert response.status_code == 404 and list(response.json["errors"]) in (["customer_id"], ["sales_order_id"])
    assert api("finance").get(f"/sales-invoices/{invoice['id']}").status_code == 200


@pytest.mark.parametrize("role, method, path", [
    ("warehouse", "GET", "/customers"), ("warehouse", "POST", "/sales-orders"),
    ("warehouse", "POST", "/sales-orders/{order}/invoice"), ("warehouse", "GET", "/sales-invoices"),
    ("warehouse", "POST", "/payments"), ("purchasing", "GET", "/sales-orders"),
    ("finance", "POST", "/sales-orders/{order}/confirm"), ("finance", "POST", "/sales-orders/{order}/deliveries"),
    ("finance", "POST", "/customers"),
])
def test_roles_that_may_not(api, main, case, role, method, path):
    order = factories.order(factories.customer(), [(case, 1)])
    response = api(role).call(method, path.format(order=order.id), json={})
    assert response.status_code == 403 and response.json["type"] == "forbidden"


def test_only_the_owner_gives_a_customer_to_another_salesperson(api, main):
    seller, other = api("sales"), factories.user("sales")
    customer = seller.post("/customers", {"name": "老王五金", "salesperson_id": other.id}).json
    assert customer["salesperson_id"] == seller.user.id  # a salesperson's new customer is their own
    refused = seller.patch(f"/customers/{customer['id']}", {"salesperson_id": other.id})
    assert refused.status_code == 403 and refused.json["type"] == "forbidden"
    assert seller.patch(f"/customers/{customer['id']}", {"phone": "0755-1234"}).json["phone"] == "0755-1234"
    moved = api("owner").patch(f"/customers/{customer['id']}", {"salesperson_id": other.id})
    assert moved.status_code == 200 and moved.json["salesperson_id"] == other.id
    assert seller.get(f"/customers/{customer['id']}").status_code == 404
    assert seller.post("/customers", {"name": "老王五金"}).json["type"] == "duplicate"


def test_warehouse_sees_no_prices_and_sales_no_costs(api, main, case):
    owner, seller, store = api("owner"), api("sales"), api("warehouse")
    order = _order(seller, factories.customer(salesperson=seller.user).id, case, 2)
    seller.post(f"/sales-orders/{order['id']}/confirm")
    delivery = _delivered(store, order, 2).json
    seller.post(f"/sales-orders/{order['id']}/invoice")
    returned = store.post("/sales-returns", {"sales_order_id": order["id"],
                                             "lines": [{"line_id": order["lines"][0]["id"], "qty": 1}]}).json
    seen = store.get(f"/sales-orders/{order['id']}").json
    assert not PRICE_FIELDS & (set(seen) | set(seen["lines"][0]) | set(returned) | set(returned["lines"][0]))
    assert seen["lines"][0]["delivered_qty"] == "2.000"
    assert not PRICE_FIELDS & set(store.get("/sales-orders").json["items"][0])
    for caller in (seller, store):
        assert "unit_cost" not in caller.get(f"/sales-deliveries/{delivery['id']}").json["lines"][0]
        assert "unit_cost" not in caller.get(f"/sales-returns/{returned['id']}").json["lines"][0]
    assert seller.get(f"/sales-returns/{returned['id']}").json["total"] == "28.25"
    assert owner.get(f"/sales-deliveries/{delivery['id']}").json["lines"][0]["unit_cost"] == "10.0000"


def test_retried_posts_change_nothing_twice(api, main, case):
    seller = api("sales")
    customer = factories.customer(salesperson=seller.user)
    order = _order(seller, customer.id, case, 4)

    def twice(path, body=None):
        first = seller.post(path, body, headers={"Idempotency-Key": f"key {path}"})
        again = seller.post(path, body, headers={"Idempotency-Key": f"key {path}"})
        assert (again.status_code, again.json) == (first.status_code, first.json), path
        assert again.headers["Idempotent-Replayed"] == "true"
        return first

    assert twice(f"/sales-orders/{order['id']}/confirm").status_code == 200
    assert _stock(seller, case) == ("10.000", "4.000")
    line = {"lines": [{"line_id": order["lines"][0]["id"], "qty": 2}]}
    assert twice(f"/sales-orders/{order['id']}/deliveries", line).status_code == 201
    assert _stock(seller, case) == ("8.000", "2.000")
    invoice = twice(f"/sales-orders/{order['id']}/invoice").json
    twice("/payments", {"customer_id": customer.id, "amount": invoice["total"], "method": "alipay"})
    assert [seller.get(path).json["total"] for path in ("/sales-invoices", "/payments")] == [1, 1]
    assert seller.get(f"/customers/{customer.id}").json["balance"] == "0.00"
    assert seller.get(f"/sales-invoices/{invoice['id']}").json["status"] == "paid"


def test_lists_filter(api, main, case):
    owner = api("owner")
    first, second = factories.customer(name="甲"), factories.customer(name="乙")
    draft = _order(owner, first.id, case, 1)
    done = _order(owner, second.id, case, 1)
    owner.post(f"/sales-orders/{done['id']}/confirm")
    assert [o["id"] for o in owner.get("/sales-orders?status=confirmed").json["items"]] == [done["id"]]
    assert [o["id"] for o in owner.get(f"/sales-orders?customer_id={first.id}").json["items"]] == [draft["id"]]
    assert owner.get("/sales-orders?status=shipped").status_code == 422
    assert owner.get("/sales-invoices?status=open").json["total"] == 0


def test_invoice_pdf(api, main, case):
    seller = api("sales")
    order = _order(seller, factories.customer(salesperson=seller.user, name="华强电子").id, case, 1)
    seller.post(f"/sales-orders/{order['id']}/confirm")
    _delivered(seller, order, 1)
    invoice = seller.post(f"/sales-orders/{order['id']}/invoice").json
    response = seller.get(f"/sales-invoices/{invoice['id']}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def _resolve(doc, schema):
    if "$ref" in schema:
        return doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_openapi_describes_the_real_responses(api, main, case):
    owner = api("owner")
    customer = owner.post("/customers", {"name": "华强电子"}).json
    order = _order(owner, customer["id"], case, 2)
    owner.post(f"/sales-orders/{order['id']}/confirm")
    samples = {("/customers", "post"): customer, ("/sales-orders", "post"): order,
               ("/sales-orders/{order_id}/deliveries", "post"): _delivered(owner, order, 2).json,
               ("/sales-orders/{order_id}/invoice", "post"): owner.post(f"/sales-orders/{order['id']}/invoice").json}
    samples[("/payments", "post")] = owner.post("/payments", {"customer_id": customer["id"], "amount": "10",
                                                             "method": "cash"}).json
    samples[("/sales-returns", "post")] = owner.post("/sales-returns", {"sales_order_id": order["id"], "lines": [
        {"line_id": order["lines"][0]["id"], "qty": 1}]}).json
    doc = owner.get("/openapi.json").json
    for (path, method), body in samples.items():
        schema = _resolve(doc, doc["paths"][path][method]["responses"]["201"]["content"]["application/json"]["schema"])
        assert set(body) == set(schema["properties"]), path
        if "lines" in body:
            assert set(body["lines"][0]) == set(schema["properties"]["lines"]["items"]["properties"]), path
    assert "approve_over_limit" in _resolve(doc, doc["paths"]["/sales-orders/{order_id}/confirm"]["post"][
        "requestBody"]["content"]["application/json"]["schema"])["properties"]
