"""The content-gap report for policy editors (issue 13): what residents asked that the documents did not
serve, grouped by meaning, with what an editor needs to close each gap.

    select (SQL aggregates) → cluster (embeddings) → label (c-TF-IDF) → re-check → closest documents

Selected: questions that got `no_answer`, `clarification` or a handoff, and answers a resident marked
unhelpful; never status lookups (`bot.storage.gaps`). Each group's most-asked questions are asked again
of the knowledge base as it is served now: a group whose questions now get an answer (a different one,
for answers marked unhelpful) is reported as answered now rather than as a gap. Examples are the stored
questions, which were redacted before they were stored.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from bot.answering.pipeline import Pipeline
from bot.answering.statuses import AnswerStatus
from bot.staff.clustering import ClusteringConfig, cluster, distinctive_terms, medoid
from bot.storage.gaps import AskedDay, GapQueries, Reason
from knowledge_base.retriever import Retriever

MAX_DAYS = 3650
Bucket = Literal["day", "week"]
GapState = Literal["gap", "answered_now"]


@dataclass(frozen=True, slots=True)
class Rechecked:
    """The answer the served knowledge base gives now, and the documents it cites."""

    text: str
    documents: tuple[str, ...]


class Recheck(Protocol):
    def __call__(self, question: str) -> Rechecked | None:
        """The served knowledge base's answer to `question` now, or None when it cannot answer."""
        ...


@dataclass(frozen=True, slots=True)
class ClosestDocument:
    document_id: str
    title: str
    source_url: str
    score: float


class DocumentFinder(Protocol):
    def __call__(self, question: str, k: int) -> list[ClosestDocument]: ...


@dataclass(frozen=True, slots=True)
class Period:
    since: datetime
    until: datetime
    days: int

    @classmethod
    def last(cls, days: int, now: datetime | None = None) -> Period:
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"the period must be 1 to {MAX_DAYS} days, not {days}")
        until = now or datetime.now(UTC)
        return cls(until - timedelta(days=days), until, days)

    @property
    def bucket(self) -> Bucket:
        return "day" if self.days <= 31 else "week"

    def starts(self) -> list[date]:
        """The first day of each trend bucket, oldest first."""
        step = 1 if self.bucket == "day" else 7
        first, last = self.since.date(), self.until.date()
        return [first + timedelta(days=n) for n in range(0, (last - first).days + 1, step)]


@dataclass(frozen=True, slots=True)
class TrendPoint:
    start: date
    count: int


@dataclass(frozen=True, slots=True)
class GapExample:
    question: str  # redacted
    times: int


@dataclass(frozen=True, slots=True)
class GapGroup:
    number: int  # 1 = the most asked
    label: tuple[str, ...]
    count: int
    questions: int  # distinct questions in the group
    reasons: dict[str, int]
    trend: tuple[TrendPoint, ...]
    examples: tuple[GapExample, ...]
    closest_documents: tuple[ClosestDocument, ...]
    rechecked: int
    answered_now: int  # of the re-checked questions, how many the served knowledge base now answers
    answered_by: tuple[str, ...]  # the documents those answers cite (for the editor to check)
    state: GapState  # answered now: at least half the re-checked questions get an answer now
    last_asked: datetime
    # the group's distinct questions, most asked first (up to a curated answer's number of variants):
    # "Start a curated answer" puts them in as its question variants
    phrasings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GapReport:
    since: datetime
    until: datetime
    bucket: Bucket
    groups: tuple[GapGroup, ...]  # open gaps first (most asked first), then groups answered now
    total: int  # gap turns in the period (every group's count)


WEAK_BELOW = 0.5  # answers under this confidence are "weak" (the calibrated gate answers from about 0.31)


@dataclass(frozen=True, slots=True)
class WeakExample:
    question: str  # redacted
    times: int
    lowest: float  # the lowest confidence it was answered with


@dataclass(frozen=True, slots=True)
class WeakGroup:
    """Answered questions of one meaning that the gate passed with a low confidence: the documents may
    answer them only in part, or from the wrong page."""

    number: int
    label: tuple[str, ...]
    count: int
    questions: int
    lowest: float
    examples: tuple[WeakExample, ...]
    cited: tuple[str, ...]  # the documents those answers cited, most cited first
    last_asked: datetime


@dataclass(frozen=True, slots=True)
class WeakReport:
    below: float
    groups: tuple[WeakGroup, ...]  # most asked first
    total: int  # weak answers in the period


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    question: str
    times: int
    last_asked: datetime
    reasons: dict[str, int]
    answered_by: Rechecked | None  # the served knowledge base's answer now, if it has one

    @property
    def answered_now(self) -> bool:
        return self.answered_by is not None


@dataclass(frozen=True, slots=True)
class _Asked:
    """One distinct question, its SQL-counted turns folded together."""

    question: str
    times: int
    reasons: Counter[Reason]
    days: Counter[date]
    last_asked: datetime


def _fold(rows: Sequence[AskedDay]) -> list[_Asked]:
    by_question: dict[str, list[AskedDay]] = defaultdict(list)
    for row in rows:
        by_question[row.question].append(row)
    folded = []
    for question, own in by_question.items():
        reasons: Counter[Reason] = Counter()
        days: Counter[date] = Counter()
        for r in own:
            reasons[r.reason] += r.times
            days[r.day] += r.times
        folded.append(_Asked(question, sum(reasons.values()), reasons, days, max(r.last_asked for r in own)))
    return sorted(folded, key=lambda a: (-a.times, -a.last_asked.timestamp(), a.question))


@dataclass(frozen=True)
class GapFinder:
    queries: GapQueries
    embed: Callable[[list[str]], NDArray[np.float32]]
    recheck: Recheck
    documents: DocumentFinder
    config: ClusteringConfig
    recheck_per_group: int = 3
    examples_per_group: int = 3
    documents_per_group: int = 3
    phrasings_per_group: int = 20  # a curated answer's variants (bot.staff.curated_console.MAX_VARIANTS)

    def _answered_now(self, period: Period, questions: list[str]) -> dict[str, Rechecked | None]:
        """Each question asked again; an answer a resident already marked unhelpful does not count."""
        rated = defaultdict(set)
        for r in self.queries.rated_down(period.since, period.until, questions):
            rated[r.question].add(r.answer)
        result = {}
        for q in questions:
            answer = self.recheck(q)
            result[q] = answer if answer is not None and answer.text not in rated[q] else None
        return result

    def unanswered(self, period: Period, limit: int = 50) -> list[UnansweredQuestion]:
        """The most-asked gap questions one by one, each re-checked against the served knowledge base."""
        asked = _fold(self.queries.asked(period.since, period.until))[:limit]
        now = self._answered_now(period, [a.question for a in asked])
        return [
            UnansweredQuestion(
                a.question, a.times, a.last_asked, {str(k): v for k, v in a.reasons.items()}, now[a.question]
            )
            for a in asked
        ]

    def report(self, period: Period) -> GapReport:
        asked = _fold(self.queries.asked(period.since, period.until))[: self.config.max_questions]
        if not asked:
            return GapReport(period.since, period.until, period.bucket, (), 0)
        vectors = np.asarray(self.embed([a.question for a in asked]), dtype=np.float32)
        labels = cluster(vectors, self.config)
        terms = distinctive_terms([a.question for a in asked], [a.times for a in asked], labels)
        members: dict[int, list[int]] = defaultdict(list)
        for index, label in enumerate(labels):
            members[int(label)].append(index)  # most asked first: `asked` is sorted
        to_check = {asked[i].question for own in members.values() for i in own[: self.recheck_per_group]}
        now = self._answered_now(period, sorted(to_check))
        groups = [
            self._group(period, [asked[i] for i in own], vectors[own], terms[label], now)
            for label, own in members.items()
        ]
        groups.sort(key=lambda g: (g.state == "answered_now", -g.count, -g.last_asked.timestamp()))
        numbered = tuple(replace(g, number=n) for n, g in enumerate(groups, 1))
        return GapReport(period.since, period.until, period.bucket, numbered, sum(g.count for g in groups))

    def weak(self, period: Period, below: float = WEAK_BELOW) -> WeakReport:
        """Answers the gate passed with a confidence under `below`, grouped by meaning as gaps are."""
        rows = self.queries.weak_answers(period.since, period.until, below, self.config.max_questions)
        if not rows:
            return WeakReport(below, (), 0)
        texts = [r.question for r in rows]
        vectors = np.asarray(self.embed(texts), dtype=np.float32)
        labels = cluster(vectors, self.config)
        terms = distinctive_terms(texts, [r.times for r in rows], labels)
        cited = self.queries.weak_citations(period.since, period.until, below, texts)
        members: dict[int, list[int]] = defaultdict(list)
        for index, label in enumerate(labels):
            members[int(label)].append(index)  # most asked first: the rows are sorted
        groups = []
        for label, own in members.items():
            mine = [rows[i] for i in own]
            documents: Counter[str] = Counter()
            for r in mine:
                documents.update(cited.get(r.question, {}))
            groups.append(
                WeakGroup(
                    number=0,
                    label=terms[label],
                    count=sum(r.times for r in mine),
                    questions=len(mine),
                    lowest=min(r.lowest for r in mine),
                    examples=tuple(
                        WeakExample(r.question, r.times, round(r.lowest, 3))
                        for r in mine[: self.examples_per_group]
                    ),
                    cited=tuple(d for d, _ in documents.most_common(self.documents_per_group)),
                    last_asked=max(r.last_asked for r in mine),
                )
            )
        groups.sort(key=lambda g: (-g.count, -g.last_asked.timestamp()))
        numbered = tuple(replace(g, number=n) for n, g in enumerate(groups, 1))
        return WeakReport(below, numbered, sum(g.count for g in groups))

    def _group(
        self,
        period: Period,
        asked: list[_Asked],
        vectors: NDArray[np.float32],
        label: tuple[str, ...],
        now: dict[str, Rechecked | None],
    ) -> GapGroup:
        reasons: Counter[Reason] = Counter()
        days: Counter[date] = Counter()
        for a in asked:
            reasons.update(a.reasons)
            days.update(a.days)
        starts = period.starts()
        trend = [0] * len(starts)
        for day, times in days.items():
            slot = max(
                0, min(len(starts) - 1, (day - starts[0]).days // (1 if period.bucket == "day" else 7))
            )
            trend[slot] += times
        checked = [a.question for a in asked[: self.recheck_per_group]]
        answers = [a for a in (now[q] for q in checked) if a is not None]
        typical = asked[medoid(vectors)].question
        return GapGroup(
            number=0,
            label=label,
            count=sum(reasons.values()),
            questions=len(asked),
            reasons={str(k): v for k, v in reasons.most_common()},
            trend=tuple(TrendPoint(s, c) for s, c in zip(starts, trend, strict=True)),
            examples=tuple(GapExample(a.question, a.times) for a in asked[: self.examples_per_group]),
            phrasings=tuple(a.question for a in asked[: self.phrasings_per_group]),
            closest_documents=tuple(self.documents(typical, self.documents_per_group)),
            rechecked=len(checked),
            answered_now=len(answers),
            answered_by=tuple(dict.fromkeys(d for a in answers for d in a.documents)),
            state="answered_now" if checked and 2 * len(answers) >= len(checked) else "gap",
            last_asked=max(a.last_asked for a in asked),
        )


CSV_COLUMNS = (
    "group",
    "label",
    "count",
    "distinct_questions",
    "status",
    "reasons",
    "trend",
    "examples",
    "closest_documents",
    "answered_now_by",
    "last_asked",
)


def _cell(text: str) -> str:
    """Spreadsheets run a cell that starts with = + - @ as a formula: such cells start with a quote."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(report: GapReport) -> str:
    """One row per group; trend counts oldest first, separated by spaces; examples by " | "."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for g in report.groups:
        writer.writerow(
            [
                g.number,
                _cell(", ".join(g.label)),
                g.count,
                g.questions,
                g.state,
                " ".join(f"{k}={v}" for k, v in g.reasons.items()),
                " ".join(str(p.count) for p in g.trend),
                _cell(" | ".join(e.question for e in g.examples)),
                _cell(" | ".join(d.document_id for d in g.closest_documents)),
                _cell(" | ".join(g.answered_by)),
                g.last_asked.isoformat(timespec="seconds"),
            ]
        )
    return out.getvalue()


# ---- the served bot behind the protocols ----------------------------------------------------------------
@dataclass(frozen=True)
class PipelineRecheck:
    """Asks the answering pipeline, as residents reach it, without a conversation, a token or a transcript."""

    pipeline: Pipeline

    def __call__(self, question: str) -> Rechecked | None:
        answer = self.pipeline.run(question)
        if answer.intent != "question" or answer.status not in (AnswerStatus.ANSWERED, AnswerStatus.CURATED):
            return None
        return Rechecked(answer.text, tuple(dict.fromkeys(c.document_id for c in answer.citations)))


@dataclass(frozen=True)
class RetrieverDocuments:
    """The published documents whose passages match a question best (one entry per document, by the
    similarity shown: its best passage's to the question)."""

    retriever: Retriever

    def __call__(self, question: str, k: int) -> list[ClosestDocument]:
        found: dict[str, ClosestDocument] = {}
        for hit in self.retriever.search(self.retriever.encode(question), k=4 * k):
            score = round(hit.question_score, 3)
            best = found.get(hit.document_id)
            if best is None or score > best.score:
                found[hit.document_id] = ClosestDocument(hit.document_id, hit.title, hit.source_uri, score)
        return sorted(found.values(), key=lambda d: -d.score)[:k]


def gap_finder(
    queries: GapQueries, pipeline: Pipeline, retriever: Retriever, config: ClusteringConfig
) -> GapFinder:
    """The finder over the served bot: its question encoder, its pipeline, its published documents."""
    return GapFinder(
        queries, retriever.embed_questions, PipelineRecheck(pipeline), RetrieverDocuments(retriever), config
    )
