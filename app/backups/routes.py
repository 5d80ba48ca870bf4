"""The owner's backup screen: schedule, retention, destination, the key, "back up now" and the runs."""
from flask import Blueprint, Response, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app.auth import devices, throttle
from app.auth.roles import Role, allow
from app.backups import crypto, services
from app.backups.status import latest
from app.backups.forms import BackupSettingsForm, RevealKeyForm
from app.errors import BusinessRuleError
from app.forms import form_write, new_key, refuse
from app.web import render

bp = Blueprint("backups", __name__)


@bp.route("/settings/backups", methods=["GET", "POST"], endpoint="settings")
@allow(Role.OWNER)
@form_write
def settings_page():
    """When and where backups are made and kept, the key, and how every run went."""
    form = BackupSettingsForm(obj=services.settings())
    if form.validate_on_submit():
        try:
            services.update_settings(g.user, form.values())
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Backup settings saved."), "success")
            return redirect(url_for("backups.settings"))
    return _page(form=form, status=422 if form.errors else 200)


@bp.route("/settings/backups/key/new", methods=["POST"])
@allow(Role.OWNER)
@form_write
def create_key():
    """Make the key backups are encrypted with (a new one replaces the old for new backups)."""
    services.create_key(g.user)
    flash(_("Backup key made. Download it now and keep it off this server: without it no backup can be restored."),
          "success")
    return redirect(url_for("backups.settings"))


@bp.route("/settings/backups/key", methods=["POST"])
@allow(Role.OWNER)
@form_write
def reveal_key():
    """The key file, shown or downloaded after the owner enters their password again."""
    form = RevealKeyForm()
    if form.validate_on_submit():
        # The key opens every backup: a stolen session must not guess the password here faster than at sign-in.
        device = devices.trusted(g.user.username)
        if not throttle.login_allowed(g.user.username, request.remote_addr or "?", device):
            form.password.errors.append(_("Too many attempts. Please wait a minute and try again."))
            return _page(key_form=form, status=429)
        try:
            text = services.key_text(g.user, form.password.data)
        except BusinessRuleError as error:
            throttle.login_failed(g.user.username, device)
            refuse(form, error)
        else:
            if request.form.get("action") == "download":
                return Response(text, mimetype="text/plain", headers={
                    "Content-Disposition": "attachment; filename=jxc-backup-key.txt", "Cache-Control": "no-store"})
            response = render("backups/key.html", key=text)
            response.headers["Cache-Control"] = "no-store"
            return response
    return _page(key_form=form, status=422)


@bp.route("/settings/backups/run", methods=["POST"])
@allow(Role.OWNER)
@form_write
def run_now():
    """Make a backup now, through the task queue (it is verified there and appears in the list)."""
    from app import tasks
    try:
        services.check_can_run()
    except BusinessRuleError as error:
        refuse(None, error)
    else:
        tasks.backup_now(g.user.id)
        flash(_("Backup started. It appears below when it has been made and checked."), "success")
    return redirect(url_for("backups.settings"))


def _page(form=None, key_form=None, status=200):
    return render("backups/settings.html", form=form or BackupSettingsForm(obj=services.settings()),
                  key_form=key_form or RevealKeyForm(), settings=services.settings(), runs=services.runs(),
                  state=latest(), key_on_server=crypto.identity_path().exists(),
                  default_folder=services.default_folder(), new_key=new_key, status=status)
