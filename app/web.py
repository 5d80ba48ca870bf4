"""The one htmx-aware rendering helper: full page or fragment from the same route."""
from flask import make_response, render_template, request, url_for

from app.extensions import htmx

HTMX_VARY = "HX-Request, HX-Boosted, HX-History-Restore-Request"


def wants_fragment() -> bool:
    """An htmx request that is neither boosted navigation nor a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str | None = None, /, status: int = 200, **context):
    """Render `fragment` for plain htmx requests, else `page`; set Vary and cache headers."""
    as_fragment = fragment is not None and wants_fragment()
    response = make_response(render_template(fragment if as_fragment else page, **context), status)
    response.headers["Vary"] = HTMX_VARY if "Vary" not in response.headers else (
        response.headers["Vary"] + ", " + HTMX_VARY)
    if as_fragment:
        # Cache Storage keeps one response per URL whatever Vary says; fragments must never land there.
        response.headers["Cache-Control"] = "no-store"
    return response


def list_url(endpoint: str):
    """A function giving this list's URL with some of the current query changed (None or "" drops an argument)."""
    def url(**changes):
        args = {**request.args.to_dict(), **changes}
        return url_for(endpoint, **{name: value for name, value in args.items() if value not in (None, "")})
    return url
