"""The owner manages users: create, edit role, deactivate, reset password."""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from app.auth import browsers, services, two_factor
from app.auth.models import User
from app.auth.roles import Role, allow
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import form_write, new_key, refuse
from app.db_types import utcnow
from app.users import services as people
from app.users.forms import PasswordResetForm, ReassignForm, UserCreateForm, UserEditForm
from app.web import render

bp = Blueprint("users", __name__)


@bp.route("/users")
@allow(Role.OWNER)
def index():
    """All users, searchable by name."""
    q = request.args.get("q", "").strip()
    query = select(User).order_by(User.active.desc(), User.username)
    if q:
        query = query.where(or_(User.username.ilike(f"%{q}%"), User.display_name.ilike(f"%{q}%")))
    return render("users/index.html", "users/_list.html", users=db.session.scalars(query).all(), q=q,
                  pending=people.pending_users(), now=utcnow())


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def create():
    """Create a user with a role and a first password."""
    form = UserCreateForm(idempotency_key=new_key(), role=Role.SALES.value)
    if form.validate_on_submit():
        try:
            user = services.create_user(g.user, form.username.data, form.role.data,
                                        form.password.data, form.display_name.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("User %(name)s was created.", name=user.username), "success")
            return redirect(url_for("users.show", user_id=user.id))
    return render("users/new.html", form=form, status=422 if form.errors else 200)


def _user(user_id) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def show(user_id):
    """A user's page: edit name and role, reset password, deactivate."""
    user = _user(user_id)
    form = UserEditForm(obj=user, role=user.role.value if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_user(g.user, user, role=form.role.data, display_name=form.display_name.data,
                                 phone=form.phone.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("users.show", user_id=user.id))
    return _show_page(user, form, PasswordResetForm(), status=422 if form.errors else 200)


def _show_page(user, form, reset_form, status):
    return render("users/show.html", user=user, form=form, reset_form=reset_form, status=status,
                  invitation=people.latest_invitation(user), now=utcnow(), customers=people.customer_count(user),
                  sessions=services.sessions_of(user), two_factor_required=two_factor.is_required(user),
                  browser=browsers.describe)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow(Role.OWNER)
@form_write
def set_active(user_id):
    """Deactivate (signs out everywhere, stops tokens) or reactivate a user."""
    user = _user(user_id)
    services.set_active(g.user, user, request.form.get("active") == "1")  # a refusal: 409 page saying why
    flash(_("Saved."), "success")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@allow(Role.OWNER)
@form_write
def reset_password(user_id):
    """Set a new password for a user who forgot theirs."""
    user = _user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(g.user, user, form.password.data)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("The password was reset; the user was signed out everywhere and their API tokens were revoked."),
                  "success")
            return redirect(url_for("users.show", user_id=user.id))
    return _show_page(user, UserEditForm(obj=user, role=user.role.value), form, status=422)


@bp.route("/users/<int:user_id>/end-everything", methods=["POST"])
@allow(Role.OWNER)
@form_write
def end_everything(user_id):
    """Sign a user out of every device, forget their trusted devices and revoke their API tokens, at once."""
    user = _user(user_id)
    counts = services.end_everything(g.user, user)
    flash(_("Ended for %(name)s: sessions %(sessions)d, trusted devices %(devices)d, API tokens %(tokens)d.",
            name=user.display_name, sessions=counts["sessions"],
            devices=counts["trusted_devices"], tokens=counts["tokens"]), "success")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@allow(Role.OWNER)
@form_write
def reset_two_factor(user_id):
    """Turn off the second factor of a user who lost their phone and recovery codes; they set it up again."""
    user = _user(user_id)
    two_factor.reset(g.user, user)  # a refusal (it is off already): 409 page saying why
    flash(_("Two-step sign-in of %(name)s is off; they are asked to set it up again if their role requires it.",
            name=user.display_name), "success")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/users/<int:user_id>/customers", methods=["GET", "POST"])
@allow(Role.OWNER)
@form_write
def reassign(user_id):
    """Give a salesperson's customers (all or some) and their open orders to another salesperson."""
    user = _user(user_id)
    form = ReassignForm()
    form.to_user_id.choices = [SelectChoice(seller.id, seller.display_name) for seller in people.sellers(excluding=user)]
    if form.validate_on_submit():
        ticked = request.form.getlist("customer_ids", type=int)
        try:
            if form.scope.data == "all" and ticked:  # ticked some, left "all": ask rather than guess
                raise BusinessRuleError(_("You ticked some customers: choose “Those ticked below”, or untick them "
                                          "to give all."), "scope")
            moved = people.reassign_customers(g.user, user, form.to_user_id.data,
                                              None if form.scope.data == "all" else ticked)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(ngettext("%(num)d customer was given to %(name)s.", "%(num)d customers were given to %(name)s.",
                           len(moved), name=db.session.get(User, form.to_user_id.data).display_name), "success")
            return redirect(url_for("users.reassign", user_id=user.id))
    return render("users/reassign.html", user=user, form=form, customers=people.customers_of(user),
                  chosen=set(request.form.getlist("customer_ids", type=int)), status=422 if form.errors else 200)
