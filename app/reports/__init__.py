"""The owner's dashboard and the sales, inventory and money reports."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from app.reports import dashboard_routes, inventory_routes, money_routes, sales_routes  # noqa: E402,F401
