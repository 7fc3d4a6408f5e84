"""Every service's migrations, on SQLite and PostgreSQL: at head the database holds exactly the tables,
columns and indexes its code maps (alembic's `compare_metadata` finds nothing to add, drop or alter).
A model changed without its migration (or the reverse) fails here, not on a city's upgrade."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.storage.database import BotDatabase
from bot.storage.tables import Base as BotBase
from knowledge_base.store import MetadataStore
from knowledge_base.tables import Base as KnowledgeBaseBase
from records_api.db import VERSION_TABLE, migrate
from records_api.models import Base as RecordsBase


def _bot(url: str) -> None:
    database = BotDatabase(url)
    database.migrate()
    database.close()


def _knowledge_base(url: str) -> None:
    store = MetadataStore(url)
    store.migrate()
    store.close()


def _records(url: str) -> None:
    engine = sa.create_engine(url)
    migrate(engine)
    engine.dispose()


SCHEMAS: dict[str, tuple[Callable[[str], None], sa.MetaData, str]] = {
    "bot": (_bot, BotBase.metadata, "alembic_version_bot"),
    "knowledge base": (_knowledge_base, KnowledgeBaseBase.metadata, "alembic_version_kb"),
    "records": (_records, RecordsBase.metadata, VERSION_TABLE),
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.mark.parametrize("service", list(SCHEMAS))
def test_the_migrated_schema_is_the_mapped_one(service: str, url: str) -> None:
    upgrade, metadata, version_table = SCHEMAS[service]
    upgrade(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": version_table})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []
