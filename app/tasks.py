"""Background and periodic work through huey: SQLite storage under instance/ by default, Redis with REDIS_URL.

The consumer runs beside the web processes (`make run` starts one; in production run
`.venv/bin/huey_consumer app.tasks.huey`). Each task makes its own app context and commits once.
"""
import os

from huey import RedisHuey, SqliteHuey, crontab

from app.config import INSTANCE


def _make_huey():
    if url := os.environ.get("REDIS_URL"):
        return RedisHuey("jxc", url=url)
    INSTANCE.mkdir(parents=True, exist_ok=True)
    # Tests run tasks in-process and at once; nothing is queued or stored.
    return SqliteHuey("jxc", filename=str(INSTANCE / "tasks.db"), immediate=os.environ.get("JXC_TASKS_IMMEDIATE") == "1")


huey = _make_huey()


def _in_app(work):
    """Run `work()` inside an app context and commit what it did (or roll it all back)."""
    from app import create_app
    from app.extensions import db
    with create_app().app_context():
        try:
            result = work()
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise


@huey.periodic_task(crontab(hour="7", minute="0"))
def morning_reorder():
    """Every morning at 7: if the owner turned it on, draft purchase orders from the reorder suggestions."""
    from app.purchasing.reorder import draft_if_enabled
    return _in_app(lambda: len(draft_if_enabled()))


@huey.periodic_task(crontab(minute="*/5"))
@huey.lock_task("scheduled-reports", ttl=3600)
def scheduled_reports():
    """Every 5 minutes: send the scheduled summaries that are due, each once per period and channel. The lock keeps
    a run that waits on a slow mail server from overlapping the next one (which would send the same summary twice)."""
    from app.digests.sending import send_due
    return _in_app(send_due)


@huey.periodic_task(crontab(minute="*/5"))
def scheduled_backup():
    """Every five minutes: make the day's backup if its time has come and it is not made yet."""
    from app.backups.task import run_if_due
    return _in_app(lambda: getattr(run_if_due(), "status", None))


@huey.task()
def backup_now(user_id: int):
    """The owner's "back up now" from the backup screen."""
    from app.backups.task import run_now
    return _in_app(lambda: run_now(user_id).status)


@huey.task()
def deliver_webhooks():
    """Send the webhook deliveries that are due (queued after each commit that wrote some); a retry due before
    the next sweep is queued for its time."""
    from app.db_types import utcnow
    from app.webhooks.delivery import deliver_due, wait_for_next
    wait = _in_app(lambda: wait_for_next(utcnow()) if deliver_due() else None)
    if wait is not None and wait < 60:
        deliver_webhooks.schedule(delay=wait)


@huey.periodic_task(crontab(minute="*"))
def sweep_webhooks():
    """Every minute: retries that came due, anything queued by a process that died before its task ran, and
    messages past the delivery log's 30 days."""
    from app.db_types import utcnow
    from app.webhooks.delivery import deliver_due, prune
    return _in_app(lambda: (deliver_due(), prune(utcnow()))[0])
