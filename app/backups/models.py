"""Backup settings (one row the owner edits) and the record of every backup run."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

FOLDER, S3 = "folder", "s3"
DESTINATIONS = (FOLDER, S3)
RUNNING, OK, FAILED = "running", "ok", "failed"
SCHEDULE, MANUAL = "schedule", "manual"  # what started a run: the daily timer, or the owner (screen or command)


class BackupSettings(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Local time of day in the business's time zone, "HH:MM"; the night when nobody sells.
    time_of_day: Mapped[str] = mapped_column(String(5), default="02:30")
    # Old backups are deleted when older than keep_days or beyond the newest keep_copies (0: no such limit);
    # the newest good one is never deleted.
    keep_days: Mapped[int] = mapped_column(default=30)
    keep_copies: Mapped[int] = mapped_column(default=0)
    destination: Mapped[str] = mapped_column(String(10), default=FOLDER)
    folder: Mapped[str] = mapped_column(String(500), default="")  # "": instance/backups
    s3_endpoint: Mapped[str] = mapped_column(String(300), default="")  # "": AWS itself
    s3_region: Mapped[str] = mapped_column(String(50), default="")
    s3_bucket: Mapped[str] = mapped_column(String(100), default="")
    s3_prefix: Mapped[str] = mapped_column(String(200), default="")
    s3_access_key: Mapped[str] = mapped_column(String(200), default="")
    s3_secret_key: Mapped[str] = mapped_column(String(200), default="")  # write-only on the screen
    # The public half of the owner's age key (age1...); the secret half is a file outside the database.
    recipient: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BackupRun(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(10), default=MANUAL)
    status: Mapped[str] = mapped_column(String(10), default=RUNNING)
    verified: Mapped[bool] = mapped_column(default=False)
    size: Mapped[int | None] = mapped_column(BigInteger)  # bytes, encrypted
    location: Mapped[str] = mapped_column(String(600), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    def __str__(self) -> str:
        return self.location.rsplit("/", 1)[-1] or f"#{self.id}"
