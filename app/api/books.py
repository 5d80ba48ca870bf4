"""The books on the API: vouchers, accounts and the trial balance, for the roles that may see finance."""
from app.api.routes import bp  # noqa: F401
