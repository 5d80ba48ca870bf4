"""form_write, the one way a page's POST writes: replay a known key, roll back a refusal, commit the rest."""
import pytest
from flask import Blueprint, redirect, request
from sqlalchemy import func, select

from app.auth.roles import EVERYONE, allow
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import form_write, refuse
from app.inventory.models import Warehouse

# The probe views join the test's own apps, which the pool does not keep (tests/conftest.py).
pytestmark = pytest.mark.fresh_app

probe = Blueprint("form_write_probe", __name__)


class CodeForm:
    """Just enough of a form for refuse() to write on."""

    def __init__(self):
        self.form_errors = []


def _add(code: str) -> Warehouse:
    warehouse = Warehouse(code=code, name=code)
    db.session.add(warehouse)
    db.session.flush()
    return warehouse


@probe.route("/probe/create", methods=["POST"])
@allow(EVERYONE)
@form_write
def create():
    warehouse = _add(request.form["code"])
    return redirect(f"/probe/{warehouse.id}")


@probe.route("/probe/see-other", methods=["POST"])
@allow(EVERYONE)
@form_write
def create_see_other():
    warehouse = _add(request.form["code"])
    return redirect(f"/probe/{warehouse.id}", 303)


@probe.route("/probe/refused", methods=["POST"])
@allow(EVERYONE)
@form_write
def refused_by_status():
    _add(request.form["code"])
    return "no", 422


@probe.route("/probe/refuse", methods=["POST"])
@allow(EVERYONE)
@form_write
def refused_by_service():
    _add(request.form["code"])
    form = CodeForm()
    refuse(form, BusinessRuleError("taken"))
    seen = db.session.scalar(select(func.count()).select_from(Warehouse))  # the page is drawn from what is saved
    return f"{form.form_errors[0]} {seen}", 422


@probe.route("/probe/flash", methods=["POST"])
@allow(EVERYONE)
@form_write
def refused_by_flash():
    _add(request.form["code"])
    refuse(None, BusinessRuleError("taken"))
    return redirect("/probe/back")


@probe.route("/probe/preview", methods=["POST"])
@allow(EVERYONE)
@form_write
def preview():
    return "looks fine"


def _fragment(order_id):
    return f"fragment {order_id}"


@probe.route("/probe/<int:order_id>/scan", methods=["POST"])
@allow(EVERYONE)
@form_write(replay=_fragment)
def scan(order_id):
    _add(request.form["code"])
    return "added"


@pytest.fixture
def probe_client(client, login):
    client.application.register_blueprint(probe)
    login("owner")
    return client


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data})


def codes():
    return db.session.scalars(select(Warehouse.code).order_by(Warehouse.code)).all()


def test_a_key_used_before_answers_as_the_first_time_and_writes_once(probe_client):
    first = post(probe_client, "/probe/create", code="A", idempotency_key="tap-1")
    again = post(probe_client, "/probe/create", code="B", idempotency_key="tap-1")
    assert first.status_code == again.status_code == 302
    assert again.location == first.location
    assert codes() == ["A"]


def test_a_replay_redirects_with_the_first_answers_status(probe_client):
    first = post(probe_client, "/probe/see-other", code="A", idempotency_key="tap-6")
    again = post(probe_client, "/probe/see-other", code="B", idempotency_key="tap-6")
    assert (first.status_code, again.status_code, again.location) == (303, 303, first.location)
    assert codes() == ["A"]


def test_without_a_key_every_post_commits(probe_client):
    post(probe_client, "/probe/create", code="A")
    post(probe_client, "/probe/create", code="B")
    assert codes() == ["A", "B"]


def test_a_refusal_status_rolls_back_and_frees_the_key(probe_client):
    assert post(probe_client, "/probe/refused", code="A", idempotency_key="tap-2").status_code == 422
    assert codes() == []
    # Nothing was kept under the key, so correcting the form and sending it again works.
    assert post(probe_client, "/probe/create", code="B", idempotency_key="tap-2").status_code == 302
    assert codes() == ["B"]


def test_refuse_undoes_the_work_before_the_page_is_drawn(probe_client):
    response = post(probe_client, "/probe/refuse", code="A", idempotency_key="tap-3")
    assert (response.status_code, response.get_data(as_text=True)) == (422, "taken 0")
    assert codes() == []


def test_a_fragment_view_replays_through_its_own_answer(probe_client):
    assert post(probe_client, "/probe/7/scan", code="A", key="scan-1").get_data(as_text=True) == "added"
    assert post(probe_client, "/probe/7/scan", code="B", key="scan-1").get_data(as_text=True) == "fragment 7"
    assert codes() == ["A"]


def test_a_refusal_flashed_on_a_redirect_rolls_back_and_frees_the_key(probe_client):
    response = post(probe_client, "/probe/flash", code="A", idempotency_key="tap-4")
    assert response.location == "/probe/back"
    assert codes() == []
    with probe_client.session_transaction() as session:
        assert ("error", "taken") in session["_flashes"]
    assert post(probe_client, "/probe/create", code="B", idempotency_key="tap-4").status_code == 302
    assert codes() == ["B"]


def test_a_page_that_only_shows_leaves_the_key_to_the_post_that_writes(probe_client):
    assert post(probe_client, "/probe/preview", idempotency_key="tap-5").get_data(as_text=True) == "looks fine"
    assert post(probe_client, "/probe/create", code="A", idempotency_key="tap-5").status_code == 302
    assert codes() == ["A"]
