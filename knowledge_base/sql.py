"""SQL plumbing shared by the knowledge base's working set and the bot's database: one engine recipe,
Alembic upgrades and a transaction-per-`with` session. SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # several threads (the API's worker pool) share the file; WAL lets readers run beside a writer.
        # synchronous=NORMAL is SQLite's advice for WAL: no fsync per commit, never a corrupt file (a
        # power cut may lose the last commits, an application crash loses nothing).
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """An engine with its own Alembic migrations folder."""

    def __init__(self, url: str, migrations: Path) -> None:
        self.engine = make_engine(url)
        self._migrations = migrations
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the newest revision (idempotent). Processes starting at once on an empty
        database take turns: PostgreSQL through a transaction-level advisory lock, SQLite through a lock
        file beside the database; the first migrates, the others find the schema at head."""
        config = Config()
        config.set_main_option("script_location", str(self._migrations))
        with self._migration_lock(), self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                key = zlib.crc32(f"askcity-migrate:{self._migrations.parent.name}".encode())
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def _migration_lock(self) -> AbstractContextManager[object]:
        path = self.engine.url.database
        if self.engine.dialect.name == "sqlite" and path and path != ":memory:":
            return FileLock(f"{path}.migrate.lock", timeout=300)
        return nullcontext()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._sessions.begin() as session:
            yield session
