"""The API base of shared/API.md: tokens, problem+json, unknown fields, idempotency, OpenAPI."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.audit.models import AuditEntry
from app.auth.models import User
from app.db_types import utcnow
from app.extensions import db
from app.idempotency import LIFETIME, IdempotencyRecord
from tests import factories
from tests.conftest import csrf_token


def test_me_returns_the_tokens_user(api):
    caller = api("warehouse")
    response = caller.get("/me")
    assert response.status_code == 200
    assert response.json == {"id": caller.user.id, "username": caller.user.username, "role": "warehouse"}


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer "])
def test_missing_or_bad_token_is_401_problem(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "unauthenticated" and response.json["status"] == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_session_cookie_is_not_accepted_on_the_api(client, login):
    login("owner")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_route_is_404_problem(api):
    response = api("owner").get("/no-such-thing")
    assert response.status_code == 404 and response.json["type"] == "not-found"


def test_body_that_is_not_a_json_object_is_400(api):
    caller = api("owner")
    for body in (b"not json", b"[1, 2]"):
        response = caller.call("POST", "/users", data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, body
        assert response.json["type"] == "bad-request"


def test_unknown_fields_are_rejected_and_nothing_is_written(api):
    caller = api("owner")
    response = caller.post("/users", {"username": "xiaoli", "role": "sales", "password": "longenough",
                                      "salary": "9999"})
    assert response.status_code == 422
    assert response.json["type"] == "validation-error"
    assert "salary" in response.json["errors"]
    assert db.session.query(User).filter_by(username="xiaoli").count() == 0


def test_validation_errors_name_each_field(api):
    response = api("owner").post("/users", {"username": "x", "role": "boss", "password": "short"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"username", "role", "password"}


def test_create_read_update_user_with_audit(api):
    caller = api("owner")
    created = caller.post("/users", {"username": "xiaoli", "role": "sales", "password": "longenough",
                                     "display_name": "小李"})
    assert created.status_code == 201
    assert created.headers["Location"].endswith(f"/api/v1/users/{created.json['id']}")
    user_id = created.json["id"]
    assert caller.get(f"/users/{user_id}").json["display_name"] == "小李"
    updated = caller.patch(f"/users/{user_id}", {"role": "finance", "active": False})
    assert updated.status_code == 200
    assert updated.json["role"] == "finance" and updated.json["active"] is False
    actions = [e.action for e in db.session.query(AuditEntry).filter_by(object_type="User", object_id=user_id)
               .order_by(AuditEntry.id)]
    assert actions == ["user.create", "user.update", "user.deactivate"]
    assert caller.get("/users?role=finance&active=false").json["total"] == 1


def test_duplicate_username_is_409(api):
    caller = api("owner")
    body = {"username": "xiaoli", "role": "sales", "password": "longenough"}
    assert caller.post("/users", body).status_code == 201
    response = caller.post("/users", {**body, "username": "XiaoLi"})
    assert response.status_code == 409 and response.json["type"] == "duplicate"
    assert response.json["errors"] == {"username": [response.json["title"]]}


def test_list_envelope_and_paging(api):
    caller = api("owner")
    for n in range(3):
        factories.user(role="sales", username=f"s{n}")
    page = caller.get("/users?per_page=2&page=2").json
    assert page["total"] == 4 and page["page"] == 2 and page["per_page"] == 2
    assert len(page["items"]) == 2
    assert caller.get("/users?per_page=201").status_code == 422


def test_idempotency_key_replays_the_first_response(api):
    caller = api("owner")
    body = {"username": "xiaoli", "role": "sales", "password": "longenough"}
    first = caller.post("/users", body, headers={"Idempotency-Key": "abc"})
    again = caller.post("/users", body, headers={"Idempotency-Key": "abc"})
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.query(User).filter_by(username="xiaoli").count() == 1


def test_idempotency_key_with_another_body_is_refused(api):
    caller = api("owner")
    caller.post("/users", {"username": "a1", "role": "sales", "password": "longenough"},
                headers={"Idempotency-Key": "k"})
    response = caller.post("/users", {"username": "a2", "role": "sales", "password": "longenough"},
                           headers={"Idempotency-Key": "k"})
    assert response.status_code == 422 and response.json["type"] == "idempotency-key-reused"
    assert db.session.query(User).filter_by(username="a2").count() == 0


def test_idempotency_keys_belong_to_their_user(api):
    first, second = api("owner"), api("owner")
    body = {"username": "a1", "role": "sales", "password": "longenough"}
    assert first.post("/users", body, headers={"Idempotency-Key": "same"}).status_code == 201
    # The other user's identical key is its own: the request runs, and finds the name taken.
    assert second.post("/users", body, headers={"Idempotency-Key": "same"}).status_code == 409


def test_a_refusal_is_replayed_too(api):
    caller = api("owner")
    bad = {"username": "x", "role": "sales", "password": "longenough"}
    first = caller.post("/users", bad, headers={"Idempotency-Key": "k"})
    assert first.status_code == 422
    assert caller.post("/users", bad, headers={"Idempotency-Key": "k"}).json == first.json


def test_a_key_older_than_a_day_is_free_again(api):
    """A record past its 24 hours neither answers nor blocks the key: the request runs, and its answer is kept."""
    caller = api("owner")
    caller.post("/users", {"username": "a1", "role": "sales", "password": "longenough"},
                headers={"Idempotency-Key": "old"})
    db.session.execute(update(IdempotencyRecord).values(created_at=utcnow() - LIFETIME - timedelta(seconds=1)))
    db.session.commit()
    body = {"username": "a2", "role": "sales", "password": "longenough"}
    fresh = caller.post("/users", body, headers={"Idempotency-Key": "old"})
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    again = caller.post("/users", body, headers={"Idempotency-Key": "old"})
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == fresh.json
    assert db.session.query(User).filter(User.username.in_(["a1", "a2"])).count() == 2
    assert db.session.query(IdempotencyRecord).count() == 1


def test_overlong_idempotency_key_is_422(api):
    response = api("owner").post("/users", {}, headers={"Idempotency-Key": "x" * 101})
    assert response.status_code == 422 and "Idempotency-Key" in response.json["errors"]


def test_api_answers_in_the_callers_language(api):
    caller = api("owner")
    zh = caller.get("/nothing", headers={"Accept-Language": "zh-CN"}).json["title"]
    en = caller.get("/nothing", headers={"Accept-Language": "en"}).json["title"]
    assert zh == "未找到。" and en == "Not found."


def test_problem_for_every_documented_error_has_the_fields(api):
    response = api("sales").get("/users")
    assert response.status_code == 403
    assert set(response.json) >= {"type", "title", "status", "detail"}


# The OpenAPI document must describe exactly what the app serves.

def _served_operations(app):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return served


def test_openapi_lists_every_served_operation(app, api):
    doc = api("sales").get("/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert documented == _served_operations(app)


def _resolve(doc, schema):
    if "$ref" in schema:
        return doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_openapi_response_shapes_match_real_responses(api):
    caller = api("owner")
    doc = caller.get("/openapi.json").json
    caller.post("/users", {"username": "xiaoli", "role": "sales", "password": "longenough"})
    samples = {("/me", "get"): caller.get("/me").json,
               ("/users/{user_id}", "get"): caller.get(f"/users/{caller.user.id}").json,
               ("/users", "get"): caller.get("/users").json}
    feed = caller.get("/users?updated_since=2026-01-01T00:00:00Z").json  # a feed: the envelope's every key
    for (path, method), body in samples.items():
        schema = _resolve(doc, doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"])
        if "items" in schema.get("properties", {}):
            assert set(body) == set(schema["required"]) and set(feed) == set(schema["properties"])
            schema, body = _resolve(doc, schema["properties"]["items"]["items"]), body["items"][0]
        assert set(body) == set(schema["properties"]), path


def test_openapi_request_schema_refuses_unknown_fields(api):
    doc = api("owner").get("/openapi.json").json
    create = _resolve(doc, doc["paths"]["/users"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    assert create["additionalProperties"] is False
    assert set(create["required"]) == {"username", "role", "password"}


def test_api_needs_no_csrf_but_pages_do(client, api, login):
    caller = api("owner")
    assert caller.post("/users", {"username": "a1", "role": "sales", "password": "longenough"}).status_code == 201
    login("owner")
    token = csrf_token(client, "/users/new")
    assert token
    assert client.post("/users/new", data={"username": "a2", "role": "sales", "password": "longenough"}).status_code == 400


def test_a_race_on_a_unique_value_is_409_not_500(api, monkeypatch):
    """Two requests pass the duplicate check at once; the database's constraint decides, politely."""
    from app.auth import services
    caller = api("owner")
    body = {"username": "xiaoli", "role": "sales", "password": "longenough"}
    assert caller.post("/users", body).status_code == 201
    monkeypatch.setattr(services, "find_user", lambda username: None)
    response = caller.post("/users", body)
    assert response.status_code == 409 and response.json["type"] == "duplicate"
