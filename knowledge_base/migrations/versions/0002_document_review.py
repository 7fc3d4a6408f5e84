"""documents held for editorial review: review state, findings, confirmed key

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing documents were published before the checks existed: they start as "ok"
    with op.batch_alter_table('kb_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.String(length=16), server_default='ok', nullable=False))
        batch_op.add_column(sa.Column('findings', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('confirmed_key', sa.String(length=64), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('kb_documents', schema=None) as batch_op:
        batch_op.drop_column('confirmed_key')
        batch_op.drop_column('findings')
        batch_op.drop_column('review')
