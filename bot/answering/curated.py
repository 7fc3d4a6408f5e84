"""Curated answers: editor-pinned question variants → a fixed answer with citations.

The variants are embedded once; a resident's question matches when its vector is close enough to one
of them (cosine ≥ threshold). Curated answers win over retrieval. The index reloads itself when the
stored set changes (another process, e.g. `askcity curated add`, may have edited it).

A curated answer remembers the version of each document it cites. Against the version residents are
served it may be stale (`stale_citations`):

    unpublished  a cited document is no longer published (retired, or held for review): the answer is
                 not served (the question goes to normal retrieval) until an editor fixes it
    changed      a cited document was replaced by a newer version: served, flagged for the editor

An answer with an expiry date is served through that day (UTC) and not after: the index checks the date
at each match, so it stops at midnight exactly, not at the next reload of the index (every
`check_seconds`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

import numpy as np

from knowledge_base.embedder import Embedder, Vectors
from knowledge_base.errors import NoPublishedVersionError
from knowledge_base.records import Citation
from knowledge_base.snapshot import Snapshot

Problem = Literal["unpublished", "changed"]


@dataclass(frozen=True, slots=True)
class CuratedAnswer:
    id: int
    questions: tuple[str, ...]
    answer: str
    citations: tuple[Citation, ...]
    cited_versions: Mapping[str, int] = field(default_factory=dict)  # document id -> version when cited
    expires_on: date | None = None  # served through this day (UTC), not after

    def expired(self, on: date) -> bool:
        return self.expires_on is not None and self.expires_on < on


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True, slots=True)
class StaleCitation:
    """A document a curated answer cites that is no longer published as it was cited."""

    document_id: str
    problem: Problem
    cited_version: int | None  # None: not recorded (answers added before versions were kept)
    published_version: int | None  # None: not published


def stale_citations(answer: CuratedAnswer, published: Mapping[str, int]) -> tuple[StaleCitation, ...]:
    """The answer's citations that no longer match `published` (document id -> version being served)."""
    stale = []
    for document_id in dict.fromkeys(c.document_id for c in answer.citations):
        cited = answer.cited_versions.get(document_id)
        now = published.get(document_id)
        if now is None:
            stale.append(StaleCitation(document_id, "unpublished", cited, None))
        elif cited is not None and cited != now:
            stale.append(StaleCitation(document_id, "changed", cited, now))
    return tuple(stale)


def servable(answer: CuratedAnswer, published: Mapping[str, int]) -> bool:
    """Residents may be given the answer: every document it cites is published."""
    return all(c.document_id in published for c in answer.citations)


class PublishedDocuments:
    """Document id -> version in the version residents are served; recomputed when that version changes.
    Empty when nothing is published."""

    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self._snapshot = snapshot
        self._cached: tuple[Snapshot | None, Mapping[str, int]] = (None, {})

    def __call__(self) -> Mapping[str, int]:
        try:
            snapshot = self._snapshot()
        except NoPublishedVersionError:
            return {}
        seen, versions = self._cached
        if seen is not snapshot:
            versions = {d.id: d.version for d in snapshot.documents}
            self._cached = (snapshot, versions)  # one reference swap
        return versions


@dataclass(frozen=True, slots=True)
class CuratedMatch:
    answer: str
    citations: tuple[Citation, ...]
    similarity: float
    curated_id: int


class CuratedIndex:
    def __init__(
        self,
        load: Callable[[], Sequence[CuratedAnswer]],
        stamp: Callable[[], str],
        embedder: Embedder,
        threshold: float = 0.85,
        check_seconds: float = 2.0,
        today: Callable[[], date] = utc_today,
    ) -> None:
        self._load = load
        self._stamp = stamp
        self._embedder = embedder
        self.threshold = threshold
        self._check_seconds = check_seconds
        self._today = today
        self._answers: list[CuratedAnswer] = []
        self._owners: list[int] = []
        self._matrix: Vectors = np.zeros((0, 1), dtype=np.float32)
        self._loaded_stamp: str | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def refresh(self) -> None:
        stamp = self._stamp()
        if stamp == self._loaded_stamp:
            return
        answers = list(self._load())
        questions = [(i, q) for i, a in enumerate(answers) for q in a.questions]
        matrix = (
            self._embedder.embed([q for _, q in questions]) if questions else np.zeros((0, 1), np.float32)
        )
        with self._lock:
            self._answers, self._owners, self._matrix = answers, [i for i, _ in questions], matrix
            self._loaded_stamp = stamp

    def match(
        self, question_vector: Vectors, published: Mapping[str, int] | None = None
    ) -> CuratedMatch | None:
        """The closest curated answer over the threshold; with `published`, only answers whose cited
        documents are all published (`servable`), and never an answer past its expiry date."""
        on = self._today()
        now = time.monotonic()
        if now - self._checked >= self._check_seconds:
            self._checked = now
            self.refresh()
        with self._lock:
            if not self._owners:
                return None
            sims = self._matrix @ question_vector
            close = np.flatnonzero(sims >= self.threshold)
            for row in close[np.argsort(-sims[close], kind="stable")]:
                answer = self._answers[self._owners[int(row)]]
                if answer.expired(on):
                    continue
                if published is None or servable(answer, published):
                    return CuratedMatch(answer.answer, answer.citations, float(sims[row]), answer.id)
        return None
