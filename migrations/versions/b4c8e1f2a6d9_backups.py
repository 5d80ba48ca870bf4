"""backups: the owner's backup settings and the record of every backup run

Revision ID: b4c8e1f2a6d9
Revises: d1e5a7b3c9f2
Create Date: 2026-12-06 22:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b4c8e1f2a6d9'
down_revision = 'd1e5a7b3c9f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('backup_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('time_of_day', sa.String(length=5), nullable=False),
    sa.Column('keep_days', sa.Integer(), nullable=False),
    sa.Column('keep_copies', sa.Integer(), nullable=False),
    sa.Column('destination', sa.String(length=10), nullable=False),
    sa.Column('folder', sa.String(length=500), nullable=False),
    sa.Column('s3_endpoint', sa.String(length=300), nullable=False),
    sa.Column('s3_region', sa.String(length=50), nullable=False),
    sa.Column('s3_bucket', sa.String(length=100), nullable=False),
    sa.Column('s3_prefix', sa.String(length=200), nullable=False),
    sa.Column('s3_access_key', sa.String(length=200), nullable=False),
    sa.Column('s3_secret_key', sa.String(length=200), nullable=False),
    sa.Column('recipient', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backup_settings'))
    )
    op.create_table('backup_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('trigger', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('location', sa.String(length=600), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_backup_run_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backup_run'))
    )
    with op.batch_alter_table('backup_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_backup_run_started_at'), ['started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('backup_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_backup_run_started_at'))
    op.drop_table('backup_run')
    op.drop_table('backup_settings')
