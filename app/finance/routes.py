"""finance screens."""
from app.finance import bp  # noqa: F401
