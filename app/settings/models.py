"""Company settings: one row the owner edits once."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import Rate, UTCDateTime, utcnow
from app.extensions import db

CURRENCIES = ("CNY", "HKD", "USD", "EUR", "JPY")
# How sales documents print: A4 sheets, or 241 mm continuous paper in three parts (三联单, 241 x 140 mm half pages)
# for dot-matrix printers.
PAPER_A4, PAPER_CONTINUOUS = "a4", "continuous"
PAPER_LAYOUTS = (PAPER_A4, PAPER_CONTINUOUS)


class CompanySettings(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")  # printed under the Chinese name
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    tax_number: Mapped[str] = mapped_column(String(50), default="")
    # Printed on invoices, quotations and delivery notes so customers know where to pay.
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    bank_account: Mapped[str] = mapped_column(String(50), default="")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    default_tax_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("13.00"))
    allow_negative_stock: Mapped[bool] = mapped_column(default=False)
    # How much more than ordered may be received (the owner's tolerance; 0: never more than ordered).
    receipt_tolerance_pct: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0"))
    # Draft purchase orders from reorder suggestions every morning.
    auto_reorder: Mapped[bool] = mapped_column(default=False)
    # How far below the customer's list price a salesperson may sell (the owner is not limited).
    max_sales_discount_pct: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("10.00"))
    # The business's calendar (an IANA zone); "" means the JXC_TIMEZONE default. Read through
    # settings.services.business_timezone() only: ledger totals and report periods depend on it.
    timezone: Mapped[str] = mapped_column(String(64), default="")
    # The month the books' year starts (1 = January); kept for the books and the year-end.
    fiscal_year_start_month: Mapped[int] = mapped_column(default=1)
    # Loaded by app/demo.py: the owner is offered to clear it and start for real (app/setup/demo_clear.py).
    is_demo: Mapped[bool] = mapped_column(default=False)
    # The go-live checklist on the owner's home (app/setup/checklist.py): hidden by the owner, and the one
    # step that cannot be read from the data (no opening balances to bring is a valid answer).
    checklist_hidden: Mapped[bool] = mapped_column(default=False)
    opening_balances_done: Mapped[bool] = mapped_column(default=False)
    # The logo is small after resizing, and keeping it in the database keeps app servers stateless.
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The company seal (公章), a resized PNG with the paper around it made transparent, stamped on A4 documents.
    seal_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    paper_layout: Mapped[str] = mapped_column(String(20), default=PAPER_A4)
    # The thermal printer's paper, 58 or 80 mm: the width narrow slips (销售单, 收款收据) are laid out for.
    slip_paper_mm: Mapped[int] = mapped_column(default=58)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
