"""Share links and their openings. A link is stored (so it can be listed, counted and revoked) and its URL is signed
with SECRET_KEY over the row's id and a random nonce (app.sharing.tokens), so nothing secret is kept in the table."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class ShareLink(db.Model):
    """One link to exactly one document: a sales invoice (销售单), an order's quotation or a delivery note."""

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32))
    # One of the three is set (the check below): real foreign keys, so a link can never point at nothing.
    sales_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoice.id", ondelete="CASCADE"), index=True)
    sales_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id", ondelete="CASCADE"), index=True)
    sales_delivery_id: Mapped[int | None] = mapped_column(ForeignKey("sales_delivery.id", ondelete="CASCADE"),
                                                          index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])
    invoice = relationship("SalesInvoice")
    order = relationship("SalesOrder")
    delivery = relationship("SalesDelivery")

    __table_args__ = (CheckConstraint(
        "(CASE WHEN sales_invoice_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN sales_order_id IS NULL THEN 0 ELSE 1 END)"
        " + (CASE WHEN sales_delivery_id IS NULL THEN 0 ELSE 1 END) = 1",
        name="one_document"),)

    @property
    def kind(self) -> str:
        return "invoice" if self.sales_invoice_id else "quotation" if self.sales_order_id else "delivery"

    @property
    def document(self):
        return self.invoice or self.order or self.delivery

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class ShareOpening(db.Model):
    """Someone opened a link: its page or its PDF. Only ever added."""

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("share_link.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    part: Mapped[str] = mapped_column(String(10))  # "page" or "pdf"
    address: Mapped[str] = mapped_column(String(45))  # IPv6 at most
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    __table_args__ = (Index("ix_share_opening_link_at", "link_id", "at"),)
