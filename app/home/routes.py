"""The home screen and the health check."""
from flask import Blueprint, g, jsonify
from sqlalchemy import text

from app.auth.roles import EVERYONE, PURCHASE_WRITERS, allow, public
from app.extensions import db
from app.home.nav import jobs
from app.purchasing.reorder import drafted_today
from app.setup.checklist import for_home
from app.web import render

bp = Blueprint("home", __name__)


@bp.route("/")
@allow(EVERYONE)
def index():
    """The signed-in user's home: the jobs their role does, what the morning reorder job drafted for buyers, and the
    owner's go-live checklist until it is done."""
    drafted = drafted_today() if g.user.role in PURCHASE_WRITERS else []
    return render("home/index.html", jobs=jobs(), drafted=drafted, checklist=for_home(g.user))


@bp.route("/healthz")
@public
def healthz():
    """200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means unhealthy; say which
        db.session.rollback()
        return jsonify(status="error", database=type(error).__name__), 503
    return jsonify(status="ok", database="ok")
