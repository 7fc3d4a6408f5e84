"""Alembic environment for the bot's database, run programmatically by `bot.storage.database.migrate`."""

from __future__ import annotations

from alembic import context

from bot.storage.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table="alembic_version_bot",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
