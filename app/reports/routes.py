"""The reports blueprint; its screens are in the *_routes modules beside this one."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
