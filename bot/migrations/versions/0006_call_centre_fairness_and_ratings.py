"""call centre: one verdict per answer, residents rate agents' replies, queues in the order residents
asked

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 09:00:00

- `bot_feedback.answer_id` becomes unique: two first verdicts at the same instant inserted two rows.
  Where an answer has several already, the latest (highest id) is kept, as the analytics page counted
  every one of them before.
- `bot_ticket_messages` gets `helpful`, `comment` and `rated_at`: a resident's verdict on an agent's
  reply (an agent's reply is no transcript row, so `bot_feedback` cannot hold it).
- `bot_tickets.asked_at`: when the resident asked for a person. A transfer keeps it (`queued_at` is
  set again, and the abandon timer counts from it); the queue is in `asked_at` order. Tickets opened
  before this migration take the time of their first message (the conversation copied in when the
  ticket opened), else `queued_at`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM bot_feedback WHERE id NOT IN "
            "(SELECT MAX(f.id) FROM bot_feedback f GROUP BY f.answer_id)"
        )
    )
    with op.batch_alter_table("bot_feedback") as batch:
        batch.drop_index("ix_bot_feedback_answer_id")
        batch.create_index("ix_bot_feedback_answer_id", ["answer_id"], unique=True)

    with op.batch_alter_table("bot_ticket_messages") as batch:
        batch.add_column(sa.Column("helpful", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("comment", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("bot_tickets") as batch:
        batch.add_column(sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        sa.text(
            "UPDATE bot_tickets SET asked_at = COALESCE("
            " (SELECT MIN(m.created_at) FROM bot_ticket_messages m WHERE m.ticket_id = bot_tickets.id),"
            " queued_at)"
        )
    )
    with op.batch_alter_table("bot_tickets") as batch:
        batch.alter_column("asked_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_index("ix_bot_tickets_asked_at", ["asked_at"])


def downgrade() -> None:
    with op.batch_alter_table("bot_tickets") as batch:
        batch.drop_index("ix_bot_tickets_asked_at")
        batch.drop_column("asked_at")
    with op.batch_alter_table("bot_ticket_messages") as batch:
        batch.drop_column("rated_at")
        batch.drop_column("comment")
        batch.drop_column("helpful")
    with op.batch_alter_table("bot_feedback") as batch:
        batch.drop_index("ix_bot_feedback_answer_id")
        batch.create_index("ix_bot_feedback_answer_id", ["answer_id"], unique=False)
