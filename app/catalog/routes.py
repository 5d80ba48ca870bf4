"""Product screens."""
from app.catalog import bp  # noqa: F401
