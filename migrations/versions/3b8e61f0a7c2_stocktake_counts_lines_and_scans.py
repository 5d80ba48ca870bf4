"""stocktake: counts, lines and scans

Revision ID: 3b8e61f0a7c2
Revises: 27d4395ceffb
Create Date: 2026-11-28 07:44:32.932895

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b8e61f0a7c2'
down_revision = '27d4395ceffb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stocktake',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('open', 'posted', 'cancelled', name='stocktakestatus', native_enum=False, length=30), nullable=False),
    sa.Column('snapshot_move_id', sa.Integer(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_stocktake_category_id_category')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_stocktake_opened_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['posted_by_id'], ['user.id'], name=op.f('fk_stocktake_posted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_stocktake_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake')),
    sa.UniqueConstraint('number', name=op.f('uq_stocktake_number'))
    )
    with op.batch_alter_table('stocktake', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktake_status'), ['status'], unique=False)

    op.create_table('stocktake_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stocktake_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('expected', sa.BigInteger(), nullable=False),
    sa.Column('counted', sa.BigInteger(), nullable=False),
    sa.Column('scans', sa.Integer(), nullable=False),
    sa.Column('last_counted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recount', sa.Boolean(), nullable=False),
    sa.Column('book', sa.BigInteger(), nullable=True),
    sa.Column('difference', sa.BigInteger(), nullable=True),
    sa.Column('unit_cost', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stocktake_line_product_id_product')),
    sa.ForeignKeyConstraint(['stocktake_id'], ['stocktake.id'], name=op.f('fk_stocktake_line_stocktake_id_stocktake'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake_line')),
    sa.UniqueConstraint('stocktake_id', 'product_id', name=op.f('uq_stocktake_line_stocktake_id'))
    )
    op.create_table('stocktake_scan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stocktake_id', sa.Integer(), nullable=False),
    sa.Column('scan_id', sa.String(length=64), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('barcode', sa.String(length=64), nullable=False),
    sa.Column('qty', sa.BigInteger(), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['line_id'], ['stocktake_line.id'], name=op.f('fk_stocktake_scan_line_id_stocktake_line'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stocktake_id'], ['stocktake.id'], name=op.f('fk_stocktake_scan_stocktake_id_stocktake'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_stocktake_scan_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake_scan')),
    sa.UniqueConstraint('stocktake_id', 'scan_id', name=op.f('uq_stocktake_scan_stocktake_id'))
    )
    with op.batch_alter_table('stocktake_scan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktake_scan_line_id'), ['line_id'], unique=False)
        batch_op.create_index('ix_stocktake_scan_stocktake_created', ['stocktake_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('stocktake_scan', schema=None) as batch_op:
        batch_op.drop_index('ix_stocktake_scan_stocktake_created')
        batch_op.drop_index(batch_op.f('ix_stocktake_scan_line_id'))

    op.drop_table('stocktake_scan')
    op.drop_table('stocktake_line')
    with op.batch_alter_table('stocktake', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktake_status'))

    op.drop_table('stocktake')
