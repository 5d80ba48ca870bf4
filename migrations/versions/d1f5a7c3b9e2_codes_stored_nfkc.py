"""catalog: SKUs and barcodes stored before NFKC normalisation are rewritten as they are now stored and compared

Full-width ＡＢＣ１ becomes ABC1 and zero-width characters go, so look-ups and the duplicate rule see the code
that was meant. A code whose normal form another row already holds is left as typed: `flask check`
(codes_are_normalised) names it for a person to decide which product keeps the code. The normal form is added to
the product's search text (the old form stays there, harmless). Not reversed on downgrade: the typed forms are
not kept.

Revision ID: d1f5a7c3b9e2
Revises: c4a8e2f61d37
Create Date: 2026-12-06 10:05:00.000000

"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd1f5a7c3b9e2'
down_revision = 'c4a8e2f61d37'
branch_labels = None
depends_on = None

# As app.limits.normalise_code was written when this ran (a migration must not change when the app does).
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")

product = sa.table("product", sa.column("id", sa.Integer), sa.column("sku", sa.String),
                   sa.column("search_text", sa.Text))
barcode = sa.table("barcode", sa.column("id", sa.Integer), sa.column("code", sa.String),
                   sa.column("product_id", sa.Integer))


def normal_form(code: str) -> str:
    return ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", UNSTORABLE.sub("", code or ""))).strip()


def normalise_codes(bind) -> list[str]:
    """Rewrite every SKU and barcode in its normal form where that form is free; returns the codes left alone."""
    left = []
    for table, column, product_id in ((product, product.c.sku, product.c.id),
                                      (barcode, barcode.c.code, barcode.c.product_id)):
        rows = bind.execute(sa.select(table.c.id, column, product_id)).all()
        taken = {code for _id, code, _product in rows}
        for row_id, code, owner in rows:
            clean = normal_form(code)
            if clean == code:
                continue
            if not clean or clean in taken:
                left.append(code)
                continue
            bind.execute(table.update().where(table.c.id == row_id).values({column.name: clean}))
            bind.execute(product.update().where(product.c.id == owner)
                         .values(search_text=product.c.search_text + " " + clean.lower()))
            taken.add(clean)
    return left


def upgrade():
    for code in normalise_codes(op.get_bind()):
        print(f"code {code!r} left as typed: its normal form is taken (flask check names it)")


def downgrade():
    pass
