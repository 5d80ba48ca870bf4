"""partners screens."""
from app.partners import bp  # noqa: F401
