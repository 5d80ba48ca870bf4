from flask import Blueprint

bp = Blueprint("users", __name__)

from app.users import invitations, routes  # noqa: E402,F401
