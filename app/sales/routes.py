"""Sales order screens."""
from app.auth.roles import SALES_READERS, allow
from app.sales import bp


@bp.route("/orders")
@allow(SALES_READERS)
def index():
    """Orders (being built)."""
    return "orders"
