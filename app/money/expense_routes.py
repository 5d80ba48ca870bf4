"""Expense and other income screens (费用/其他收支), with the receipt's photo."""
from app.money.routes import bp  # noqa: F401
