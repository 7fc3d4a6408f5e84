"""Alembic environment for the knowledge base, run programmatically by `knowledge_base.store.migrate`."""

from __future__ import annotations

from alembic import context

from knowledge_base.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table="alembic_version_kb",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
