"""transcripts record which curated answer a `curated` turn served (its hit count, whatever its text)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 19:30:00

Turns recorded before this migration knew only the answer's text: each is given the curated answer
with that text (the oldest, when several share it); a turn whose answer has been edited since keeps
no curated id, as it counted for nothing before either.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bot_transcripts") as batch:
        batch.add_column(sa.Column("curated_id", sa.Integer(), nullable=True))
        batch.create_index("ix_bot_transcripts_curated_id", ["curated_id"])
    op.execute(
        sa.text(
            "UPDATE bot_transcripts SET curated_id = ("
            " SELECT MIN(c.id) FROM bot_curated_answers c WHERE c.answer = bot_transcripts.answer"
            ") WHERE status = 'curated' AND curated_id IS NULL"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("bot_transcripts") as batch:
        batch.drop_index("ix_bot_transcripts_curated_id")
        batch.drop_column("curated_id")
