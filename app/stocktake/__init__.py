"""Stocktake (盘点): counting a warehouse by scanning, reviewing the differences and posting them."""
from flask import Blueprint

bp = Blueprint("stocktake", __name__, url_prefix="/stocktakes")

from app.stocktake import routes  # noqa: E402,F401
