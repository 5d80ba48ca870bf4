"""Money received (收款) and, with purchasing, paid: payments and what they settle."""
import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import Money, UTCDateTime, enum_column, utcnow
from app.extensions import db


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    WECHAT = "wechat"
    ALIPAY = "alipay"

    @property
    def label(self):
        return PAYMENT_METHOD_LABELS[self]


PAYMENT_METHOD_LABELS = {PaymentMethod.CASH: _l("Cash"), PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
                         PaymentMethod.WECHAT: _l("WeChat Pay"), PaymentMethod.ALIPAY: _l("Alipay")}


class Payment(db.Model):
    """Money from a customer (收款) or to a supplier (付款), allocated in full to that partner's open invoices."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    amount: Mapped[Decimal] = mapped_column(Money())
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    reference: Mapped[str] = mapped_column(String(100), default="")  # bank or WeChat transaction number
    money_account_id: Mapped[int | None] = mapped_column(ForeignKey("money_account.id"), index=True)
    notes: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    customer = relationship("Customer")
    supplier = relationship("Supplier")
    user = relationship("User")
    money_account = relationship("MoneyAccount")
    allocations: Mapped[list["PaymentAllocation"]] = relationship(back_populates="payment",
                                                                  order_by="PaymentAllocation.id",
                                                                  cascade="all, delete-orphan")


class PaymentAllocation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id", ondelete="CASCADE"), index=True)
    # One of the two, as the payment is a customer's or a supplier's.
    sales_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoice.id"), index=True)
    purchase_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_invoice.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice = relationship("SalesInvoice")
    purchase_invoice = relationship("PurchaseInvoice")


class CreditAllocation(db.Model):
    """Part of a credit note (a sales return) set against an invoice's open amount."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sales_return_id: Mapped[int] = mapped_column(ForeignKey("sales_return.id", ondelete="CASCADE"), index=True)
    sales_invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())

    sales_return = relationship("SalesReturn")
    invoice = relationship("SalesInvoice")


class PurchaseCreditAllocation(db.Model):
    """Part of a supplier's credit (a purchase return) set against one of their invoices."""

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_return_id: Mapped[int] = mapped_column(ForeignKey("purchase_return.id", ondelete="CASCADE"), index=True)
    purchase_invoice_id: Mapped[int] = mapped_column(ForeignKey("purchase_invoice.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())

    purchase_return = relationship("PurchaseReturn")
    invoice = relationship("PurchaseInvoice")
