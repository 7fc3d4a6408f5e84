"""Requests refused during a lock-out, coalesced into few audit rows.

A locked-out client may keep sending requests (2,120 in 24 s from one account were seen); one audit
row each grew the table by the thousand and slowed everyone's reads. Now the first refusal of an
episode (same subject, role, client address, attesting service and action) is appended at once; the
ones after it are only counted, in memory, and `flush()` appends one row per episode with
`repeat_count = N` and the time span in `purpose`. The maintenance thread flushes every
`records_audit_refusal_flush_seconds` and at shutdown. An episode with no refusal during a whole
flush interval is forgotten (at the second flush that finds it empty), so its next refusal writes a
first row again.

Rows are only ever appended: a row is never edited once hashed, so the chain stays tamper-evident.
The price: a crash loses at most one interval's count (never the first row), and counts are per
process (with N workers, an episode has up to N first rows). Past `max_episodes` open episodes
(a flood of distinct clients) every refusal is written at once, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from records_api.audit import AuditEntry, AuditLog
from records_api.models import utcnow
from trust.audit_chain import timestamp_text

EpisodeKey = tuple[str, str, str, str | None, str]


@dataclass
class _Episode:
    entry: AuditEntry
    count: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    quiet: bool = False  # found empty by the last flush


class RefusalLedger:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        audit: AuditLog,
        max_episodes: int = 10_000,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._audit = audit
        self._max = max_episodes
        self._clock = clock
        self._lock = threading.Lock()
        self._episodes: dict[EpisodeKey, _Episode] = {}

    @staticmethod
    def _key(entry: AuditEntry) -> EpisodeKey:
        return (entry.actor_subject, entry.actor_role, entry.client_address, entry.via_service, entry.action)

    def refused(self, entry: AuditEntry) -> None:
        """Record one refused request: a row now if it opens an episode, else a count for later."""
        key, now = self._key(entry), self._clock()
        with self._lock:
            episode = self._episodes.get(key)
            if episode is not None:
                episode.count += 1
                episode.first_at = episode.first_at or now
                episode.last_at = now
                return
            if len(self._episodes) < self._max:
                self._episodes[key] = _Episode(entry)
        with self._sessions.begin() as session:
            self._audit.append(session, entry)

    @property
    def pending(self) -> int:
        """Refusals counted but not yet written."""
        with self._lock:
            return sum(episode.count for episode in self._episodes.values())

    def flush(self) -> int:
        """Append one row per episode with counted refusals; the number of rows written."""
        with self._lock:
            for key in [k for k, e in self._episodes.items() if e.count == 0 and e.quiet]:
                del self._episodes[key]
            taken = [(key, replace(e)) for key, e in self._episodes.items() if e.count > 0]
            for episode in self._episodes.values():
                episode.quiet = episode.count == 0
                episode.count, episode.first_at, episode.last_at = 0, None, None
        if not taken:
            return 0
        try:
            with self._sessions.begin() as session:
                for _, episode in taken:
                    self._audit.append(session, self._summary(episode))
        except Exception:
            self._restore(taken)
            raise
        return len(taken)

    @staticmethod
    def _summary(episode: _Episode) -> AuditEntry:
        first = timestamp_text(episode.first_at or utcnow())
        last = timestamp_text(episode.last_at or utcnow())
        count = episode.count
        purpose = f"{episode.entry.purpose}: {count} more refused during a lock-out, {first} to {last}"
        return replace(episode.entry, case_reference=None, repeat_count=count, purpose=purpose)

    def _restore(self, taken: list[tuple[EpisodeKey, _Episode]]) -> None:
        """A failed flush keeps its counts for the next one."""
        with self._lock:
            for key, episode in taken:
                current = self._episodes.setdefault(key, _Episode(episode.entry))
                current.count += episode.count
                current.first_at = min(filter(None, (current.first_at, episode.first_at)), default=None)
                current.last_at = max(filter(None, (current.last_at, episode.last_at)), default=None)
