"""Audit rows say which service attested the client address, and how many refusals one row stands for.

Revision ID: 0002_audit_origin_and_repeats
Revises: 0001_initial
Create Date: 2025-02-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_audit_origin_and_repeats"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("via_service", sa.String(64), nullable=True))
    op.add_column(
        "audit_events",
        sa.Column("repeat_count", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("repeat_count")
        batch.drop_column("via_service")
