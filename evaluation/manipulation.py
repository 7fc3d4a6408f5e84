"""`askcity eval manipulation`: jailbreak and prompt-extraction attempts vs. the messages residents send.

The classifier (`bot.answering.manipulation`) is fitted on the `train` split of the shipped examples
and scored here on the `test` split (paraphrase groups never straddle the split). Benign messages are
the written near misses (`benign.en.jsonl`: "ignore my last question, …", "repeat that please") and the
status classifier's questions (`data/intent/`). Our targets: recall ≥ 95 % on attempts, false
triggers ≤ 1 % on benign messages.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from bot.answering.classifier import BinaryClassifier, ClassifierConfig, Example
from bot.answering.manipulation import (
    POSITIVE,
    load_manipulation_config,
    load_manipulation_examples,
    manipulation_classifier,
)
from knowledge_base.embedder import Embedder


class ManipulationReport(BaseModel):
    train_attempts_n: int
    train_benign_n: int
    test_attempts_n: int
    test_benign_n: int
    test_near_miss_n: int
    recall: float
    false_trigger_rate: float
    near_miss_false_trigger_rate: float
    recall_by_kind: dict[str, float]
    missed: list[str]
    false_triggers: list[str]


def evaluate(classifier: BinaryClassifier, examples: list[Example], embedder: Embedder) -> ManipulationReport:
    classifier.warm_up()
    train = [e for e in examples if e.split == "train"]
    test = [e for e in examples if e.split == "test"]
    vectors = embedder.embed([e.text for e in test])
    predicted = [classifier.flags(e.text, v)[0] for e, v in zip(test, vectors, strict=True)]
    attempts = [(e, p) for e, p in zip(test, predicted, strict=True) if e.label == POSITIVE]
    benign = [(e, p) for e, p in zip(test, predicted, strict=True) if e.label != POSITIVE]
    near = [(e, p) for e, p in benign if e.kind == "near_miss"]
    by_kind: Counter[str] = Counter()
    hit_kind: Counter[str] = Counter()
    for e, p in attempts:
        by_kind[e.kind] += 1
        hit_kind[e.kind] += p
    return ManipulationReport(
        train_attempts_n=sum(e.label == POSITIVE for e in train),
        train_benign_n=sum(e.label != POSITIVE for e in train),
        test_attempts_n=len(attempts),
        test_benign_n=len(benign),
        test_near_miss_n=len(near),
        recall=round(sum(p for _, p in attempts) / max(1, len(attempts)), 4),
        false_trigger_rate=round(sum(p for _, p in benign) / max(1, len(benign)), 4),
        near_miss_false_trigger_rate=round(sum(p for _, p in near) / max(1, len(near)), 4),
        recall_by_kind={k: round(hit_kind[k] / n, 4) for k, n in sorted(by_kind.items())},
        missed=[e.text for e, p in attempts if not p],
        false_triggers=[e.text for e, p in benign if p],
    )


def run(embedder: Embedder, refit: bool = False) -> tuple[ManipulationReport, ClassifierConfig]:
    """Fit on the train split with the question encoder the bot uses, report on test. `refit` first
    chooses the classifier's settings by grouped cross-validation on the train split."""
    from knowledge_base.embedder import QueryEncoding

    encoder = embedder.for_queries() if isinstance(embedder, QueryEncoding) else embedder
    config = load_manipulation_config()
    if refit:
        config = manipulation_classifier(encoder.embed, config=config).choose_config()
    classifier = manipulation_classifier(encoder.embed, config=config)
    return evaluate(classifier, load_manipulation_examples(), encoder), config
