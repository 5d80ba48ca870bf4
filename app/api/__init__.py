from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import catalog, idempotent, inventory, routes, users  # noqa: E402,F401
from app.api import finance, partners, sales  # noqa: E402,F401
from app.api import purchasing, suppliers  # noqa: E402,F401
from app.api import stocktake  # noqa: E402,F401
from app.api import reports, reports_inventory  # noqa: E402,F401
