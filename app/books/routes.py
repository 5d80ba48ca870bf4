"""The books' screens (账务): the hub, the chart of accounts, vouchers, the posting rules and closing months. The
statements are in report_routes, the bridge to finance software in export_routes, beside this one."""
from flask import Blueprint

from app.auth.roles import BOOKS, allow
from app.web import render

bp = Blueprint("books", __name__, url_prefix="/books")


@bp.route("/")
@allow(BOOKS)
def index():
    """The books' hub: every screen of the books the user may open."""
    return render("books/index.html")
