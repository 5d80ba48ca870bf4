"""The one stylesheet (app/assets.py) and compressed responses (app/compression.py)."""
import gzip
import re
import shutil

import pytest
from flask import Response, stream_with_context

from app import assets
from app.auth.roles import public

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def linked_stylesheet(client) -> str:
    return re.search(r'<link rel="stylesheet" href="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)


def test_pages_link_one_stylesheet_named_after_its_content_and_cached_for_a_year(client):
    url = linked_stylesheet(client)
    assert re.fullmatch(r"/static/build/jxc-[0-9a-f]{12}\.css", url)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    css = response.get_data(as_text=True)
    assert url == f"/static/build/jxc-{assets.hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
    missing = client.get("/static/build/jxc-000000000000.css")
    assert missing.status_code == 404 and "immutable" not in missing.headers.get("Cache-Control", "")


def test_area_rules_apply_only_under_their_areas_main_and_shared_ones_everywhere(client):
    css = client.get(linked_stylesheet(client)).get_data(as_text=True)
    assert ":where(main[data-area=stocktake]) .st-card{" in css
    assert ":where(main[data-area=sales],main[data-area=purchasing],main[data-area=finance]) .stepper{" in css
    assert "\n.topbar{" in css or css.startswith(".topbar{") or "}.topbar{" in css  # the shell: not scoped
    assert re.search(r"(^|[}\n])\.st-card\{", css) is None  # never unscoped
    assert "/*" not in css  # comments stay in the sources


def test_a_pages_main_names_its_area(client, login):
    login(role="warehouse")
    assert '<main id="main" class="main" data-area="stocktake">' in client.get("/stocktakes/").get_data(as_text=True)
    assert 'data-area="auth"' in client.get("/account").get_data(as_text=True)


def test_the_build_is_reproducible_and_follows_its_sources(tmp_path):
    static = tmp_path / "static"
    shutil.copytree(assets.Path(__file__).resolve().parents[1] / "static" / "css", static / "css")
    first = assets.stylesheet(str(static))
    assert (static / first).read_bytes() == assets.build(static).encode()
    assert gzip.decompress((static / f"{first}.gz").read_bytes()) == (static / first).read_bytes()
    assert assets.stylesheet(str(static)) == first

    sheet = static / "css" / "areas" / "reports.css"
    sheet.write_text(sheet.read_text() + "\n.rx-new, .rx-other:is(.a, .b) { color: red; }\n")
    changed = assets.stylesheet(str(static))
    assert changed != first
    scope = ":where(main[data-area=reports],main[data-area=books])"  # the books' statements are laid out as reports
    assert f"{scope} .rx-new,{scope} .rx-other:is(.a, .b){{color: red}}" in (static / changed).read_text()


def test_an_area_sheet_cannot_style_the_page_outside_main(tmp_path):
    with pytest.raises(ValueError, match="app.css"):
        assets.scoped("body { margin: 0; }", ":where(main[data-area=x])")
    assert assets._minify(assets.scoped("@media (min-width: 700px) { .a, .b > .c { color: red } }", "S")) == \
        "@media (min-width: 700px){S .a,S .b > .c{color: red}}"


def test_pages_go_gzipped_to_browsers_that_accept_it(client):
    plain = client.get("/login")
    packed = client.get("/login", headers=GZIP)
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert b"<main" in gzip.decompress(packed.data)
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2
    worker = client.get("/sw.js", headers=GZIP)  # the same bytes each time (a page's CSRF token is not)
    assert worker.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(worker.data) == client.get("/sw.js").data


def test_static_text_files_go_gzipped_and_keep_their_validators(client):
    plain = client.get("/static/js/app.js")
    packed = client.get("/static/js/app.js", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] == "W/" + plain.headers["ETag"]  # another encoding of the same file
    again = client.get("/static/js/app.js", headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304
    stylesheet = linked_stylesheet(client)
    assert client.get(stylesheet, headers=GZIP).headers["Content-Encoding"] == "gzip"
    icon = client.get("/static/icons/icon-192.png", headers=GZIP)
    assert "Content-Encoding" not in icon.headers  # already compressed


@pytest.mark.fresh_app  # it adds two routes
def test_small_streamed_and_non_text_responses_go_as_they_are(client):
    client.application.add_url_rule("/_streamed", "streamed", public(lambda: Response(
        stream_with_context(iter(["x" * 2000, "y" * 2000])), mimetype="text/csv")))
    client.application.add_url_rule("/_small", "small", public(lambda: Response("ok", mimetype="text/html")))
    streamed = client.get("/_streamed", headers=GZIP)
    assert "Content-Encoding" not in streamed.headers and streamed.data == b"x" * 2000 + b"y" * 2000
    assert "Content-Encoding" not in client.get("/_small", headers=GZIP).headers
    assert client.get("/healthz", headers={"Accept-Encoding": "identity"}).headers.get("Content-Encoding") is None


def top_level_selectors(css: str) -> set[tuple[str, str]]:
    """(media query or "", selector) of every rule in `css`, whitespace normalised."""
    found, media, depth = set(), "", 0
    for match in re.finditer(r"([^{}]*)\{|\}", assets._read_text(css)):
        if match.group(0) == "}":
            depth -= 1
            media = media if depth else ""
            continue
        depth += 1
        prelude = match.group(1).strip()
        if prelude.startswith("@"):
            media = prelude
        else:
            found |= {(media, " ".join(selector.split())) for selector in assets._split_selectors(prelude)}
    return found


def test_no_selector_is_styled_in_two_sheets_that_meet_on_a_page():
    css = assets.Path(__file__).resolve().parents[1] / "static" / "css"
    sheets = {"app": (None, top_level_selectors((css / "app.css").read_text()))}
    sheets |= {name: (set(areas), top_level_selectors((css / "areas" / f"{name}.css").read_text()))
               for name, areas in assets.AREAS.items()}
    names = sorted(sheets)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            (scope1, rules1), (scope2, rules2) = sheets[first], sheets[second]
            if scope1 is None or scope2 is None or scope1 & scope2:
                assert not rules1 & rules2, f"{first}.css and {second}.css both style {sorted(rules1 & rules2)}"
