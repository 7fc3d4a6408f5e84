"""Alembic environment of the records database, driven by `records_api.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from records_api.models import Base

config = context.config
target_metadata = Base.metadata
version_table = config.get_main_option("version_table") or "records_alembic_version"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=version_table,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through records_api.db.migrate(engine)")
_run(connection)
