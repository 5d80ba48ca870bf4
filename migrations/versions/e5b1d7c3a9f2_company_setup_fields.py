"""settings: what the first-run setup asks (English name, bank account, time zone, fiscal year start), the demo
flag, and the go-live checklist's two owner choices

Revision ID: e5b1d7c3a9f2
Revises: d1f5a7c3b9e2
Create Date: 2026-12-06 09:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5b1d7c3a9f2'
down_revision = 'd1f5a7c3b9e2'
branch_labels = None
depends_on = None

COLUMNS = (
    ('name_en', lambda: sa.Column('name_en', sa.String(length=200), nullable=False, server_default='')),
    ('bank_name', lambda: sa.Column('bank_name', sa.String(length=100), nullable=False, server_default='')),
    ('bank_account', lambda: sa.Column('bank_account', sa.String(length=50), nullable=False, server_default='')),
    ('timezone', lambda: sa.Column('timezone', sa.String(length=64), nullable=False, server_default='')),
    ('fiscal_year_start_month', lambda: sa.Column('fiscal_year_start_month', sa.Integer(), nullable=False,
                                                  server_default='1')),
    ('is_demo', lambda: sa.Column('is_demo', sa.Boolean(), nullable=False, server_default=sa.false())),
    ('checklist_hidden', lambda: sa.Column('checklist_hidden', sa.Boolean(), nullable=False,
                                           server_default=sa.false())),
    ('opening_balances_done', lambda: sa.Column('opening_balances_done', sa.Boolean(), nullable=False,
                                                server_default=sa.false())),
)


def upgrade():
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        for _name, column in COLUMNS:
            batch_op.add_column(column())
    # A demo loaded before this revision is still the demo: its owner may clear it (app/setup/demo_clear.py).
    op.execute(sa.text("UPDATE company_settings SET is_demo = :yes WHERE tax_number = '91310112MA1GB3XK7P' "
                       "AND name = '上海鼎盛商贸有限公司'").bindparams(yes=True))


def downgrade():
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        for name, _column in reversed(COLUMNS):
            batch_op.drop_column(name)
