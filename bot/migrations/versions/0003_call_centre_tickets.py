"""call-centre tickets, their messages and curated-answer drafts (issue 12)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN_TICKET = "status IN ('waiting', 'active')"


def upgrade() -> None:
    op.create_table(
        "bot_tickets",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("session_ref", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("logged_in", sa.Boolean(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agent_subject", sa.String(200), nullable=True),
        sa.Column("agent_name", sa.String(200), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("case_references", sa.JSON(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bot_tickets_session_ref", "bot_tickets", ["session_ref"])
    op.create_index("ix_bot_tickets_status", "bot_tickets", ["status"])
    op.create_index("ix_bot_tickets_queued_at", "bot_tickets", ["queued_at"])
    op.create_index("ix_bot_tickets_agent_subject", "bot_tickets", ["agent_subject"])
    # the database's guarantee that a session never has two open tickets
    op.create_index(
        "uq_bot_tickets_open_session",
        "bot_tickets",
        ["session_ref"],
        unique=True,
        postgresql_where=sa.text(OPEN_TICKET),
        sqlite_where=sa.text(OPEN_TICKET),
    )
    op.create_table(
        "bot_ticket_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["bot_tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "seq", name="uq_bot_ticket_messages_seq"),
    )
    op.create_table(
        "bot_curated_drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("ticket_id", sa.String(32), nullable=True),
        sa.Column("author_subject", sa.String(200), nullable=False),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bot_curated_drafts_status", "bot_curated_drafts", ["status"])


def downgrade() -> None:
    op.drop_index("ix_bot_curated_drafts_status", table_name="bot_curated_drafts")
    op.drop_table("bot_curated_drafts")
    op.drop_table("bot_ticket_messages")
    for name in (
        "uq_bot_tickets_open_session",
        "ix_bot_tickets_agent_subject",
        "ix_bot_tickets_queued_at",
        "ix_bot_tickets_status",
        "ix_bot_tickets_session_ref",
    ):
        op.drop_index(name, table_name="bot_tickets")
    op.drop_table("bot_tickets")
