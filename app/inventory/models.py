"""Warehouses, the append-only stock ledger, stock levels, and the documents that post to them."""
import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import Money, Quantity, ScaledDecimal, UTCDateTime, enum_column, utcnow
from app.extensions import db

UnitCost = lambda: ScaledDecimal(4)  # noqa: E731  (costs carry 4 places; money shown to 2)


class Warehouse(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300), default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self):
        return f"<Warehouse {self.code}>"


class StockLevel(db.Model):
    """On hand and reserved per product and warehouse: a cache of the ledger, kept in step by post_moves."""

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), primary_key=True, index=True)
    on_hand: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    reserved: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    product = relationship("Product")
    warehouse: Mapped[Warehouse] = relationship()

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class MoveKind(enum.StrEnum):
    OPENING = "opening"
    ADJUSTMENT_IN = "adjustment_in"
    ADJUSTMENT_OUT = "adjustment_out"
    DAMAGE = "damage"
    OVERAGE = "overage"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    STOCKTAKE_GAIN = "stocktake_gain"
    STOCKTAKE_LOSS = "stocktake_loss"
    PURCHASE_RECEIPT = "purchase_receipt"
    PURCHASE_RETURN = "purchase_return"
    SALES_DELIVERY = "sales_delivery"
    SALES_RETURN = "sales_return"

    @property
    def label(self):
        return MOVE_LABELS[self]


MOVE_LABELS = {
    MoveKind.OPENING: _l("Opening stock"), MoveKind.ADJUSTMENT_IN: _l("Other receipt"),
    MoveKind.ADJUSTMENT_OUT: _l("Other issue"), MoveKind.DAMAGE: _l("Damage write-off"),
    MoveKind.OVERAGE: _l("Overage"), MoveKind.TRANSFER_OUT: _l("Transfer out"),
    MoveKind.TRANSFER_IN: _l("Transfer in"), MoveKind.STOCKTAKE_GAIN: _l("Stocktake gain"),
    MoveKind.STOCKTAKE_LOSS: _l("Stocktake loss"), MoveKind.PURCHASE_RECEIPT: _l("Purchase receipt"),
    MoveKind.PURCHASE_RETURN: _l("Purchase return"), MoveKind.SALES_DELIVERY: _l("Sales delivery"),
    MoveKind.SALES_RETURN: _l("Sales return"),
}


class StockMove(db.Model):
    """One line of the ledger. Never updated or deleted: a correction is another move."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())  # signed: + in, - out
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost())
    # qty x unit cost to the cent: what the move adds to 库存商品 (1405), so the books equal the ledger exactly.
    value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"), server_default="0")
    kind: Mapped[MoveKind] = mapped_column(enum_column(MoveKind))
    source_type: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[int | None]
    source_number: Mapped[str] = mapped_column(String(30), default="")
    source_line_id: Mapped[int | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product = relationship("Product")
    warehouse: Mapped[Warehouse] = relationship()
    user = relationship("User")

    __table_args__ = (
        Index("ix_stock_move_product_warehouse", "product_id", "warehouse_id", "id"),
        # Reports read the ledger by time: with these columns in the index they never visit the table's rows.
        Index("ix_stock_move_created_cover", "created_at", "product_id", "warehouse_id", "kind", "qty", "unit_cost"),
        Index("ix_stock_move_source", "source_type", "source_id"),
    )


class StockMoveTotal(db.Model):
    """The ledger summed per product, warehouse and month (grain "month") or year (grain "year"), months and years
    of the business calendar (settings.services.business_timezone). Written by post_moves in the same transaction as its moves, so reports
    over long periods read one row per product and month or year instead of every move (app/inventory/totals.py).

    Figures are the scaled integers the ledger stores: quantities in 10**-3, values (qty x unit cost) in 10**-7.
    Transfers are kept in rows of their own (`transfer`), because across all warehouses they cancel out and reports
    leave them out.
    """

    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    starts_on: Mapped[date] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), primary_key=True)
    transfer: Mapped[bool] = mapped_column(primary_key=True)
    moves: Mapped[int] = mapped_column(default=0)
    qty: Mapped[int] = mapped_column(BigInteger, default=0)        # net: in less out
    in_qty: Mapped[int] = mapped_column(BigInteger, default=0)     # moves in only
    value: Mapped[int] = mapped_column(BigInteger, default=0)      # net qty x unit cost
    in_value: Mapped[int] = mapped_column(BigInteger, default=0)
    sold_qty: Mapped[int] = mapped_column(BigInteger, default=0)   # sales deliveries less sales returns
    sold_cost: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = {"sqlite_with_rowid": False}


@event.listens_for(StockMove, "before_update")
@event.listens_for(StockMove, "before_delete")
def _append_only(_mapper, _connection, move):
    raise RuntimeError(f"stock moves are append-only (move {move.id}); post a reversing move instead")


class AdjustmentKind(enum.StrEnum):
    """其他入库 / 其他出库 / 报损 / 报溢, or a mixed correction (the API's default)."""

    OTHER_IN = "other_in"
    OTHER_OUT = "other_out"
    DAMAGE = "damage"
    OVERAGE = "overage"
    CORRECTION = "correction"

    @property
    def label(self):
        return ADJUSTMENT_LABELS[self]

    @property
    def sign(self) -> int:
        """+1 if lines must add stock, -1 if they must remove it, 0 if either."""
        return {self.OTHER_IN: 1, self.OVERAGE: 1, self.OTHER_OUT: -1, self.DAMAGE: -1}.get(self, 0)


ADJUSTMENT_LABELS = {
    AdjustmentKind.OTHER_IN: _l("Other receipt"), AdjustmentKind.OTHER_OUT: _l("Other issue"),
    AdjustmentKind.DAMAGE: _l("Damage write-off"), AdjustmentKind.OVERAGE: _l("Overage"),
    AdjustmentKind.CORRECTION: _l("Correction"),
}


class StockAdjustment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    kind: Mapped[AdjustmentKind] = mapped_column(enum_column(AdjustmentKind))
    reason: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    warehouse: Mapped[Warehouse] = relationship()
    user = relationship("User")
    lines: Mapped[list["StockAdjustmentLine"]] = relationship(back_populates="adjustment", order_by="StockAdjustmentLine.id",
                                                              cascade="all, delete-orphan")


class StockAdjustmentLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    adjustment_id: Mapped[int] = mapped_column(ForeignKey("stock_adjustment.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())  # signed
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost())

    adjustment: Mapped[StockAdjustment] = relationship(back_populates="lines")
    product = relationship("Product")


class StockTransfer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    from_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    to_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    notes: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    from_warehouse: Mapped[Warehouse] = relationship(foreign_keys=[from_warehouse_id])
    to_warehouse: Mapped[Warehouse] = relationship(foreign_keys=[to_warehouse_id])
    user = relationship("User")
    lines: Mapped[list["StockTransferLine"]] = relationship(back_populates="transfer", order_by="StockTransferLine.id",
                                                            cascade="all, delete-orphan")


class StockTransferLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("stock_transfer.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity())

    transfer: Mapped[StockTransfer] = relationship(back_populates="lines")
    product = relationship("Product")
