from flask import Blueprint

bp = Blueprint("help", __name__, url_prefix="/help")

from app.help import routes  # noqa: E402,F401
