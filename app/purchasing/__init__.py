from flask import Blueprint

bp = Blueprint("purchasing", __name__)

from app.purchasing import analysis_routes, receiving_routes, routes, supplier_routes  # noqa: E402,F401
