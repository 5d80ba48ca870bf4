"""auth: remember when a user started or dismissed their role's quick start (shown at first sign-in until then)

Revision ID: e5d1a7c3b9f2
Revises: e5b1d7c3a9f2
Create Date: 2026-12-06 09:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5d1a7c3b9f2'
down_revision = 'e5b1d7c3a9f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quickstart_seen_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('quickstart_seen_at')
