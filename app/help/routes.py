"""Help: the index with search, one page per screen, and the role's quick start."""
from flask import Blueprint, abort, g, redirect, request, url_for

from app.auth.access import may
from app.auth.roles import EVERYONE, allow
from app.db_types import utcnow
from app.forms import form_write
from app.help import pages, quickstart
from app.help.screens import page_for, pages_for
from app.web import render

bp = Blueprint("help", __name__, url_prefix="/help")

QUERY_CHARS = 100


def back_url() -> str | None:
    """The screen the help was opened from: a local path only, never another site."""
    back = request.args.get("back", "")
    return back if back.startswith("/") and not back.startswith(("//", "/\\")) and len(back) < 500 else None


@bp.route("")
@allow(EVERYONE)
def index():
    """The help pages of the screens the user may open, in their language, or those matching the search."""
    from flask import current_app

    query = (request.args.get("q") or "").strip()[:QUERY_CHARS]
    lang = pages.language()
    mine = pages_for(current_app, g.user.role) | {f"quickstart.{g.user.role.value}"}
    listed = sorted((p for p in pages.all_pages(lang).values() if p.name in mine and not p.name.startswith("quickstart.")),
                    key=lambda p: p.title)
    results = [(p, text) for p, text in pages.search(query, lang) if p.name in mine] if query else None
    return render("help/index.html", "help/_results.html", query=query, lang=lang, results=results, listed=listed)


@bp.route("/quickstart")
@allow(EVERYONE)
def quickstart_page():
    """The signed-in user's quick start: their role's top three tasks, each a tour over the real screens."""
    return render("help/quickstart.html", role=g.user.role.value, tasks=quickstart_tasks())


@bp.route("/quickstart/seen", methods=["POST"])
@allow(EVERYONE)
@form_write
def quickstart_seen():
    """Stop offering the quick start on the home screen (the user started it or dismissed it)."""
    if g.user.quickstart_seen_at is None:
        g.user.quickstart_seen_at = utcnow()
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        target = url_for("home.index")
    return redirect(target)


@bp.route("/<name>")
@allow(EVERYONE)
def page(name):
    """One help page, in the user's language."""
    found = pages.get(name, pages.language())
    if found is None:
        abort(404)
    return render("help/page.html", page=found, back=back_url())


@bp.app_template_global()
def help_url() -> str:
    """The help button's target: the current screen's page in the user's language, else the help index."""
    endpoint = request.endpoint or ""
    if endpoint.startswith("help."):
        return url_for("help.index")
    name = page_for(endpoint)
    if name and pages.get(name, pages.language()):
        return url_for("help.page", name=name, back=request.full_path.rstrip("?"))
    return url_for("help.index")


@bp.app_template_global()
def help_tour():
    """The quick-start step this screen was opened for (`?tour=role.task.step`), or None."""
    if g.get("user") is None or "tour" not in request.args:
        return None
    return quickstart.tour_step(request.args.get("tour"), g.user.role.value, pages.language())


@bp.app_template_global()
def allowed_url(endpoint: str, **args) -> str | None:
    """The URL of `endpoint` if the signed-in user may open it (access.may), else None: empty states link only where
    one can go."""
    return url_for(endpoint, **args) if may(endpoint) else None


@bp.app_template_global()
def quickstart_tasks() -> list:
    """The signed-in user's quick-start tasks, in their language."""
    return quickstart.tasks(g.user.role.value, pages.language())


@bp.app_template_global()
def help_tour_url(role: str, task: int, step: int, steps: list) -> str:
    return quickstart.tour_url(role, task, step, steps)
