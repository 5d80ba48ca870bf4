from flask import Blueprint

bp = Blueprint("opening", __name__)

from app.opening import routes  # noqa: E402,F401
