"""A stocktake (盘点单): the expected quantities taken when it opens, the counters' scans, and what posting made.

Counted quantities are kept on the line (the sum of its scans that are not voided) so the counting screen and
the review read one row per product; the scans are the record of who counted what, and their client-made
`scan_id` is what makes a replayed scan count once.
"""
import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import pgettext
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import Quantity, ScaledDecimal, UTCDateTime, enum_column, utcnow
from app.extensions import db

ZERO = Decimal("0")


class StocktakeStatus(enum.StrEnum):
    OPEN = "open"
    POSTED = "posted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        # A context: "Posted" alone is also a column of dates (过账时间), "Cancelled" an order's state (已取消).
        return {StocktakeStatus.OPEN: pgettext("stocktake status", "Counting"),
                StocktakeStatus.POSTED: pgettext("stocktake status", "Posted"),
                StocktakeStatus.CANCELLED: pgettext("stocktake status", "Cancelled")}[self]


class Stocktake(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))  # with its subcategories
    blind: Mapped[bool] = mapped_column(default=False)  # counters do not see the expected quantities
    status: Mapped[StocktakeStatus] = mapped_column(enum_column(StocktakeStatus), default=StocktakeStatus.OPEN,
                                                    index=True)
    # The last ledger move when the expected quantities were taken: later moves of a product count towards
    # what should be on the shelf when it was counted.
    snapshot_move_id: Mapped[int] = mapped_column(default=0)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    warehouse = relationship("Warehouse")
    category = relationship("Category")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    posted_by = relationship("User", foreign_keys=[posted_by_id])
    lines: Mapped[list["StocktakeLine"]] = relationship(back_populates="stocktake", order_by="StocktakeLine.id",
                                                        cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status == StocktakeStatus.OPEN

    @property
    def title(self) -> str:
        return self.name or self.number


class StocktakeLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktake.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    expected: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)  # on hand when the count opened
    counted: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)  # scans not voided, summed
    scans: Mapped[int] = mapped_column(default=0)  # how many of them: 0 means not counted (yet)
    last_counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recount: Mapped[bool] = mapped_column(default=False)  # the reviewer asked for it to be counted again
    # Set when posted: what the books said at counting time, and the move it made.
    book: Mapped[Decimal | None] = mapped_column(Quantity())
    difference: Mapped[Decimal | None] = mapped_column(Quantity())
    unit_cost: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4))

    stocktake: Mapped[Stocktake] = relationship(back_populates="lines")
    product = relationship("Product")

    __table_args__ = (UniqueConstraint("stocktake_id", "product_id"),)


class StocktakeScan(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktake.id", ondelete="CASCADE"))
    scan_id: Mapped[str] = mapped_column(String(64))  # the client's UUID
    line_id: Mapped[int] = mapped_column(ForeignKey("stocktake_line.id", ondelete="CASCADE"), index=True)
    barcode: Mapped[str] = mapped_column(String(64))
    qty: Mapped[Decimal] = mapped_column(Quantity())  # base units
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it was scanned, offline included
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # undone, or cleared for a recount

    line: Mapped[StocktakeLine] = relationship()
    user = relationship("User")

    __table_args__ = (UniqueConstraint("stocktake_id", "scan_id"),)


Index("ix_stocktake_scan_stocktake_created", StocktakeScan.stocktake_id, StocktakeScan.id)
