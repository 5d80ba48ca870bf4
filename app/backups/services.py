"""Backups as verbs: set them up, make a key, make one (snapshot, seal, store, read back, verify), keep a few.

Making a backup touches the database three times and holds no transaction in between (on SQLite a transaction
of a task would hold the write lock while the snapshot is taken): `start` records the run, `make` works on files
only, `finish` records the result. The caller (task, command or screen) commits after each.
"""
import tempfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app import database
from app.audit.services import apply_changes, record
from app.backups import crypto, snapshot, storage
from app.backups.models import FAILED, FOLDER, OK, RUNNING, BackupRun, BackupSettings
from app.backups.verify import verify
from app.config import INSTANCE
from app.db_types import utcnow
from app.errors import BusinessRuleError
from app.extensions import db
from app.settings.services import business_timezone

SECRET_FIELDS = frozenset({"s3_secret_key"})
STALE = timedelta(hours=3)  # a run still "running" after this died with its process


@dataclass(frozen=True)
class Plan:
    """What a run needs from the settings, read before the work so no transaction stays open during it."""
    recipient: str
    destination: str
    folder: str
    bucket: tuple
    keep_days: int
    keep_copies: int


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    location: str = ""
    size: int | None = None


def settings() -> BackupSettings:
    """The one settings row, made with the defaults the first time anything asks. The backup screen (a page) makes
    it in a write transaction of its own (database.written_apart), kept at once: in its read transaction the insert
    could fail on SQLite when another request had just committed, and went with the page's rollback."""
    row = db.session.scalar(_FIRST)
    if row is None:
        with database.written_apart():
            row = db.session.scalar(_FIRST)  # another request's, if it came first
            if row is None:
                row = BackupSettings()
                db.session.add(row)
                db.session.flush()
    return row


_FIRST = select(BackupSettings).order_by(BackupSettings.id).limit(1)


def default_folder() -> Path:
    return INSTANCE / "backups"


def update_settings(actor, values: dict) -> dict:
    """Save the schedule, retention and destination; an empty secret key leaves the stored one."""
    row = settings()
    if not values.get("s3_secret_key"):
        values = {k: v for k, v in values.items() if k != "s3_secret_key"}
    if values.get("destination", row.destination) == "s3" and not values.get("s3_bucket", row.s3_bucket):
        raise BusinessRuleError(_("Name the bucket to keep backups in."), field="s3_bucket")
    changes = apply_changes(row, values, SECRET_FIELDS)
    if changes:
        record(actor, "backup.settings", row, changes)
    return changes


def create_key(actor):
    """A new key pair: its secret half to the key file, its public half to the settings; returns the identity."""
    identity = crypto.new_identity()
    row = settings()
    old, row.recipient = row.recipient, str(identity.to_public())
    record(actor, "backup.key", row, {"recipient": (old, row.recipient)})
    return identity


def key_text(actor, password: str) -> str:
    """The key file's text, for the owner to keep offline, once they have entered their password again."""
    if not check_password_hash(actor.password_hash, password or ""):
        raise BusinessRuleError(_("The password is not correct."), field="password")
    text = crypto.identity_path().read_text() if crypto.identity_path().exists() else ""
    if "AGE-SECRET-KEY-" not in text:
        raise BusinessRuleError(_("There is no backup key on this server yet; make one first."))
    record(actor, "backup.key_shown", settings())
    return text


def check_can_run() -> None:
    if not settings().recipient:
        raise BusinessRuleError(_("Make a backup key first: backups are encrypted with it."))


def start(trigger: str, actor=None, now: datetime | None = None) -> BackupRun:
    check_can_run()
    run = BackupRun(trigger=trigger, user_id=getattr(actor, "id", None), started_at=now or utcnow())
    db.session.add(run)
    db.session.flush()
    return run


def plan() -> Plan:
    row = settings()
    return Plan(row.recipient, row.destination, row.folder or str(default_folder()),
                (row.s3_endpoint, row.s3_bucket, row.s3_prefix, row.s3_region, row.s3_access_key, row.s3_secret_key),
                row.keep_days, row.keep_copies)


def store_for(plan: Plan):
    return storage.Folder(Path(plan.folder)) if plan.destination == FOLDER else storage.Bucket(*plan.bucket)


def make(plan: Plan, moment: datetime) -> Outcome:
    """Snapshot, compress, encrypt, store; then read the stored copy back, decrypt it, restore it into a scratch
    database and run the checks on it. Old copies are pruned only after a good one. Never raises: a failure is
    the outcome, in words."""
    name = storage.backup_name(moment)
    location = ""
    try:
        identity = crypto.read_identity()
        if str(identity.to_public()) != plan.recipient:
            raise BusinessRuleError(_("The key file on this server is not the key set on the backup screen."))
        store = store_for(plan)
        with tempfile.TemporaryDirectory(prefix="jxc-backup-") as work:  # 0700: plain snapshots pass through it
            work = Path(work)
            snapshot.take(work / "snapshot")
            crypto.seal(work / "snapshot", work / name, plan.recipient)
            size = (work / name).stat().st_size
            store.put(work / name, name)
            location = store.location(name)
            store.fetch(name, work / "stored.age")
            crypto.unseal(work / "stored.age", work / "restored", identity)
            if breaches := verify(work / "restored"):
                return Outcome(False, _("The restored copy fails the checks: %(breaches)s",
                                        breaches="; ".join(breaches)[:2000]), location, size)
        prune(store, plan, moment, keep=name)
        return Outcome(True, "", location, size)
    except BusinessRuleError as error:
        return Outcome(False, str(error.message), location)
    except Exception as error:  # a full disk, a bucket that refuses: the owner reads it on the screen
        return Outcome(False, f"{type(error).__name__}: {error}"[:2000], location)


def finish(run: BackupRun, outcome: Outcome) -> BackupRun:
    run = db.session.get(BackupRun, run.id)
    run.finished_at = utcnow()
    run.status = OK if outcome.ok else FAILED
    run.verified = outcome.ok
    run.message, run.location, run.size = outcome.message, outcome.location, outcome.size
    return run


def prune(store, plan: Plan, now: datetime, keep: str) -> list[str]:
    """Delete copies older than keep_days or beyond the newest keep_copies; never `keep` (the one just made)."""
    names = [name for name in reversed(store.names()) if name != keep]  # newest first
    doomed = []
    for place, name in enumerate(names, start=2):
        too_old = plan.keep_days and storage.made_at(name) < now - timedelta(days=plan.keep_days)
        too_many = plan.keep_copies and place > plan.keep_copies
        if too_old or too_many:
            doomed.append(name)
    for name in doomed:
        store.remove(name)
    return doomed


def scheduled_moment(row: BackupSettings, now: datetime) -> datetime:
    """The latest daily start time at or before `now`, in the business's time zone."""
    zone = ZoneInfo(business_timezone())
    local = now.astimezone(zone)
    hour, minute = (int(part) for part in row.time_of_day.split(":"))
    moment = datetime.combine(local.date(), time(hour, minute), zone)
    return moment if moment <= local else moment - timedelta(days=1)


def due(now: datetime) -> bool:
    """On, with a key, and no run since the latest scheduled time (so a consumer that was down catches up once)."""
    row = settings()
    if not (row.enabled and row.recipient):
        return False
    since = scheduled_moment(row, now)
    return db.session.scalar(select(BackupRun.id).where(BackupRun.started_at >= since).limit(1)) is None


def end_stale_runs(now: datetime) -> None:
    for run in db.session.scalars(select(BackupRun).where(BackupRun.status == RUNNING,
                                                          BackupRun.started_at < now - STALE)):
        run.status, run.finished_at = FAILED, now
        run.message = _("Interrupted: the process making it stopped before it finished.")


def runs(limit: int = 30) -> list[BackupRun]:
    return list(db.session.scalars(select(BackupRun).order_by(BackupRun.started_at.desc(), BackupRun.id.desc())
                                   .limit(limit)))

