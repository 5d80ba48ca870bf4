"""The owner manages users: create, edit role, deactivate, reset password."""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.auth import services
from app.auth.models import User
from app.auth.roles import Role, allow
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import apply_error, commit_and_redirect, new_key, sent_before
from app.users import bp
from app.users.forms import PasswordResetForm, UserCreateForm, UserEditForm
from app.web import render


@bp.route("/users")
@allow(Role.OWNER)
def index():
    """All users, searchable by name."""
    q = request.args.get("q", "").strip()
    query = select(User).order_by(User.active.desc(), User.username)
    if q:
        query = query.where(or_(User.username.ilike(f"%{q}%"), User.display_name.ilike(f"%{q}%")))
    return render("users/index.html", "users/_list.html", users=db.session.scalars(query).all(), q=q)


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.OWNER)
def create():
    """Create a user with a role and a first password."""
    form = UserCreateForm(idempotency_key=new_key(), role=Role.SALES.value)
    if form.validate_on_submit():
        key, earlier = sent_before(form)
        if earlier:
            return earlier
        try:
            user = services.create_user(g.user, form.username.data, form.role.data,
                                        form.password.data, form.display_name.data)
        except BusinessRuleError as error:
            apply_error(form, error)
        else:
            return commit_and_redirect(key, url_for("users.show", user_id=user.id),
                                       _("User %(name)s was created.", name=user.username))
    return render("users/new.html", form=form, status=422 if form.errors else 200)


def _user(user_id) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(Role.OWNER)
def show(user_id):
    """A user's page: edit name and role, reset password, deactivate."""
    user = _user(user_id)
    form = UserEditForm(obj=user, role=user.role.value if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_user(g.user, user, role=form.role.data, display_name=form.display_name.data)
        except BusinessRuleError as error:
            apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("users.show", user_id=user.id))
    return render("users/show.html", user=user, form=form, reset_form=PasswordResetForm(),
                  status=422 if form.errors else 200)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow(Role.OWNER)
def set_active(user_id):
    """Deactivate (signs out everywhere, stops tokens) or reactivate a user."""
    user = _user(user_id)
    services.set_active(g.user, user, request.form.get("active") == "1")
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@allow(Role.OWNER)
def reset_password(user_id):
    """Set a new password for a user who forgot theirs."""
    user = _user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(g.user, user, form.password.data)
        except BusinessRuleError as error:
            apply_error(form, error)
        else:
            db.session.commit()
            flash(_("The password was reset; the user was signed out everywhere and their API tokens were revoked."),
                  "success")
            return redirect(url_for("users.show", user_id=user.id))
    return render("users/show.html", user=user, form=UserEditForm(obj=user, role=user.role.value),
                  reset_form=form, status=422)
