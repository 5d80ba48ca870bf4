"""search: index the product haystack (PostgreSQL: trigram GIN for LIKE '%word%'; SQLite: plain)

Revision ID: 7c1d4e2f9a10
Revises: 20403251217d
Create Date: 2026-11-28 05:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c1d4e2f9a10'
down_revision = '20403251217d'
branch_labels = None
depends_on = None


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # trusted since PostgreSQL 13: no superuser needed
    op.create_index("ix_product_search_text", "product", ["search_text"], unique=False,
                    postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
                    postgresql_with={"fastupdate": "off"})
    if postgresql and op.get_bind().dialect.server_version_info >= (14,):
        # Words too short for a trigram are matched against search_text || '' (see catalog.services.search);
        # statistics on that expression let the planner estimate how many rows match them.
        op.execute("CREATE STATISTICS IF NOT EXISTS product_search_text_short ON ((search_text || '')) FROM product")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS product_search_text_short")
    op.drop_index("ix_product_search_text", table_name="product")
    # pg_trgm stays: dropping an extension is the database owner's call, and other objects may use it.
