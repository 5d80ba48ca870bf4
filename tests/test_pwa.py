"""The installable app on the server side: manifest, the versioned service worker, the outbox's CSRF token,
and fragments kept out of every cache."""
import re
import shutil
import struct

import pytest

from app.pwa import shell
from app.vendor import HTMX_SCRIPT

SW_VERSION = re.compile(r'^const VERSION = "([0-9a-f]{12})";$', re.M)
SW_PRECACHE = re.compile(r"^const PRECACHE = (\[.*\]);$", re.M)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_manifest_has_what_chromium_needs_to_install_the_app(client):
    data = client.get("/manifest.webmanifest").json
    assert (data["name"], data["short_name"], data["lang"]) == ("进销存管理", "进销存", "zh-CN")
    assert data["display"] == "standalone" and data["theme_color"] == "#1d4ed8"
    assert data["start_url"] == "/" and data["scope"] == "/" and data["id"] == "/"
    for icon in data["icons"]:
        served = client.get(icon["src"])
        assert served.status_code == 200 and served.mimetype == "image/png"
        width, height = png_size(served.data)
        assert f"{width}x{height}" == icon["sizes"], icon  # the size it claims is the size it has
    assert {icon["sizes"] for icon in data["icons"] if icon.get("purpose") == "maskable"} == {"512x512"}


def service_worker(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    return response, response.get_data(as_text=True)


def test_service_worker_is_stamped_with_a_version_and_the_app_shell(client):
    response, source = service_worker(client)
    assert response.mimetype == "text/javascript" and response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert SW_VERSION.search(source) and "__VERSION__" not in source and "__PRECACHE__" not in source
    precache = re.findall(r'"([^"]+)"', SW_PRECACHE.search(source).group(1))
    # Every stylesheet and script the shell links is precached, so the shell renders offline.
    page = client.get("/login").get_data(as_text=True)
    linked = set(re.findall(r'<link rel="stylesheet" href="([^"]+)"', page))
    linked |= set(re.findall(r'<script src="([^"]+)"', page))
    assert linked and linked <= set(precache), linked - set(precache)
    assert {"/offline", f"/static/{HTMX_SCRIPT}", "/static/js/outbox.js", "/static/js/scanner.js",
            "/static/icons/icon-192.png"} <= set(precache)
    for url in precache:  # one missing file and the worker never installs
        assert client.get(url).status_code == 200, url


def test_service_worker_version_changes_when_a_static_file_changes(client, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(client.application.static_folder, static)
    client.application.static_folder = str(static)
    first = SW_VERSION.search(service_worker(client)[1]).group(1)
    assert SW_VERSION.search(service_worker(client)[1]).group(1) == first  # stable between deploys

    (static / "css" / "app.css").write_text((static / "css" / "app.css").read_text() + "\n.x { color: red; }\n")
    changed = SW_VERSION.search(service_worker(client)[1]).group(1)
    assert changed != first

    (static / "js" / "new.js").write_text("// a new file\n")
    assert SW_VERSION.search(service_worker(client)[1]).group(1) not in (first, changed)


def test_service_worker_version_follows_contents_not_file_times(client, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(client.application.static_folder, static)
    client.application.static_folder = str(static)
    first = SW_VERSION.search(service_worker(client)[1]).group(1)
    app_css = static / "css" / "app.css"
    app_css.write_bytes(app_css.read_bytes())  # touched on another machine of the same deploy
    assert SW_VERSION.search(service_worker(client)[1]).group(1) == first


def test_csrf_token_for_the_outbox_needs_a_session_and_is_never_cached(client, login):
    anonymous = client.get("/pwa/csrf")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")

    login("warehouse")
    response = client.get("/pwa/csrf")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = response.json["token"]
    # The token is one the app accepts on a POST (here: signing out, which refuses a missing token).
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 302
    assert client.get("/").status_code == 302  # signed out for real


@pytest.mark.parametrize("headers, fragment", [
    ({}, False),
    ({"HX-Request": "true"}, True),
    ({"HX-Request": "true", "HX-Boosted": "true"}, False),
    ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
])
def test_fragments_of_any_type_are_never_stored(client, headers, fragment):
    # The manifest is JSON, not a page: only the fragment rule can put no-store on it.
    response = client.get("/manifest.webmanifest", headers=headers)
    assert response.status_code == 200
    assert (response.headers.get("Cache-Control") == "no-store") is fragment


def test_html_fragments_are_not_stored_and_pages_vary_on_htmx(client, login):
    login("owner")
    fragment = client.get("/users", headers={"HX-Request": "true"})
    page = client.get("/users")
    assert fragment.headers["Cache-Control"] == "no-store"
    assert "<html" not in fragment.get_data(as_text=True) and "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]


def test_a_view_that_chose_its_own_cache_keeps_it(client, login):
    login("warehouse")
    badge = client.get("/stock/low-count", headers={"HX-Request": "true"})
    assert badge.headers["Cache-Control"] == "private, max-age=60"


def test_shell_shows_the_outbox_status_to_signed_in_users_only(client, login):
    anonymous = client.get("/login").get_data(as_text=True)
    assert "data-outbox-bar" not in anonymous and "data-user=" not in anonymous
    assert "/static/js/outbox.js" in anonymous  # loaded everywhere, so it can replay after signing in
    user = login("warehouse")
    html = client.get("/").get_data(as_text=True)
    assert f'data-user="{user.id}"' in html
    assert "data-outbox-bar" in html and "data-outbox-sync" in html and "data-pwa-net" in html
    assert 'data-template="{n} ' in html  # the count's wording, for the script to fill in


def test_offline_page_says_what_still_works(client):
    response = client.get("/offline")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href=""' in html  # try this address again
    assert "data-outbox-bar" not in html  # precached anonymously: nobody's name or status in it


def test_shell_stylesheets_are_one_list(client):
    page = client.get("/login").get_data(as_text=True)
    with client.application.test_request_context():
        sheets = [shell.stylesheet()]  # the one the service worker precaches (precache_urls)
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', page) == sheets
    for sheet in sheets:
        assert client.get(sheet).status_code == 200
