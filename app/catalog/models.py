"""Products, their category tree, pack units and barcodes."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.db_types import Money, Quantity, ScaledDecimal, UTCDateTime, utcnow
from app.extensions import db


class Category(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)

    parent: Mapped["Category | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Category"]] = relationship(back_populates="parent", order_by="Category.name")

    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    @property
    def path(self) -> str:
        """Names from the root down: 手机配件 / 保护壳."""
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


class Product(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(String(200), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    brand: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[str] = mapped_column(String(20), default="个")
    sale_price: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    # None: wholesale customers pay the sale price.
    wholesale_price: Mapped[Decimal | None] = mapped_column(Money())
    purchase_price: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    # Moving weighted average cost (4 places), written only by inventory.ledger.post_moves.
    avg_cost: Mapped[Decimal] = mapped_column(ScaledDecimal(4), default=Decimal("0"))
    min_stock: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    max_stock: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True, index=True)
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    photo_version: Mapped[int] = mapped_column(default=0)
    # Lower-case haystack for search as you type: sku, name, spec, brand, pinyin, initials, barcodes.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    pack_units: Mapped[list["PackUnit"]] = relationship(back_populates="product", order_by="PackUnit.ratio",
                                                        cascade="all, delete-orphan")
    barcodes: Mapped[list["Barcode"]] = relationship(back_populates="product", order_by="Barcode.id",
                                                     cascade="all, delete-orphan")

    @property
    def barcode(self) -> str | None:
        """The base unit's first barcode (what the API calls `barcode`)."""
        return next((b.code for b in self.barcodes if b.pack_unit_id is None), None)

    def __repr__(self):
        return f"<Product {self.sku} {self.name}>"


class PackUnit(db.Model):
    """A larger unit of the same product: 箱 = 12 个."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    ratio: Mapped[Decimal] = mapped_column(Quantity())

    product: Mapped[Product] = relationship(back_populates="pack_units")

    __table_args__ = (UniqueConstraint("product_id", "name"),)


class Barcode(db.Model):
    """Every scannable code, unique across all products and units; a pack's code counts `ratio` units."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    pack_unit_id: Mapped[int | None] = mapped_column(ForeignKey("pack_unit.id", ondelete="CASCADE"))
    symbology: Mapped[str] = mapped_column(String(10))  # ean13, ean8, upca, code128

    product: Mapped[Product] = relationship(back_populates="barcodes")
    pack_unit: Mapped[PackUnit | None] = relationship()

    @property
    def quantity(self) -> Decimal:
        """Base units one scan of this code stands for."""
        return self.pack_unit.ratio if self.pack_unit else Decimal("1")


Index("ix_product_name", Product.name)

# The haystack's index (migration 7c1d4e2f9a10). PostgreSQL: a trigram GIN index, which answers
# LIKE '%word%' for words with three letters or digits in a row. SQLite: a plain index, which a search
# that must look at every row (to count the matches) reads instead of the much wider table.
# fastupdate off: new entries go straight into the index, not into a pending list that every search
# would read through until the next vacuum (products are written rarely and searched all day).
Index("ix_product_search_text", Product.search_text, postgresql_using="gin",
      postgresql_ops={"search_text": "gin_trgm_ops"}, postgresql_with={"fastupdate": "off"})
