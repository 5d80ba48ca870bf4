"""Company settings: one row the owner edits once."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import Rate, UTCDateTime, utcnow
from app.extensions import db

CURRENCIES = ("CNY", "HKD", "USD", "EUR", "JPY")


class CompanySettings(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    tax_number: Mapped[str] = mapped_column(String(50), default="")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    default_tax_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("13.00"))
    allow_negative_stock: Mapped[bool] = mapped_column(default=False)
    # How much more than ordered may be received (the owner's tolerance; 0: never more than ordered).
    receipt_tolerance_pct: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0"))
    # Draft purchase orders from reorder suggestions every morning.
    auto_reorder: Mapped[bool] = mapped_column(default=False)
    # How far below the customer's list price a salesperson may sell (the owner is not limited).
    max_sales_discount_pct: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("10.00"))
    # The logo is small after resizing, and keeping it in the database keeps app servers stateless.
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
