"""First run, clearing the demo, and the owner's choices on the go-live checklist."""
from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from app.auth import services as auth
from app.auth.roles import Role, allow, public
from app.errors import BusinessRuleError, is_api_request
from app.extensions import htmx
from app.forms import form_write, refuse, refused
from app.settings.services import company, set_checklist_hidden, set_opening_balances_done
from app.setup import demo_clear, services
from app.setup.forms import ClearDemoForm, SetupForm
from app.web import render

bp = Blueprint("setup", __name__)

# Reachable while no user exists; everything else leads to the setup screen.
OPEN_WHILE_EMPTY = frozenset({"static", "home.healthz", "auth.language"})
SET_UP = "jxc.set_up"  # on the app: a user was seen, so the check stops (users are never all deleted)


@bp.before_app_request
def first_run():
    """While no user exists, every page (sign-in included) leads to the setup screen."""
    if (current_app.extensions.get(SET_UP) or not current_app.config["FIRST_RUN_SETUP"] or request.endpoint is None
            or request.endpoint in OPEN_WHILE_EMPTY):
        return None
    if request.blueprint in ("setup", "pwa", "api") or is_api_request():
        return None
    if services.users_exist():
        current_app.extensions[SET_UP] = True
        return None
    target = url_for("setup.start")
    if htmx:
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.route("/setup", methods=["GET", "POST"])
@public
@form_write
def start():
    """The company, its first warehouse and the owner's own account: only while no user exists."""
    if services.users_exist():
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        try:
            owner = services.set_up(form.values())
        except services.AlreadySetUp:
            refused()
            abort(404)
        except BusinessRuleError as error:
            refuse(form, error)
            g.pop("company", None)  # it held what was typed; nothing of it was written
        else:
            # form_write commits it before the cookie is sent
            auth.open_session(owner, request.headers.get("User-Agent", ""), request.remote_addr or "")
            session.clear()
            login_user(owner)
            flash(_("Welcome! Your company is set up. The checklist below leads to what comes next."), "success")
            return redirect(url_for("home.index"))
    return render("setup/start.html", form=form, status=422 if form.errors else 200)


@bp.route("/setup/clear-demo", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def clear_demo():
    """Clear the demo data and start for real, after the owner types the company name."""
    if not company().is_demo:
        abort(404)
    form = ClearDemoForm()
    if form.validate_on_submit():
        try:
            demo_clear.clear_demo(g.user, form.company_name.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("The demo data is gone. Start with the checklist below."), "success")
            return redirect(url_for("home.index"))
    return render("setup/clear_demo.html", form=form, counts=demo_clear.counts(g.user),
                  status=422 if form.errors else 200)


@bp.route("/setup/checklist", methods=["POST"])
@allow(Role.OWNER)
@form_write
def checklist_visibility():
    """Hide the go-live checklist from home (hidden=1), or show it again (hidden=0)."""
    hidden = request.form.get("hidden") == "1"
    set_checklist_hidden(g.user, hidden)
    return redirect(url_for("settings.edit" if hidden else "home.index"))


@bp.route("/setup/opening-balances", methods=["POST"])
@allow(Role.OWNER)
@form_write
def opening_balances():
    """The owner says the opening balances are done (or that there are none to bring)."""
    set_opening_balances_done(g.user, request.form.get("done", "1") == "1")
    return redirect(url_for("home.index"))
