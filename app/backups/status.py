"""How backups stand, in one small dict: for the dashboard's red item and the scheduled summary."""
from datetime import datetime, timedelta

from sqlalchemy import select

from app.backups.models import FAILED, OK, RUNNING, BackupRun, BackupSettings
from app.db_types import utcnow
from app.extensions import db

WITHIN = timedelta(hours=26)  # a daily backup, with two hours' grace for a slow night

# What the dashboard says: a problem (red) or fine.
NO_KEY, OFF, LAST_FAILED, OVERDUE, FINE = "no_key", "off", "failed", "overdue", "ok"


def latest(now: datetime | None = None) -> dict:
    """{"state": one of the above, "problem": bool, "last_ok_at", "last_run": {started_at, finished_at, status,
    verified, size, location, message} or None}."""
    now = now or utcnow()
    row = db.session.scalar(select(BackupSettings).order_by(BackupSettings.id).limit(1))  # as services.settings()
    last = db.session.scalar(select(BackupRun).where(BackupRun.status != RUNNING)
                             .order_by(BackupRun.started_at.desc(), BackupRun.id.desc()).limit(1))
    last_ok_at = db.session.scalar(select(BackupRun.finished_at).where(BackupRun.status == OK)
                                   .order_by(BackupRun.started_at.desc()).limit(1))
    if row is None or not row.recipient:
        state = NO_KEY
    elif not row.enabled:
        state = OFF
    elif last is not None and last.status == FAILED:
        state = LAST_FAILED
    elif last_ok_at is None or last_ok_at < now - WITHIN:
        state = OVERDUE
    else:
        state = FINE
    return {"state": state, "problem": state != FINE, "last_ok_at": last_ok_at,
            "last_run": None if last is None else {
                "started_at": last.started_at, "finished_at": last.finished_at, "status": last.status,
                "verified": last.verified, "size": last.size, "location": last.location, "message": last.message}}
