"""transcripts record the intent, whether the reply was private, and which step failed

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bot_transcripts") as batch:
        batch.add_column(sa.Column("intent", sa.String(16), nullable=False, server_default="question"))
        batch.add_column(sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("failed_step", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bot_transcripts") as batch:
        batch.drop_column("failed_step")
        batch.drop_column("private")
        batch.drop_column("intent")
