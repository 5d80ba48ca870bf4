"""Redirects to a user-given `next` (after sign-in, after switching language) stay on this site."""
import pytest

from tests import factories
from tests.conftest import PASSWORD, csrf_token

ATTACKS = [
    "/\t/evil.com", "/\n/evil.com", "/\r\n/evil.com", "\t//evil.com", "/\x00/evil.com", "/\u2028/evil.com",
    "\\\\evil.com", "/\\evil.com", "\\/evil.com", "//evil.com", "///evil.com", "https://evil.com",
    "https:/evil.com", "javascript:alert(1)", "JavaScript:alert(1)", "evil.com", " /evil.com",
    "/%0d%0aSet-Cookie:x=1",  # arrives decoded as CR LF when it came through a query string
]


def _decoded(target):
    return target.replace("%0d", "\r").replace("%0a", "\n")


@pytest.mark.parametrize("target", ATTACKS)
def test_sign_in_never_redirects_off_site(client, target):
    factories.user(username="boss")
    client.get("/login")
    response = client.post("/login", data={"username": "boss", "password": PASSWORD, "next": _decoded(target),
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_reported_login_link_lands_home(client):
    """`/login?next=/%09/evil.com`: the tab arrives decoded and must not reach the form or the Location."""
    factories.user(username="boss")
    page = client.get("/login?next=/%09/evil.com").get_data(as_text=True)
    assert 'name="next" type="hidden" value=""' in page
    response = client.post("/login?next=/%09/evil.com", data={
        "username": "boss", "password": PASSWORD, "next": "/\t/evil.com", "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ATTACKS)
def test_language_switch_never_redirects_off_site(client, target):
    client.get("/login")
    response = client.post("/language", data={"locale": "en", "next": _decoded(target),
                                              "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/products?q=%E8%8B%B9%E6%9E%9C&page=2", "/sales/orders/12", "/"])
def test_same_site_paths_are_kept(client, target):
    factories.user(username="boss")
    client.get("/login")
    response = client.post("/login", data={"username": "boss", "password": PASSWORD, "next": target,
                                           "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == target


def test_the_sign_in_page_is_never_the_target(client):
    factories.user(username="boss")
    client.get("/login")
    response = client.post("/login", data={"username": "boss", "password": PASSWORD, "next": "/login?next=/x",
                                           "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/"


def test_a_signed_out_visit_comes_back_after_sign_in(client):
    factories.user(username="boss")
    login_url = client.get("/products?q=abc").headers["Location"]
    assert login_url == "/login?next=/products?q%3Dabc"
