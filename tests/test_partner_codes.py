"""Customer and supplier codes: given when left empty (C0001 / S0001), typed codes kept and unique, shown on the
screens, in the API (an additive field) and found by search."""
import pytest

from app.errors import Duplicate
from app.extensions import db
from app.partners import services as customers
from app.partners import suppliers
from app.partners.models import Customer, Supplier
from tests import factories

EN = {"Accept-Language": "en"}


def test_codes_are_given_in_order_and_typed_codes_are_skipped_over(app):
    owner = factories.user("owner")
    first = customers.create_customer(owner, {"name": "甲"})
    typed = customers.create_customer(owner, {"name": "乙", "code": "c0002"})
    third = customers.create_customer(owner, {"name": "丙", "code": "  "})
    db.session.commit()
    assert (first.code, typed.code, third.code) == ("C0001", "c0002", "C0003")  # C0002 was taken (any case)
    assert "c0003" in third.search_text
    supplier = suppliers.create_supplier(owner, {"name": "丁"})
    db.session.add(Supplier(name="made directly"))  # however a record is made, it gets a code
    db.session.commit()
    assert supplier.code == "S0001"
    assert db.session.query(Supplier).filter_by(name="made directly").one().code == "S0002"


def test_a_code_is_unique_and_blank_on_edit_keeps_it(app):
    owner = factories.user("owner")
    a = customers.create_customer(owner, {"name": "甲"})
    b = customers.create_customer(owner, {"name": "乙"})
    db.session.commit()
    with pytest.raises(Duplicate):
        customers.update_customer(owner, b, {"code": a.code.lower()})
    customers.update_customer(owner, b, {"code": ""})
    assert b.code == "C0002"
    with pytest.raises(Duplicate):
        suppliers.create_supplier(owner, {"name": "丙", "code": factories.supplier().code})


def test_screens_show_and_edit_the_code(client, login):
    login("owner")
    customer = factories.customer(name="广州李记")
    supplier = factories.supplier(name="深圳配件厂")
    assert customer.code in client.get("/customers").get_data(as_text=True)
    assert customer.code in client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert supplier.code in client.get("/suppliers").get_data(as_text=True)
    assert supplier.code in client.get(f"/suppliers/{supplier.id}").get_data(as_text=True)
    page = client.get("/customers/new").get_data(as_text=True)
    assert 'name="code"' in page and "客户编码" in page
    assert 'href="/imports/customers"' in client.get("/customers").get_data(as_text=True)


def test_the_api_gives_and_takes_the_code(api):
    caller = api("owner")
    made = caller.post("/customers", {"name": "广州李记"})
    assert made.status_code == 201 and made.json["code"] == "C0001"
    typed = caller.post("/customers", {"name": "深圳张记", "code": "VIP-1"})
    assert typed.json["code"] == "VIP-1"
    taken = caller.patch(f"/customers/{made.json['id']}", {"code": "VIP-1"})
    assert taken.status_code == 409 and taken.json["type"] == "duplicate"
    assert caller.get(f"/customers/{made.json['id']}").json["code"] == "C0001"
    supplier = caller.post("/suppliers", {"name": "深圳配件厂"})
    assert supplier.status_code == 201 and supplier.json["code"] == "S0001"
    assert caller.get("/suppliers").json["items"][0]["code"] == "S0001"
    schema = caller.get("/openapi.json").json["components"]["schemas"]
    assert "code" in schema["Customer"]["properties"] and "code" in schema["CustomerCreate"]["properties"]
    assert "code" in schema["Supplier"]["properties"]
    assert db.session.query(Customer).count() == 2
