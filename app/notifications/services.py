"""Tell a user something in the app; count, list and mark what they have read."""
from sqlalchemy import bindparam, func, select, update

from app.db_types import utcnow
from app.extensions import db
from app.notifications.models import Notification

SHOWN = 50  # the list shows the newest ones; older ones stay stored but are not worth scrolling to
MAX_BADGE = 99  # "99+" beyond


def notify(user, title: str, body: str = "", link: str = "") -> Notification:
    """Add a notification for `user` to the transaction."""
    made = Notification(user_id=user.id, title=title[:200], body=body, link=link[:300])
    db.session.add(made)
    return made


def unread_count(user) -> int:
    return db.session.scalar(_UNREAD, {"user_id": user.id})


# Built once: the bell asks after every page, and building the statement cost twice as much as running it.
_UNREAD = (select(func.count()).select_from(Notification)
           .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)))


def latest(user, limit: int = SHOWN) -> list[Notification]:
    """The user's newest notifications, unread and read."""
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id.desc()).limit(limit)).all()


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; how many changed. Others' are never touched."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount
