"""Customers and suppliers: the people we sell to and buy from."""
import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import Money, Quantity, Rate, UTCDateTime, enum_column, utcnow
from app.extensions import db
from app.numbering import bump


class PriceLevel(enum.StrEnum):
    """Which list price a customer pays before any line discount."""

    RETAIL = "retail"
    WHOLESALE = "wholesale"
    DISCOUNT = "discount"  # the retail price less the customer's fixed discount

    @property
    def label(self):
        return PRICE_LEVEL_LABELS[self]


PRICE_LEVEL_LABELS = {PriceLevel.RETAIL: _l("Retail"), PriceLevel.WHOLESALE: _l("Wholesale"),
                      PriceLevel.DISCOUNT: _l("Fixed discount")}


class Partner:
    """What customers and suppliers both have: a code, a name, how to reach and pay them, and a search haystack."""

    # C0001 or S0001 unless typed: the key a re-import updates by.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    contact: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    mobile: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    tax_number: Mapped[str] = mapped_column(String(50), default="")
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    bank_account: Mapped[str] = mapped_column(String(50), default="")
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Lower-case haystack for search as you type: name, contact, phones, pinyin and initials.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self):
        return f"<{type(self).__name__} {self.id} {self.name}>"


class Customer(Partner, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # None: no limit. Zero: nothing on credit.
    credit_limit: Mapped[Decimal | None] = mapped_column(Money())
    price_level: Mapped[PriceLevel] = mapped_column(enum_column(PriceLevel), default=PriceLevel.RETAIL)
    discount_pct: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0"))
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    tags: Mapped[str] = mapped_column(String(200), default="")  # comma separated, as typed

    salesperson = relationship("User")

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("，", ",").split(",") if t.strip()]


class Supplier(Partner, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_time_days: Mapped[int] = mapped_column(default=7)  # order to delivery, for expected dates

    products: Mapped[list["SupplierProduct"]] = relationship(back_populates="supplier", cascade="all, delete-orphan")


class SupplierProduct(db.Model):
    """What a supplier sells us: their item code, our last price, their minimum order, and whether we prefer them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    supplier_sku: Mapped[str] = mapped_column(String(64), default="")
    last_price: Mapped[Decimal | None] = mapped_column(Money())  # written by receipts' purchase orders
    min_order_qty: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    preferred: Mapped[bool] = mapped_column(default=False)

    supplier: Mapped[Supplier] = relationship(back_populates="products")
    product = relationship("Product")

    __table_args__ = (UniqueConstraint("supplier_id", "product_id"),)


def _code_giver(prefix: str, sequence: str):
    """Give a new customer or supplier without a code the next free one (C0001 ...), however it was made."""
    def give(_mapper, connection, target):
        if target.code:
            return
        table = type(target).__table__
        while True:
            code = f"{prefix}{bump(connection, sequence, 0):04d}"
            if connection.scalar(select(table.c.id).where(func.lower(table.c.code) == code.lower())) is None:
                target.code = code
                target.search_text = f"{target.search_text or ''} {code.lower()}".strip()  # found by its code too
                return
    return give


event.listen(Customer, "before_insert", _code_giver("C", "CUS"))
event.listen(Supplier, "before_insert", _code_giver("S", "SUP"))
