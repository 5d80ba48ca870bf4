"""The shell: security headers, cookies, htmx configuration, PWA files, health."""
import json
import re

import pytest

from app.auth.roles import Role
from app.vendor import HTMX_SCRIPT, HTMX_VERSION
from tests import factories
from tests.conftest import csrf_token


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-eval'" not in csp  # only 'wasm-unsafe-eval', for the barcode decoder
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script(client, login):
    login("owner")
    for path in ("/login", "/", "/users", "/account", "/settings", "/audit"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), path  # no inline event handlers either


def test_session_cookie_is_httponly_and_samesite(client):
    user = factories.user(role="sales")
    signed_in = client.post("/login", data={"username": user.username, "password": factories.PASSWORD,
                                            "remember": "y", "csrf_token": csrf_token(client)})
    set_cookies = signed_in.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in set_cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    remember = next(c for c in set_cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember


def test_htmx_is_vendored_pinned_2x_and_configured(client):
    assert HTMX_VERSION.startswith("2.0.")
    html = client.get("/login").get_data(as_text=True)
    assert f'src="/static/{HTMX_SCRIPT}"' in html
    assert client.get(f"/static/{HTMX_SCRIPT}").status_code == 200
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'", html).group(1))
    assert {"code": "422", "swap": True} in config["responseHandling"]
    assert config["allowEval"] is False and config["includeIndicatorStyles"] is False
    assert 'hx-boost="true"' in html and '"X-CSRFToken"' in html


def test_manifest_is_installable_and_chinese_first(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.json
    assert data["name"] == "进销存管理" and data["display"] == "standalone" and data["start_url"] == "/"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_service_worker_is_served_from_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "/offline" in response.get_data(as_text=True)


def test_healthz_checks_the_database(client, monkeypatch):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    from app.extensions import db

    def broken(*args, **kwargs):
        raise RuntimeError("database down")
    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "error"


def test_errors_are_pages_in_the_users_language(client, login):
    login("sales")
    response = client.get("/users")
    assert response.status_code == 403 and "您无权执行此操作" in response.get_data(as_text=True)
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "未找到" in missing.get_data(as_text=True)


@pytest.mark.parametrize("role", list(Role))
def test_the_phone_bar_holds_at_most_five_entries_each_a_page_the_role_may_open(app, role):
    from app.auth.roles import allowed_roles
    from app.home.nav import NAV
    mine = [item for item in NAV if role in item.roles]
    assert 3 <= len([item for item in mine if item.primary_for(role)]) <= 5
    for item in mine:
        assert role in allowed_roles(app.view_functions[item.endpoint]), item.endpoint
