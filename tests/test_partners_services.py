"""Customer rules, called as a route would call them: required and unique names, checked fields,
who owns a customer, and the audit trail."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.errors import BusinessRuleError, Duplicate
from app.extensions import db
from app.partners import services as partners
from app.partners.models import Customer, PriceLevel
from app.trade import balances as owed
from tests import factories

D = Decimal


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def people(app):
    return factories.user("owner"), factories.user("sales"), factories.user("sales")


def actions(customer):
    return [(e.action, e.user_id) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "Customer", AuditEntry.object_id == customer.id)
        .order_by(AuditEntry.id))]


def test_owner_creates_a_customer_with_every_field_checked(people):
    owner, seller, _other = people
    customer = partners.create_customer(owner, {
        "name": "  华联超市 ", "email": "buyer@hualian.cn", "credit_limit": "5000", "payment_terms_days": 45,
        "price_level": "discount", "discount_pct": "5", "salesperson_id": seller.id, "phone": "13800000000"})
    db.session.commit()
    assert customer.name == "华联超市" and customer.credit_limit == D("5000.00")
    assert customer.payment_terms_days == 45 and customer.price_level == PriceLevel.DISCOUNT
    assert customer.discount_pct == D("5.00") and customer.salesperson_id == seller.id
    assert "13800000000" in customer.search_text
    assert actions(customer) == [("customer.create", owner.id)]


def test_a_salesperson_creating_a_customer_becomes_its_salesperson(people):
    _owner, seller, other = people
    customer = partners.create_customer(seller, {"name": "便利店", "salesperson_id": other.id})
    db.session.commit()
    assert customer.salesperson_id == seller.id


@pytest.mark.parametrize("values, field", [
    ({"name": "   "}, "name"),
    ({}, "name"),
    ({"name": "甲", "email": "not-an-email"}, "email"),
    ({"name": "甲", "email": "a@b"}, "email"),
    ({"name": "甲", "credit_limit": "-1"}, "credit_limit"),
    ({"name": "甲", "credit_limit": "lots"}, "credit_limit"),
    ({"name": "甲", "payment_terms_days": -1}, "payment_terms_days"),
    ({"name": "甲", "payment_terms_days": 366}, "payment_terms_days"),
    ({"name": "甲", "price_level": "vip"}, "price_level"),
    ({"name": "甲", "discount_pct": "101"}, "discount_pct"),
    ({"name": "甲" * 201}, "name"),
])
def test_bad_customer_fields_are_refused_by_name(people, values, field):
    owner, _seller, _other = people
    with pytest.raises(BusinessRuleError) as refused:
        partners.create_customer(owner, values)
    assert refused.value.field == field and refused.value.problem == "validation-error"


def test_credit_limit_blank_means_no_limit_and_zero_means_cash_only(people):
    owner, _seller, _other = people
    open_ended = partners.create_customer(owner, {"name": "甲", "credit_limit": ""})
    cash_only = partners.create_customer(owner, {"name": "乙", "credit_limit": "0"})
    db.session.commit()
    assert open_ended.credit_limit is None and owed.credit_headroom(open_ended) is None
    assert cash_only.credit_limit == D("0.00") and owed.credit_headroom(cash_only) == D("0.00")


@pytest.mark.parametrize("days", [0, 365])
def test_payment_terms_bounds_are_accepted(people, days):
    owner, _seller, _other = people
    assert partners.create_customer(owner, {"name": "甲", "payment_terms_days": days}).payment_terms_days == days


def test_names_are_unique_ignoring_case(people):
    owner, _seller, _other = people
    first = partners.create_customer(owner, {"name": "Acme Trading"})
    second = partners.create_customer(owner, {"name": "Beta"})
    db.session.commit()
    with pytest.raises(Duplicate) as refused:
        partners.create_customer(owner, {"name": "ACME trading "})
    assert refused.value.field == "name" and refused.value.problem == "duplicate"
    with pytest.raises(Duplicate):
        partners.update_customer(owner, second, {"name": "acme TRADING"})
    partners.update_customer(owner, first, {"name": "ACME Trading"})  # its own name in another case is fine
    db.session.commit()
    assert first.name == "ACME Trading"


def test_only_the_owner_may_give_a_customer_to_another_salesperson(people):
    owner, seller, other = people
    customer = factories.customer("便利店", seller)
    with pytest.raises(BusinessRuleError) as refused:
        partners.update_customer(seller, customer, {"salesperson_id": other.id})
    assert refused.value.problem == "forbidden" and refused.value.field == "salesperson_id"
    db.session.rollback()
    partners.update_customer(seller, customer, {"phone": "021-1234", "salesperson_id": seller.id})  # unchanged: fine
    partners.update_customer(owner, customer, {"salesperson_id": other.id})
    db.session.commit()
    assert customer.salesperson_id == other.id
    assert [a for a, _u in actions(customer)] == ["customer.create", "customer.update", "customer.reassign"]
    assert actions(customer)[-1] == ("customer.reassign", owner.id)


def test_a_customer_goes_only_to_an_active_seller(people):
    owner, _seller, _other = people
    customer = factories.customer("便利店")
    for bad in (factories.user("warehouse").id, factories.user("sales", active=False).id, 999999, "1"):
        with pytest.raises(BusinessRuleError) as refused:
            partners.update_customer(owner, customer, {"salesperson_id": bad})
        assert refused.value.field == "salesperson_id"
    partners.update_customer(owner, customer, {"salesperson_id": None})
    assert customer.salesperson_id is None


def test_unknown_fields_are_ignored_and_nothing_changed_writes_no_audit(people):
    owner, _seller, _other = people
    customer = factories.customer("便利店", phone="1")
    partners.update_customer(owner, customer, {"phone": "1", "id": 999, "search_text": "x"})
    db.session.commit()
    assert customer.id != 999 and [a for a, _u in actions(customer)] == ["customer.create"]
    assert db.session.scalar(select(Customer.search_text).where(Customer.id == customer.id)) != "x"
