"""Bad input answers 4xx in plain words, never 500: walks of the URL map prove each class is closed everywhere."""
import pytest

from app.errors import BusinessRuleError
from app.limits import MAX_ID, parse_date
from tests import factories

HUGE = (2 ** 31, 2 ** 63, 10 ** 30)  # ids are INTEGER columns: 2**31 is already "out of range" on PostgreSQL
LARGE = (2 ** 62, 2 ** 63 - 1)  # within 64 bits, yet beyond an id, and page x per_page is an OFFSET beyond 64 bits
# One of each class for the walks of every route x every argument: just past an id, past 64 bits, the largest 64-bit.
WALKED = (2 ** 31, 10 ** 30, 2 ** 63 - 1)


def _get_rules(app, with_ints: bool):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        ints = [name for name, conv in rule._converters.items() if type(conv).__name__ == "IdConverter"]
        if bool(ints) == with_ints and len(ints) == len(rule.arguments):
            yield rule


def _path(rule, value) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<int:{name}>", str(value))
    return path


@pytest.mark.parametrize("value", HUGE)
def test_every_get_with_an_id_beyond_bigint_is_404(client, login, value):
    """2**31, 2**63 or 10**30 in any <int:...> of any page or API path: 404, never a 500 from the driver."""
    login("owner")
    token = factories.user_with_token(role="owner")[1]
    rules = list(_get_rules(client.application, with_ints=True))
    assert len(rules) > 40
    failures = []
    for rule in rules:
        headers = {"Authorization": f"Bearer {token}"} if rule.rule.startswith("/api/") else {}
        response = client.get(_path(rule, value), headers=headers)
        if response.status_code != 404:
            failures.append((rule.rule, response.status_code))
    assert not failures, "\n".join(map(str, failures))


@pytest.mark.parametrize("method", ["GET", "PATCH", "POST", "DELETE"])
def test_a_path_names_every_id_up_to_the_largest_and_none_beyond(app, method):
    """Ids run to MAX_ID (2**31 - 1) in paths as in bodies; one more, leading zeros past ten digits or non-ASCII
    digits match no route, so every method answers 404 (not 405)."""
    from werkzeug.exceptions import NotFound
    urls = app.url_map.bind("localhost")
    assert urls.match("/api/v1/customers/2147483647", method="GET") == ("api.customers_show", {"customer_id": MAX_ID})
    assert urls.match("/api/v1/customers/0000000001", method="GET")[1] == {"customer_id": 1}
    for path in ("/api/v1/customers/2147483648", "/api/v1/customers/9999999999", "/api/v1/customers/00000000001",
                 "/api/v1/customers/１２", "/customers/2147483648"):
        with pytest.raises(NotFound):
            urls.match(path, method=method)


@pytest.mark.parametrize("arg", ["page", "per_page", "customer_id", "product_id", "warehouse_id", "category_id",
                                 "supplier_id", "user_id", "salesperson_id", "partner_id", "object_id"])
def test_every_list_with_a_huge_number_in_the_query_is_not_500(client, login, arg):
    """page=2**63, per_page=10**30 and ids as large on every GET without path ids: a page or a 4xx, never 500."""
    login("owner")
    token = factories.user_with_token(role="owner")[1]
    failures = []
    for rule in _get_rules(client.application, with_ints=False):
        api = rule.rule.startswith("/api/")
        headers = {"Authorization": f"Bearer {token}"} if api else {}
        for value in WALKED:
            response = client.get(rule.rule, query_string={arg: str(value)}, headers=headers)
            if response.status_code >= 500 or (api and arg in ("page", "per_page") and response.status_code == 200
                                                and value in HUGE
                                                and response.is_json and "page" in response.get_json()):
                failures.append((rule.rule, value, response.status_code))
    assert not failures, "\n".join(map(str, failures))


def test_api_list_refuses_a_huge_page_with_422(api):
    client = api("owner")
    for query in ("page=9223372036854775808", "per_page=9223372036854775808", "page=1000000000000000000000000000000"):
        response = client.get(f"/products?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["type"] == "validation-error"


def test_screen_with_a_huge_filter_id_says_so_in_plain_words(client, login):
    login("owner")
    response = client.get("/orders", query_string={"customer_id": str(2 ** 63)})
    assert response.status_code == 422
    assert str(MAX_ID) in response.get_data(as_text=True)  # the bound, in plain words


@pytest.mark.parametrize("value", [2 ** 31, 2 ** 63, 10 ** 30, -(2 ** 63) - 1])
def test_api_body_with_a_huge_id_is_422(api, value):
    client = api("owner")
    customer = factories.customer()
    for path, body, field in (
            ("/sales-orders", {"customer_id": value, "lines": []}, "customer_id"),
            ("/sales-orders", {"customer_id": customer.id, "lines": [{"product_id": value, "qty": "1"}]},
             "lines.0.product_id"),
            ("/purchase-orders", {"supplier_id": value, "lines": []}, "supplier_id")):
        response = client.post(path, body)
        assert response.status_code == 422, (path, response.get_json())
        assert field in response.get_json()["errors"], response.get_json()


def test_json_nested_a_thousand_deep_is_400(api):
    client = api("owner")
    body = "[" * 1000 + "]" * 1000
    for depth_body in (body, '{"a":' * 1000 + "1" + "}" * 1000):
        response = client.call("POST", "/sales-orders", data=depth_body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.get_json()["type"] == "bad-request"


DATE_ARGS = ("from", "to", "date_from", "date_to", "start", "end", "as_of")
BAD_DATES = ("9999-12-31", "0001-01-01", "2026-02-30", "20261", "2026-1-1", "٢٠٢٦-٠١-٠١")
# Every date argument goes through app.limits.parse_date, which refuses each of BAD_DATES (below). The walks send
# what an endpoint reading a date its own way would trip on: a date whose next day overflows, a day before
# year 1's next, and a day no month has. (Each walk is a few thousand requests: all six took minutes a CI run.)
WALKED_DATES = ("9999-12-31", "0001-01-01", "2026-02-30")


@pytest.mark.parametrize("day", BAD_DATES)
def test_the_date_parser_refuses_each_bad_date_naming_the_field(app, day):
    with pytest.raises(BusinessRuleError) as refused:
        parse_date(day, "date_to")
    assert refused.value.field == "date_to"


@pytest.mark.parametrize("day", WALKED_DATES)
def test_every_report_and_list_with_a_bad_date_is_not_500(client, login, day):
    """Every GET without path ids (reports, ledgers, lists, their exports and API twins) with each date argument
    set to a date out of range or no date at all: a page or a 4xx, never a 500."""
    login("owner")
    token = factories.user_with_token(role="owner")[1]
    failures = []
    for rule in _get_rules(client.application, with_ints=False):
        headers = {"Authorization": f"Bearer {token}"} if rule.rule.startswith("/api/") else {}
        for arg in DATE_ARGS:
            response = client.get(rule.rule, query_string={arg: day}, headers=headers)
            if response.status_code >= 500:
                failures.append((rule.rule, arg, response.status_code))
        response = client.get(rule.rule, query_string={"from": "2025-01-01", "to": day}, headers=headers)
        if response.status_code >= 500:
            failures.append((rule.rule, "from+to", response.status_code))
    assert not failures, "\n".join(map(str, failures))


def test_a_ledger_of_a_product_with_a_bad_date_is_not_500(client, login):
    login("owner")
    product = factories.product()
    for day in BAD_DATES:
        for arg in ("date_from", "date_to"):
            assert client.get(f"/stock/ledger/{product.id}", query_string={arg: day}).status_code < 500


def test_a_report_says_which_dates_it_takes(client, login):
    login("owner", locale="en")
    response = client.get("/reports/sales", query_string={"from": "2025-01-01", "to": "9999-12-31"},
                          headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "Enter a date from 2000-01-01 to 2099-12-31." in response.get_data(as_text=True)


@pytest.mark.parametrize("value", [str(2 ** 31), str(2 ** 63), str(10 ** 30), "١٢", "1_000"])
def test_screen_forms_with_a_huge_or_strange_id_are_refused_not_500(client, login, value):
    login("owner")
    factories.warehouse()
    customer = factories.customer()
    order = factories.order(customer, [])
    for path, data in (("/orders/new", {"customer_id": value}),
                       (f"/orders/{order.id}/lines", {"product_id": value, "key": "k-" + value[:8]}),
                       ("/purchase-orders/new", {"supplier_id": value}),
                       ("/purchase-orders/suggestions", {"warehouse_id": value})):
        response = client.post(path, data={"csrf_token": client.csrf, "idempotency_key": "k", **data})
        assert 200 <= response.status_code < 500 and response.status_code != 302, (path, response.status_code)
