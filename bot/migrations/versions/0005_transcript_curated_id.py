"""curated answers: transcripts record which one a `curated` turn served (its hit count, whatever its
text), and an answer's expiry is a column

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 19:30:00

Turns recorded before this migration knew only the answer's text: each is given the curated answer
with that text (the oldest, when several share it); a turn whose answer has been edited since keeps
no curated id, as it counted for nothing before either. The expiry was an entry
`{"expires_on": "YYYY-MM-DD"}` (without `document_id`) of the answer's `citations` array: it moves to
`expires_on`, and back on downgrade.
"""

from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

EXPIRES = "expires_on"

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
    with op.batch_alter_table("bot_curated_answers") as batch:
        batch.add_column(sa.Column("expires_on", sa.Date(), nullable=True))
    answers = _answers()
    connection = op.get_bind()
    for row in connection.execute(sa.select(answers.c.id, answers.c.citations)).all():
        entries = _entries(row.citations)
        kept = [e for e in entries if "document_id" in e]
        expiry = next((e[EXPIRES] for e in entries if "document_id" not in e and e.get(EXPIRES)), None)
        if len(kept) != len(entries):
            connection.execute(
                answers.update()
                .where(answers.c.id == row.id)
                .values(citations=kept, expires_on=date.fromisoformat(str(expiry)) if expiry else None)
            )


def downgrade() -> None:
    answers = _answers()
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(answers.c.id, answers.c.citations, answers.c.expires_on).where(
            answers.c.expires_on.is_not(None)
        )
    ).all()
    for row in rows:
        entries = [*_entries(row.citations), {EXPIRES: row.expires_on.isoformat()}]
        connection.execute(answers.update().where(answers.c.id == row.id).values(citations=entries))
    with op.batch_alter_table("bot_curated_answers") as batch:
        batch.drop_column("expires_on")
    with op.batch_alter_table("bot_transcripts") as batch:
        batch.drop_index("ix_bot_transcripts_curated_id")
        batch.drop_column("curated_id")


def _answers() -> sa.Table:
    return sa.table(
        "bot_curated_answers",
        sa.column("id", sa.Integer()),
        sa.column("citations", sa.JSON()),
        sa.column("expires_on", sa.Date()),
    )


def _entries(raw: Any) -> list[dict[str, Any]]:
    return [dict(e) for e in raw or []]
