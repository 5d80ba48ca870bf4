from flask import Blueprint

bp = Blueprint("sales", __name__)

from app.sales import fulfilment_routes, routes  # noqa: E402,F401
