"""feeds: updated_at on every row an API list returns, and tombstones for deleted rows

Revision ID: d4f8b2e6a1c9
Revises: 7c5bb5f89090
Create Date: 2026-12-06 22:30:00.000000

Existing rows get updated_at = created_at where they have one, else the time of the upgrade.
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4f8b2e6a1c9'
down_revision = '7c5bb5f89090'
branch_labels = None
depends_on = None

# table: the column existing rows take their updated_at from (None: the time of the upgrade)
TABLES = {"warehouse": None, "stock_level": None, "sales_invoice": "created_at", "purchase_invoice": "created_at",
          "sales_return": "created_at", "purchase_return": "created_at", "payment": "created_at",
          "user": "created_at"}


def upgrade():
    op.create_table('tombstone',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tombstone'))
    )
    op.create_index('ix_tombstone_kind_deleted', 'tombstone', ['kind', 'deleted_at', 'id'], unique=False)
    now = sa.literal(datetime.now(timezone.utc), sa.DateTime(timezone=True))
    for table, source in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        column = sa.table(table, sa.column('updated_at', sa.DateTime(timezone=True)),
                          *([sa.column(source, sa.DateTime(timezone=True))] if source else []))
        op.execute(column.update().values(updated_at=column.c[source] if source else now))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('updated_at')
    op.drop_index('ix_tombstone_kind_deleted', table_name='tombstone')
    op.drop_table('tombstone')
