"""The API against its own served OpenAPI document, by schemathesis (in process, on the WSGI app).

Generated requests for every operation (examples, boundary values, fuzzing; valid and invalid data), then
stateful chains that follow the document's links (a created customer is read, changed and ordered for; an
order is confirmed, delivered, invoiced ...), each response run through every check schemathesis has but the
timed one: no server error, a documented status code, content type and headers, a body matching the documented
schema, invalid data refused, valid data accepted, a deleted or created resource behaving as such, and one
salesperson's objects refused to another.

Deterministic (a fixed seed, no example database) and bounded (max_examples, steps) so that both engines'
CI runs stay within their budget.
"""
import collections
import json
import uuid

import pytest
import schemathesis
import schemathesis.specs.openapi.stateful as schemathesis_stateful
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from app.auth.models import ApiToken
from tests import factories
from tests.conftest import _empty_tables, _make_app

SEED = 20261213
WORKFLOWS = r"^/(customers|suppliers|sales-(orders|deliveries|invoices)|purchase-(orders|receipts|invoices)|payments)"
# Per operation: at 10 the owner's run alone took 113 s of a CI worker, on each engine. The salespeople's run is
# for their scope (each other's objects are 404s, costs never shown), which a few requests an operation reach.
MAX_EXAMPLES = {"owner": 6, "peers": 3}
STATEFUL_EXAMPLES = {"owner": 30, "peers": 15}
# Every check schemathesis has but max_response_time (a timed test, flaky on a shared CI machine).
# `ignored_auth` re-sends without the token (every operation must then be 401); `use_after_free` and
# `ensure_resource_availability` judge the stateful chains; `object_level_authorization` replays one
# salesperson's successful reads as the other (the "peers" run: each must get a 404 for the other's objects).
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
          "positive_data_acceptance", "missing_required_header", "unsupported_method", "allow_header_conformance",
          "use_after_free", "ensure_resource_availability", "ignored_auth", "object_level_authorization")


def _config(auth: dict, examples: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        "auth": auth,
        "generation": {"mode": "all", "max-examples": examples, "deterministic": True, "database": "none"},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS},
                   # Valid by the schema yet refused by a rule it cannot state (no such product, a period over ten
                   # years): a 422, and refusals_name_the_field holds each such 422 to naming what to fix.
                   # A read sent with `If-None-Match: *` (or the current ETag) is rightly a 304.
                   "positive_data_acceptance": {"enabled": True, "expected-statuses": [
                       "2xx", "304", "401", "403", "404", "409", "422", "429"]}},
        # Stateful chains follow the links the document declares (the inferred ones mostly pair unrelated ids).
        # Invalid data is the stateless run's; chains carry valid requests, so that they get somewhere.
        "phases": {"stateful": {"max-steps": 15, "inference": {"algorithms": []},
                                "generation": {"mode": "positive"}}},
    })


# Calls ask for the body unencoded: the WSGI transport hands it back as sent and, unlike an HTTP client, does not
# undo the gzip the app applies to larger responses (app/compression.py).
UNENCODED = {"Accept-Encoding": "identity"}


def fresh_idempotency_key(case):
    """A generated POST gets a key of its own: one key reused with another body is (rightly) refused with a 422,
    which is the idempotency tests' business (test_api*.py), not a schema-valid request refused."""
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and 0 < len(key) <= 100:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex


@schemathesis.check
def refusals_name_the_field(ctx, response, case):
    """A 422 says what to fix: a validation-error whose `errors` names the fields (a JSON Schema cannot say that
    a referenced product exists or that a period is at most ten years, so schema-valid requests may be refused,
    but never without saying why)."""
    if response.status_code != 422:
        return None
    body = response.json()
    if body.get("type") != "validation-error" or not body.get("errors"):
        raise AssertionError(f"A 422 without the fields at fault: {body}")
    return None


# Who calls: the owner (everything), or two salespeople who must not see each other's customers and documents.
CALLERS = {"owner": (("owner", "owner"),), "peers": (("sales_a", "sales"), ("sales_b", "sales"))}


def _token(username: str) -> str:
    return f"jxc_schemathesis-{username}"


def _world(callers: str):
    """The callers with their fixed tokens (so that a stateful scenario seeding the world again calls with the
    same credentials) and two worlds: the owner's two, or one of each salesperson's."""
    if callers == "owner":
        owner = _caller("owner", "owner")
        factories.api_world(owner)
        factories.api_world(owner, tag="B")
    else:
        owner = factories.user("owner")
        for (username, role), tag in zip(CALLERS[callers], ("", "B")):
            factories.api_world(owner, salesperson=_caller(username, role), tag=tag)


def _caller(username: str, role: str):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ApiToken, "new_secret", staticmethod(lambda: _token(username)))
        return factories.user_with_token(role=role, username=username)[0]


def _load(callers: str, web, folder):
    """The served document, loaded as a client would, calling as `callers` (peers as Web Fuzzing Commons
    identities, so that object_level_authorization replays one's reads as the other)."""
    people = [username for username, _role in CALLERS[callers]]
    if callers == "owner":
        auth = {"openapi": {"bearer": {"bearer": _token(people[0])}}}
    else:
        document = folder / "peers.json"
        document.write_text(json.dumps({"auth": [
            {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {_token(name)}"}]}
            for name in people]}), encoding="utf-8")
        auth = {"wfc": {"path": str(document), "peers": people}}
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", web, config=_config(auth, MAX_EXAMPLES[callers]),
                                          headers={"Authorization": f"Bearer {_token(people[0])}"})


@pytest.fixture(params=list(CALLERS))
def api_schema(request, app, database, tmp_path):
    """The served document with a world of data behind it (a salesperson's scope: other salespeople's customers
    and documents are 404s to them)."""
    _world(request.param)
    # schemathesis' lazy pytest schema renames the test after each operation through `_nodeid`, an attribute
    # pytest 9 no longer has (its node id is `_id` now); give it one to read.
    request.node._nodeid = request.node.nodeid
    return _load(request.param, _make_app(database), tmp_path)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
def test_every_operation(case):
    fresh_idempotency_key(case)
    case.call_and_validate(headers=UNENCODED, additional_checks=[refusals_name_the_field])


def _seeded_roots(operation, _node, _produced) -> bool:
    """Every create and every list may start a chain. schemathesis drops from the starts any operation that takes an
    id of a resource no chained operation makes (salesperson_id, warehouse_id); here the world seeds those."""
    return operation.method == "post" or (operation.method == "get" and not operation.path_parameters)


@pytest.mark.parametrize("callers", list(CALLERS))
def test_stateful_chains_reach_real_objects(app, database, tmp_path, callers, monkeypatch):
    """Links feed what one call made into the next: customers into orders, orders into confirm, delivery,
    invoice and payment, purchase orders into receipts ... and the chains do get there. As two salespeople,
    every object one of them reads is refused to the other.

    Each scenario starts from the same world (emptied and seeded again), as Hypothesis needs a scenario to
    behave the same when it is run again."""
    _world(callers)
    monkeypatch.setattr(schemathesis_stateful, "is_likely_root_transition", _seeded_roots)
    # The documents' workflows (and what they start from); the rest of the API is the stateless run's.
    workflows = _load(callers, _make_app(database), tmp_path).include(path_regex=WORKFLOWS)
    answers = collections.Counter()  # (operation, status): what the walk met

    class Workflow(workflows.as_state_machine()):
        def setup(self):
            _empty_tables()
            _world(callers)

        def before_call(self, case):
            fresh_idempotency_key(case)
            # A feed from a random time or cursor, or a 304, leaves nothing to follow: the stateless run has them.
            for name in ("updated_since", "cursor"):
                (case.query or {}).pop(name, None)
            (case.headers or {}).pop("If-None-Match", None)

        def get_call_kwargs(self, case):
            return {**super().get_call_kwargs(case), "headers": UNENCODED}

        def after_call(self, response, case):
            super().after_call(response, case)
            answers[case.operation.label, response.status_code] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            super().validate_response(response, case, additional_checks=[refusals_name_the_field], **kwargs)

    Workflow.run(settings=settings(max_examples=STATEFUL_EXAMPLES[callers], stateful_step_count=15, deadline=None,
                                   derandomize=True, database=None, suppress_health_check=list(HealthCheck)))
    on_objects = {label for label, status in answers if status < 300 and "{" in label}  # on an id a link fed in
    # A salesperson's chains stop sooner (no purchasing, no stock to spare), but reach their customers: the reads
    # object_level_authorization replays as the other salesperson.
    assert len(on_objects) >= {"owner": 4, "peers": 2}[callers] and "GET /customers/{customer_id}" in on_objects, \
        sorted(answers.items())
