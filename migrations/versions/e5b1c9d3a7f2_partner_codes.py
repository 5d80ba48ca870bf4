"""partners: a code per customer (C0001) and supplier (S0001), unique, the key a re-import updates by; existing rows numbered

Revision ID: e5b1c9d3a7f2
Revises: c4a8e2f61d37
Create Date: 2026-12-06 09:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5b1c9d3a7f2'
down_revision = 'c4a8e2f61d37'
branch_labels = None
depends_on = None

TABLES = (("customer", "C", "CUS"), ("supplier", "S", "SUP"))  # table, code prefix, numbering prefix


def upgrade():
    connection = op.get_bind()
    for table, prefix, sequence in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('code', sa.String(length=32), nullable=True))
        ids = [row[0] for row in connection.execute(sa.text(f"SELECT id FROM {table} ORDER BY id"))]
        for number, id_ in enumerate(ids, start=1):
            connection.execute(sa.text(f"UPDATE {table} SET code = :code WHERE id = :id"),
                               {"code": f"{prefix}{number:04d}", "id": id_})
        connection.execute(sa.text(f"UPDATE {table} SET search_text = search_text || ' ' || lower(code)"))
        if ids:  # new codes continue after the last one given here
            connection.execute(sa.text("INSERT INTO document_sequence (prefix, year, last) VALUES (:p, 0, :n)"),
                               {"p": sequence, "n": len(ids)})
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('code', existing_type=sa.String(length=32), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_code'), ['code'])


def downgrade():
    for table, _prefix, sequence in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_code'), type_='unique')
            batch_op.drop_column('code')
        op.execute(sa.text(f"DELETE FROM document_sequence WHERE prefix = '{sequence}' AND year = 0"))
