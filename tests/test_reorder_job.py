"""The morning reorder job: drafts purchase orders when the owner turned it on, and tells buyers on their home."""
from datetime import datetime

from app.extensions import db
from app.partners import suppliers
from app.purchasing.reorder import draft_if_enabled
from app.settings.services import company, update_company
from app.tasks import huey, morning_reorder
from tests import factories


def _below_minimum():
    owner, warehouse = factories.user("owner"), factories.warehouse()
    product = factories.product(min_stock="10", max_stock="50")
    supplier = suppliers.create_supplier(owner, {"name": "深圳供应商"})
    suppliers.set_item(owner, supplier, product.id, preferred=True)
    db.session.commit()
    return owner, warehouse, product


def _turn_on(owner, on=True):
    settings = company()
    update_company(owner, {"name": "公司", "currency": "CNY", "default_tax_rate": "13", "auto_reorder": on})
    db.session.commit()
    return settings


def test_the_job_runs_every_morning_at_seven():
    assert morning_reorder.task_class in huey._registry._periodic_tasks
    task = morning_reorder.task_class()
    assert task.validate_datetime(datetime(2026, 11, 30, 7, 0))
    assert not task.validate_datetime(datetime(2026, 11, 30, 8, 0))


def test_nothing_is_drafted_unless_the_owner_turned_it_on(app):
    owner, _warehouse, _product = _below_minimum()
    assert draft_if_enabled() == []
    _turn_on(owner)
    drafted = draft_if_enabled()
    db.session.commit()
    assert len(drafted) == 1 and drafted[0].auto_drafted and drafted[0].lines[0].qty == 50
    assert draft_if_enabled() == []  # tomorrow's run leaves the product to the draft still waiting


def test_buyers_see_this_mornings_drafts_on_their_home(app, client, login):
    owner, _warehouse, _product = _below_minimum()
    _turn_on(owner)
    order = draft_if_enabled()[0]
    db.session.commit()
    login("purchasing")
    page = client.get("/").get_data(as_text=True)
    assert order.number in page and "/purchase-orders/%d" % order.id in page


def test_other_roles_are_not_told(app, client, login):
    owner, _warehouse, _product = _below_minimum()
    _turn_on(owner)
    order = draft_if_enabled()[0]
    db.session.commit()
    login("sales")
    assert order.number not in client.get("/").get_data(as_text=True)
