"""Appending to a hash chain whose head is one row of its own table, on PostgreSQL or SQLite, without two
appends extending the same head.

`lock_head(session, Model, key, **initial)` makes sure the head row exists and holds it for the rest of
the session's transaction: `INSERT ... ON CONFLICT DO NOTHING` (the first append creates it, with
`initial`; two first appends at once do not collide), then `SELECT ... FOR UPDATE`. A `SELECT ... FOR
UPDATE` alone is not enough: on PostgreSQL it locks nothing while the row does not exist yet, and SQLite
ignores it (and Python's sqlite3 module only opens the transaction at the first write, so two appends
read the same head). The insert is a write, so on SQLite it takes the database's write lock (waiting up
to the connection's busy timeout) before the head is read. Call it first in the transaction: an SQLite
transaction that has already read may fail to take the write lock ("database is locked").

`retry_conflicts(attempt)` runs one whole transaction again, a bounded number of times, when it failed
on a conflict another writer caused (a unique key taken, a lock not granted, a serialisation failure,
a deadlock), so an append that raced a writer not taking the lock is not lost.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M")

CONFLICTS: tuple[type[sa.exc.DBAPIError], ...] = (sa.exc.IntegrityError, sa.exc.OperationalError)


def lock_head(session: Session, model: type[M], key: int, **initial: Any) -> M:
    """The head row `key` of `model`'s table, created with `initial` if missing, locked until the
    transaction ends (see the module's docstring)."""
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    (column,) = table.primary_key.columns
    dialect = session.get_bind().dialect.name
    values = {column.name: key, **initial}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(table).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(table).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - the projects run on PostgreSQL or SQLite only
        raise NotImplementedError(f"no head lock for {dialect}")
    query = sa.select(model).where(column == key).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one()


def retry_conflicts(
    attempt: Callable[[], T], tries: int = 4, pause: float = 0.05, what: str = "an audit append"
) -> T:
    """`attempt()` (one whole transaction), again after a short random pause when it fails on a
    conflict (`CONFLICTS`), at most `tries` times; the last failure is raised."""
    for n in range(1, tries + 1):
        try:
            return attempt()
        except CONFLICTS as exc:
            if n == tries:
                raise
            log.warning("%s conflicted (%s), try %d of %d", what, type(exc).__name__, n + 1, tries)
            time.sleep(pause * 2 ** (n - 1) * (0.5 + random.random()))  # jitter
    raise AssertionError("unreachable")  # pragma: no cover
