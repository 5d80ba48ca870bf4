"""Stock screens, warehouses, adjustments and transfers."""
from app.inventory import bp  # noqa: F401
