"""Money account screens: the accounts and their balances, a statement per account, transfers, reconciliation."""
from flask import Blueprint

bp = Blueprint("money", __name__, url_prefix="/money")
