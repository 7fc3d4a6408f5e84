"""How well a PII detector does on a labelled dataset (`askcity eval pii`).

The dataset is JSON Lines, one sentence a line:
`{"text": "...", "entities": [{"type": "EMAIL_ADDRESS", "start": 12, "end": 31}], "split": "test"}`.
`split` is "train" (what the detector's rules were developed on) or "test" (what is reported);
a sentence without one is a test sentence. Offsets count code points, as Python strings do.

Matching rule: a predicted span finds a gold span when the types are equal and they overlap by at
least half of the gold span's length (`overlap >= 0.5 * (gold.end - gold.start)`). Each predicted
span finds at most one gold span and the reverse (the largest overlap wins). Then, per entity type:
precision = found / predicted, recall = found / gold, with 0.0 when the denominator is 0. The
micro figures pool the counts of the types the detector looks for (`SUPPORTED_ENTITIES`, and any
type it predicts). Gold types it does not look for at all (names, street addresses) are scored
apart, in `not_detected`, so that they neither hide nor drag down the others.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from bot.privacy.detection import SUPPORTED_ENTITIES, PiiSpan
from bot.privacy.errors import DatasetError

DEFAULT_DATASET = Path(__file__).parent / "data" / "pii_sentences.jsonl"
MIN_OVERLAP = 0.5
Split = Literal["train", "test"]


class SpanDetector(Protocol):
    def warm_up(self) -> None: ...

    def detect(self, text: str) -> Sequence[PiiSpan]: ...


class GoldEntity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    start: int
    end: int


class LabelledSentence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    entities: tuple[GoldEntity, ...]
    split: Split = "test"

    @model_validator(mode="after")
    def _offsets_fit(self) -> LabelledSentence:
        for entity in self.entities:
            if not 0 <= entity.start < entity.end <= len(self.text):
                raise ValueError(f"entity {entity.start}-{entity.end} does not fit the text")
        return self


class EntityScores(BaseModel):
    support: int
    predicted: int
    found: int
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


class PiiReport(BaseModel):
    dataset: str
    split: str  # "train", "test" or "all"
    sentences: int
    negative_sentences: int
    negative_sentences_flagged: int
    per_entity: dict[str, EntityScores]
    micro: EntityScores
    not_detected: dict[str, EntityScores]
    mean_detect_ms: float

    def to_table(self) -> str:
        """A plain-text table, for the CLI to print."""
        lines = [f"{'entity':<16}{'support':>8}{'predicted':>10}{'precision':>10}{'recall':>8}"]
        lines += [_row(name, scores) for name, scores in self.per_entity.items()]
        lines.append(_row("micro", self.micro))
        if self.not_detected:
            lines.append("not looked for (no recognizer):")
            lines += [_row(name, scores) for name, scores in self.not_detected.items()]
        lines.append(
            f"{self.sentences} sentences ({self.split} split); {self.negative_sentences_flagged} of "
            f"{self.negative_sentences} without PII had a detection; "
            f"mean detection time {self.mean_detect_ms:.2f} ms per sentence"
        )
        return "\n".join(lines)


def _row(name: str, scores: EntityScores) -> str:
    return (
        f"{name:<16}{scores.support:>8}{scores.predicted:>10}{scores.precision:>10.3f}{scores.recall:>8.3f}"
    )


def load_dataset(path: Path) -> list[LabelledSentence]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"Cannot read the PII dataset {path}: {exc.strerror}.") from exc
    sentences = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            sentences.append(LabelledSentence.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise DatasetError(f"{path}, line {number}: not a labelled sentence.") from exc
    return sentences


def count_matches(gold: Sequence[GoldEntity], predicted: Sequence[PiiSpan]) -> Counter[str]:
    """How many gold spans of each type a predicted span found (see the module's rule)."""
    found: Counter[str] = Counter()
    unused = list(predicted)
    for entity in gold:
        needed = MIN_OVERLAP * (entity.end - entity.start)
        candidates = [
            (_overlap(entity, span), index)
            for index, span in enumerate(unused)
            if span.entity_type == entity.type
        ]
        best = max(candidates, default=(0, -1))
        if best[1] >= 0 and best[0] >= needed:
            found[entity.type] += 1
            del unused[best[1]]
    return found


def evaluate(
    detector: SpanDetector, dataset_path: Path = DEFAULT_DATASET, split: Split | None = "test"
) -> PiiReport:
    """Run `detector` over the sentences of one split of the dataset (None: all) and score it per type."""
    sentences = [
        sentence for sentence in load_dataset(dataset_path) if split is None or sentence.split == split
    ]
    if not sentences:
        raise DatasetError(f"The PII dataset {dataset_path} has no sentences in the {split} split.")
    detector.warm_up()
    support: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    timings: list[float] = []
    negatives = flagged = 0
    for sentence in sentences:
        started = time.perf_counter()
        spans = detector.detect(sentence.text)
        timings.append(time.perf_counter() - started)
        support.update(entity.type for entity in sentence.entities)
        predicted.update(span.entity_type for span in spans)
        found.update(count_matches(sentence.entities, spans))
        if not sentence.entities:
            negatives += 1
            flagged += bool(spans)
    looked_for = set(SUPPORTED_ENTITIES) | set(predicted)
    scores = {name: _scores(support[name], predicted[name], found[name]) for name in support | predicted}
    return PiiReport(
        dataset=str(dataset_path),
        split=split or "all",
        sentences=len(sentences),
        negative_sentences=negatives,
        negative_sentences_flagged=flagged,
        per_entity={name: scores[name] for name in sorted(scores) if name in looked_for},
        micro=_scores(
            sum(support[name] for name in looked_for),
            predicted.total(),
            sum(found[name] for name in looked_for),
        ),
        not_detected={name: scores[name] for name in sorted(scores) if name not in looked_for},
        mean_detect_ms=1000 * statistics.fmean(timings),
    )


def _scores(support: int, predicted: int, found: int) -> EntityScores:
    return EntityScores(
        support=support,
        predicted=predicted,
        found=found,
        precision=found / predicted if predicted else 0.0,
        recall=found / support if support else 0.0,
    )


def _overlap(entity: GoldEntity, span: PiiSpan) -> int:
    return max(0, min(entity.end, span.end) - max(entity.start, span.start))
