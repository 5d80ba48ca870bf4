"""Customer screens."""
from app.auth.roles import CUSTOMER_READERS, allow
from app.partners import bp


@bp.route("/customers")
@allow(CUSTOMER_READERS)
def index():
    """Customers (being built)."""
    return "customers"
