"""ingest jobs and their files (issue 13: documents uploaded in the staff console)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_ingest_jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),  # upload | retire
        sa.Column("state", sa.String(16), nullable=False),  # queued | running | done | failed
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),  # 0..1
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(200), nullable=True),  # a retire job's document
        sa.Column("accept_missing_metadata", sa.Boolean(), nullable=False),
        sa.Column("published_version", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_by_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bot_ingest_jobs_state", "bot_ingest_jobs", ["state"])
    op.create_index("ix_bot_ingest_jobs_created_at", "bot_ingest_jobs", ["created_at"])
    op.create_table(
        "bot_ingest_job_files",
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("document_id", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        # pending | added | updated | unchanged | held | failed
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["bot_ingest_jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "ordinal"),
    )
    op.create_index("ix_bot_ingest_job_files_document_id", "bot_ingest_job_files", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_bot_ingest_job_files_document_id", table_name="bot_ingest_job_files")
    op.drop_table("bot_ingest_job_files")
    op.drop_index("ix_bot_ingest_jobs_created_at", table_name="bot_ingest_jobs")
    op.drop_index("ix_bot_ingest_jobs_state", table_name="bot_ingest_jobs")
    op.drop_table("bot_ingest_jobs")
