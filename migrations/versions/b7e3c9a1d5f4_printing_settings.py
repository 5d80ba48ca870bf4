"""settings: the company seal, the paper sales documents print on (A4 or 241 mm three-part), the thermal slip width

Revision ID: b7e3c9a1d5f4
Revises: ede25cea51e4
Create Date: 2026-12-06 19:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e3c9a1d5f4'
down_revision = 'ede25cea51e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal_png', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('paper_layout', sa.String(length=20), nullable=False, server_default='a4'))
        batch_op.add_column(sa.Column('slip_paper_mm', sa.Integer(), nullable=False, server_default='58'))


def downgrade():
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.drop_column('slip_paper_mm')
        batch_op.drop_column('paper_layout')
        batch_op.drop_column('seal_png')
