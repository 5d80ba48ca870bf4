"""sales screens."""
from app.sales import bp  # noqa: F401
