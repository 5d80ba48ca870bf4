"""Receipt screens."""
from app.auth.roles import MONEY_READERS, allow
from app.finance import bp


@bp.route("/receipts")
@allow(MONEY_READERS)
def receipts():
    """Receipts (being built)."""
    return "receipts"
