"""The owner's user screens: full pages, fragments, 422s, redirects, audit."""
from app.audit.models import AuditEntry
from app.auth.models import User
from app.extensions import db
from tests import factories


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data})


def test_owner_creates_a_user_and_it_is_audited(client, login):
    owner = login("owner")
    response = post(client, "/users/new", username="xiaoli", display_name="小李", role="sales",
                    password="longenough", idempotency_key="k1")
    user = db.session.query(User).filter_by(username="xiaoli").one()
    assert response.status_code == 302 and response.headers["Location"] == f"/users/{user.id}"
    entry = db.session.query(AuditEntry).filter_by(action="user.create", object_label="xiaoli").one()
    assert entry.user_id == owner.id and entry.object_id == user.id
    assert entry.changes["role"] == [None, "sales"]


def test_double_tap_on_create_makes_one_user(client, login):
    login("owner")
    for _ in range(2):
        response = post(client, "/users/new", username="xiaoli", role="sales", password="longenough",
                        idempotency_key="same")
        assert response.status_code == 302
    assert db.session.query(User).filter_by(username="xiaoli").count() == 1


def test_invalid_create_is_422_with_field_errors_and_nothing_written(client, login):
    login("owner")
    factories.user(username="taken")
    response = post(client, "/users/new", username="taken", role="sales", password="longenough")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "taken" in html
    assert db.session.query(User).filter_by(username="taken").count() == 1


def test_user_list_is_a_page_or_a_fragment(client, login):
    login("owner")
    factories.user(username="zhangwei", display_name="张伟")
    page = client.get("/users?q=张")
    fragment = client.get("/users?q=张", headers={"HX-Request": "true"})
    boosted = client.get("/users?q=张", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in page.get_data(as_text=True)
    assert fragment.get_data(as_text=True).lstrip().startswith('<ul class="rows" id="user-list">')
    assert "张伟" in fragment.get_data(as_text=True)
    assert "<html" in boosted.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    assert fragment.headers["Cache-Control"] == "no-store"


def test_history_restore_gets_the_full_page(client, login):
    login("owner")
    response = client.get("/users", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_owner_changes_role_resets_password_and_deactivates(client, login):
    login("owner")
    user = factories.user(role="sales", username="xiaoli")
    assert post(client, f"/users/{user.id}", display_name="小李", role="finance").status_code == 302
    assert post(client, f"/users/{user.id}/password", password="brand new pw").status_code == 302
    assert post(client, f"/users/{user.id}/active", active="0").status_code == 302
    db.session.refresh(user)
    assert (user.role.value, user.display_name, user.active) == ("finance", "小李", False)
    actions = [e.action for e in db.session.query(AuditEntry).filter_by(object_id=user.id, object_type="User")
               .order_by(AuditEntry.id)]
    assert actions == ["user.create", "user.update", "user.reset_password", "user.deactivate"]


def test_short_reset_password_is_422(client, login):
    login("owner")
    user = factories.user(role="sales")
    assert post(client, f"/users/{user.id}/password", password="short").status_code == 422


def test_owner_cannot_demote_or_deactivate_themself(client, login):
    owner = login("owner")
    assert post(client, f"/users/{owner.id}", display_name="x", role="sales").status_code == 422
    response = post(client, f"/users/{owner.id}/active", active="0")
    assert response.status_code == 409
    db.session.refresh(owner)
    assert owner.active and owner.role.value == "owner"


def test_unknown_user_is_404(client, login):
    login("owner")
    assert client.get("/users/999").status_code == 404


def test_audit_log_filters_by_user_and_object(client, login):
    owner = login("owner")
    user = factories.user(role="sales", username="xiaoli")
    post(client, f"/users/{user.id}", display_name="小李", role="finance")
    mine = client.get(f"/audit?user_id={owner.id}").get_data(as_text=True)
    assert "user.update" in mine and "user.create" not in mine  # the factory acted as the system
    about = client.get(f"/audit?object_type=User&object_id={user.id}", headers={"HX-Request": "true"})
    assert about.get_data(as_text=True).lstrip().startswith('<div id="audit-entries">')
    assert "user.create" in about.get_data(as_text=True)


def test_a_race_on_a_unique_value_shows_a_clear_page(client, login, monkeypatch):
    from app.auth import services
    login("owner")
    factories.user(username="xiaoli")
    monkeypatch.setattr(services, "find_user", lambda username: None)
    response = post(client, "/users/new", username="xiaoli", role="sales", password="longenough")
    assert response.status_code == 409
    assert "与刚刚保存的记录冲突" in response.get_data(as_text=True)
