"""Opening stock (期初库存): what each warehouse held, at what cost, on the day JXC took over the books.

Opening receivables and payables (期初应收 / 期初应付) are not tables of their own: they are sales and purchase
invoices marked `opening` (no order, no lines), so the one balance rule, the statement, aging and receipts
settle them like any invoice.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import Quantity, UTCDateTime, utcnow
from app.extensions import db
from app.inventory.models import UnitCost, Warehouse

SOURCE = "opening"  # stock moves' source_type for opening stock (the product import's postings too)


class OpeningStock(db.Model):
    """One per warehouse: its opening lines, posted to the ledger as MoveKind.OPENING moves at their cost."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), unique=True)
    opened_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    warehouse: Mapped[Warehouse] = relationship()
    user = relationship("User")
    lines: Mapped[list["OpeningStockLine"]] = relationship(back_populates="opening", order_by="OpeningStockLine.id",
                                                           cascade="all, delete-orphan")

    @property
    def value(self) -> Decimal:
        return sum((line.value for line in self.lines), Decimal("0"))


class OpeningStockLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    opening_id: Mapped[int] = mapped_column(ForeignKey("opening_stock.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost())

    opening: Mapped[OpeningStock] = relationship(back_populates="lines")
    product = relationship("Product")

    __table_args__ = (UniqueConstraint("opening_id", "product_id"),)

    @property
    def value(self) -> Decimal:
        return (self.qty * self.unit_cost).quantize(Decimal("0.01"))
