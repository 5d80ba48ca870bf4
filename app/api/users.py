"""Users over the API (owner only): the same services as the screens."""
from flask import abort, g, request, url_for
from sqlalchemy import or_, select

from app.api.routes import bp
from app.api.feed import Feed
from app.api.schema import Boolean, Choice, DateTime, Integer, Schema, String, updated
from app.api.spec import operation, parse_body, reply, reply_page
from app.auth import services
from app.auth.models import User
from app.auth.roles import Role, allow
from app.extensions import db

USER = Schema("User", {
    "id": Integer(), "username": String(), "display_name": String(), "role": Choice(Role),
    "active": Boolean(), "locale": String(nullable=True), "created_at": DateTime(),
    "phone": String(), "pending": Boolean(description="Invited and not yet accepted: cannot sign in"),
    "last_login_at": DateTime(nullable=True), "updated_at": updated(),
})
USER_CREATE = Schema("UserCreate", {
    "username": String(required=True, min_length=2, max_length=64), "role": Choice(Role, required=True),
    "password": String(required=True, min_length=services.MIN_PASSWORD, max_length=200),
    "display_name": String(max_length=100),
})
USER_UPDATE = Schema("UserUpdate", {
    "role": Choice(Role), "display_name": String(min_length=1, max_length=100), "active": Boolean(),
    "password": String(min_length=services.MIN_PASSWORD, max_length=200),
})


@bp.route("/users")
@allow(Role.OWNER)
@operation("List users", response=USER, listing=True, item="api.users_show", feed=Feed(User),
           query={"q": {"type": "string"}, "role": {"type": "string"}, "active": {"type": "boolean"}})
def users_index():
    """Users, filtered by text, role and active flag."""
    query = select(User).order_by(User.id)
    if q := request.args.get("q", "").strip():
        query = query.where(or_(User.username.ilike(f"%{q}%"), User.display_name.ilike(f"%{q}%")))
    if role := request.args.get("role"):
        query = query.where(User.role == services.parse_role(role))
    if (active := request.args.get("active")) in ("true", "false"):
        query = query.where(User.active.is_(active == "true"))
    return reply_page(query)


@bp.route("/users", methods=["POST"])
@allow(Role.OWNER)
@operation("Create a user", body=USER_CREATE, response=USER, status=201, problems=(409,), location="api.users_show")
def users_create():
    """A new user with a role and a first password."""
    data = parse_body()
    user = services.create_user(g.user, data["username"], data["role"], data["password"],
                                data.get("display_name", ""))
    db.session.flush()
    return reply(user, location=url_for("api.users_show", user_id=user.id))


def _user(user_id) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users/<int:user_id>")
@allow(Role.OWNER)
@operation("Read a user", response=USER)
def users_show(user_id):
    """One user."""
    return reply(_user(user_id))


@bp.route("/users/<int:user_id>", methods=["PATCH"])
@allow(Role.OWNER)
@operation("Change a user's role, name, active flag or password", body=USER_UPDATE, partial=True,
           response=USER, problems=(409,))
def users_update(user_id):
    """Change what is sent, nothing else."""
    user = _user(user_id)
    data = parse_body()
    services.update_user(g.user, user, role=data.get("role"), display_name=data.get("display_name"))
    if "active" in data:
        services.set_active(g.user, user, data["active"])
    if "password" in data:
        services.reset_password(g.user, user, data["password"])
    return reply(user)



