"""The owner reads the audit log, filtered by user and object."""
from flask import Blueprint, request
from sqlalchemy import distinct, select

from app.audit import labels
from app.audit.models import AuditEntry
from app.auth.models import User
from app.auth.roles import Role, allow
from app.extensions import db
from app.web import render

bp = Blueprint("audit", __name__)


@bp.route("/audit")
@allow(Role.OWNER)
def index():
    """Newest first; filter by user, object type and object id."""
    filters = {
        "user_id": request.args.get("user_id", type=int),
        "object_type": request.args.get("object_type", "").strip() or None,
        "object_id": request.args.get("object_id", type=int),
    }
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    for field, value in filters.items():
        if value is not None:
            query = query.where(getattr(AuditEntry, field) == value)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=50, error_out=False)
    return render("audit/index.html", "audit/_entries.html", page=page, filters=filters, labels=labels,
                  filter_args={k: v for k, v in filters.items() if v is not None},
                  users=db.session.scalars(select(User).order_by(User.username)).all(),
                  object_types=db.session.scalars(select(distinct(AuditEntry.object_type)).order_by(
                      AuditEntry.object_type)).all())
