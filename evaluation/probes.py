"""Probes: a question asked after an optional first exchange, and what a trustworthy assistant does.

A probe's first exchange runs through the real pipeline (the resident's earlier question, the bot's
real reply, remembered the way a session remembers it); then the probe question is asked in the same
conversation. It is scored as refused / answered from one of the expected documents. The carry-over
set (`carry_over.py`) and the near-topic set (`near_topic.py`) are lists of probes; calibration
(`calibrate.py`) records the gate's features on the probe questions of the training split.

Splits are fixed by a hash of a stable key (a document id, a dialogue id), so a question and its
paraphrases or its dialogue never sit on both sides and the split is the same on every machine.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from bot.answering.pipeline import Pipeline
from bot.answering.statuses import AnswerStatus
from bot.answering.turn import Answer
from knowledge_base.records import Turn

Split = Literal["train", "test"]
REFUSALS = frozenset({AnswerStatus.NO_ANSWER, AnswerStatus.HANDOFF, AnswerStatus.REJECTED})
SMALL_TALK = frozenset({"greeting", "thanks"})  # routed to their fixed reply, never to the documents


def split_of(key: str, test_share: float = 0.5) -> Split:
    """A stable split from a key: the same key always lands on the same side."""
    bucket = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if bucket < test_share else "train"


@dataclass(frozen=True, slots=True)
class Exchange:
    """The conversation before the probe: earlier turns and one more question to answer first."""

    question: str
    history: tuple[Turn, ...] = ()


@dataclass(frozen=True, slots=True)
class Probe:
    id: str
    kind: str
    split: Split
    question: str
    before: Exchange | None = None
    expected_docs: tuple[str, ...] = ()  # empty: the documents do not answer it; it must be refused
    earlier: tuple[str, ...] = ()  # questions answered, in order, before the `before` exchange

    @property
    def answerable(self) -> bool:
        return bool(self.expected_docs)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    probe: Probe
    answer: Answer
    first: Answer | None

    @property
    def refused(self) -> bool:
        return self.answer.status in REFUSALS

    @property
    def cited(self) -> str | None:
        return self.answer.citations[0].document_id if self.answer.citations else None

    @property
    def correct(self) -> bool:
        """Out of scope: refused, or small talk answered by its own reply (a greeting for "good
        morning!"), which quotes no document; otherwise answered from an expected document."""
        if not self.probe.answerable:
            return self.refused or (self.answer.intent in SMALL_TALK and not self.answer.citations)
        answered = self.answer.status in (AnswerStatus.ANSWERED, AnswerStatus.CURATED)
        return answered and self.cited in self.probe.expected_docs


def history_after(first: Answer, exchange: Exchange) -> tuple[Turn, ...]:
    """The conversation as a session keeps it after the first exchange: only that exchange when it
    started a new subject (`Answer.new_subject`, as `BotService` keeps it)."""
    said = (Turn("user", first.redacted_question), Turn("agent", first.remembered_reply))
    return said if first.new_subject else (*exchange.history, *said)


def ask(pipeline: Pipeline, probe: Probe, first_pipeline: Pipeline | None = None) -> ProbeResult:
    """Run a probe. `first_pipeline` answers the first exchange (default: `pipeline`); calibration
    passes the real pipeline here and a recording one as `pipeline`."""
    first = None
    history: tuple[Turn, ...] = ()
    for question in probe.earlier:
        earlier = (first_pipeline or pipeline).run(question, history)
        history = history_after(earlier, Exchange(question, history))
    if probe.before is not None:
        before = Exchange(probe.before.question, (*history, *probe.before.history))
        first = (first_pipeline or pipeline).run(before.question, before.history)
        history = history_after(first, before)
    return ProbeResult(probe, pipeline.run(probe.question, history), first)


class KindFigures(BaseModel):
    n: int
    refused: float
    correct: float
    correct_doc_when_answered: float | None = None


class ProbeReport(BaseModel):
    """Figures per probe kind and split: `correct` is "refused" for questions the documents do not
    answer, and "answered from an expected document" for the others."""

    figures: dict[str, dict[str, KindFigures]]
    latency_ms_p50: float

    def figure(self, kind: str, split: str = "test") -> KindFigures | None:
        return self.figures.get(kind, {}).get(split)


def report(results: Sequence[ProbeResult]) -> ProbeReport:
    grouped: dict[tuple[str, str], list[ProbeResult]] = defaultdict(list)
    for r in results:
        grouped[(r.probe.kind, r.probe.split)].append(r)
        grouped[(r.probe.kind, "all")].append(r)
    figures: dict[str, dict[str, KindFigures]] = defaultdict(dict)
    for (kind, split), rows in sorted(grouped.items()):
        answered = [r for r in rows if r.answer.status == AnswerStatus.ANSWERED]
        answerable = bool(rows[0].probe.answerable)
        figures[kind][split] = KindFigures(
            n=len(rows),
            refused=round(sum(r.refused for r in rows) / len(rows), 4),
            correct=round(sum(r.correct for r in rows) / len(rows), 4),
            correct_doc_when_answered=(
                round(sum(r.cited in r.probe.expected_docs for r in answered) / len(answered), 4)
                if answerable and answered
                else None
            ),
        )
    latencies = [r.answer.timings_ms.get("total", 0.0) for r in results] or [0.0]
    return ProbeReport(figures=dict(figures), latency_ms_p50=round(statistics.median(latencies), 2))


def misses(results: Iterable[ProbeResult], kind: str, limit: int = 10) -> list[str]:
    """A few failed probes of a kind, for reading (question → what happened)."""
    out = []
    for r in results:
        if r.probe.kind == kind and not r.correct:
            out.append(f"{r.probe.question!r} → {r.answer.status.value} {r.cited or ''}")
            if len(out) >= limit:
                break
    return out


def counts(probes: Iterable[Probe]) -> dict[str, int]:
    return dict(Counter(f"{p.kind}/{p.split}" for p in probes))
