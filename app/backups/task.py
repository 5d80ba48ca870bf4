"""Running a backup end to end, committing between its steps (see services): from the periodic task, the
`flask backup` command and the screen's "back up now" (through the task queue)."""
from datetime import datetime

from app.backups import services
from app.auth.models import User
from app.backups.models import MANUAL, SCHEDULE, BackupRun
from app.db_types import utcnow
from app.extensions import db


def run_if_due(now: datetime | None = None) -> BackupRun | None:
    """The scheduled backup, once per day at the owner's time (the periodic task asks every few minutes)."""
    now = now or utcnow()
    services.end_stale_runs(now)
    if not services.due(now):
        db.session.commit()
        return None
    run = services.start(SCHEDULE, now=now)
    db.session.commit()
    return execute(run.id)


def run_now(user_id: int | None = None) -> BackupRun:
    """A backup asked for by the owner (screen or command), whatever the schedule says."""
    run = services.start(MANUAL, db.session.get(User, user_id) if user_id else None)
    db.session.commit()
    return execute(run.id)


def execute(run_id: int) -> BackupRun:
    """Make the backup for a recorded run and record how it went."""
    run = db.session.get(BackupRun, run_id)
    plan, moment = services.plan(), run.started_at
    db.session.commit()  # no transaction (on SQLite: no write lock) while the files are made
    outcome = services.make(plan, moment)
    run = services.finish(run, outcome)
    db.session.commit()
    return run
