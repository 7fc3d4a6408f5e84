"""`askcity eval calibrate`: fit the confidence gate on labelled answerable and out-of-scope questions.

For every question that reaches the gate we record the gate's features (`bot.answering.gate.features`),
label it 1 when it has a gold document and 0 when it is out of scope, and fit a class-balanced,
L2-regularised logistic regression (plain NumPy gradient descent on standardised features). The
threshold is the probability that refuses at most `max_false_refusal` of the answerable questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot.answering.context import TurnContext
from bot.answering.factory import AnsweringConfig, build_pipeline
from bot.answering.gate import FEATURES, GateConfig, features
from bot.answering.statuses import AnswerStatus
from bot.privacy import PiiDetector, Redactor
from evaluation.questions import load_questions
from evaluation.retrieval import build, workspace
from knowledge_base.embedder import Embedder
from knowledge_base.retriever import Retriever


@dataclass(frozen=True, slots=True)
class Calibration:
    weights: dict[str, float]
    bias: float
    threshold: float
    answerable: int
    out_of_scope: int
    false_refusal_rate: float
    out_of_scope_refusal_rate: float

    def to_yaml(self, source: str) -> str:
        header = (
            "# Confidence gate (see bot/answering/gate.py), written by `askcity eval calibrate`.\n"
            f"# Fitted on {source}:\n"
            f"# {self.answerable} answerable, {self.out_of_scope} out-of-scope questions;\n"
            f"# on that data it refuses {self.false_refusal_rate:.1%} of answerable and "
            f"{self.out_of_scope_refusal_rate:.1%} of out-of-scope questions.\n"
        )
        body = {
            "weights": {k: round(float(v), 4) for k, v in self.weights.items()},
            "bias": round(float(self.bias), 4),
            "threshold": round(float(self.threshold), 4),
        }
        return header + yaml.safe_dump(body, sort_keys=False)


class _Recorder:
    """Stands in for the gate: records its features and lets every answer through."""

    name = "gate"

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.last: dict[str, float] | None = None

    def __call__(self, ctx: TurnContext) -> None:
        self.last = features(ctx, self.retriever.snapshot.term_stats)
        ctx.stop(AnswerStatus.ANSWERED, " ".join(s.text for s in ctx.sentences))


def collect(
    documents: Path, questions: Path, embedder: Embedder, redactor: Redactor, workdir: Path | None = None
) -> tuple[list[list[float]], list[int]]:
    rows: list[list[float]] = []
    labels: list[int] = []
    with workspace(workdir) as where:
        built = build(documents, where, embedder)
        try:
            pipeline = build_pipeline(AnsweringConfig(gate=GateConfig()), redactor, built.retriever)
            recorder = _Recorder(built.retriever)
            pipeline.steps[-1] = recorder
            for q in load_questions(questions):
                recorder.last = None
                pipeline.run(q.question, q.history)
                if recorder.last is not None:
                    rows.append([recorder.last[name] for name in FEATURES])
                    labels.append(1 if q.answerable else 0)
        finally:
            built.kb.close()
    return rows, labels


def fit(
    rows: list[list[float]], labels: list[int], groups: list[int], max_false_refusal: float = 0.05
) -> Calibration:
    """`groups` weighs each labelled set equally, so a large answerable-only set does not drown the rest."""
    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    g = np.asarray(groups)
    if y.min() == y.max():
        raise ValueError("calibration needs both answerable and out-of-scope questions")
    weight = np.zeros(len(y))
    for group in np.unique(g):
        for label in (0, 1):
            mask = (g == group) & (y == label)
            if mask.any():
                weight[mask] = 1.0 / mask.sum()
    weight[y == 0] *= weight[y == 1].sum() / weight[y == 0].sum()
    weight /= weight.sum()
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w = np.zeros(z.shape[1])
    b = 0.0
    for _ in range(5000):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        grad = (p - y) * weight
        w -= 0.5 * (z.T @ grad + 0.01 * w)
        b -= 0.5 * grad.sum()
    coef = w / std
    intercept = b - float((w * mean / std).sum())
    prob = 1.0 / (1.0 + np.exp(-(x @ coef + intercept)))
    threshold = float(np.quantile(prob[y == 1], max_false_refusal))
    return Calibration(
        weights={name: float(c) for name, c in zip(FEATURES, coef, strict=True)},
        bias=intercept,
        threshold=threshold,
        answerable=int((y == 1).sum()),
        out_of_scope=int((y == 0).sum()),
        false_refusal_rate=float(np.mean(prob[y == 1] < threshold)),
        out_of_scope_refusal_rate=float(np.mean(prob[y == 0] < threshold)),
    )


def run(
    pairs: list[tuple[Path, Path]],
    embedder: Embedder,
    max_false_refusal: float = 0.05,
    workdir: Path | None = None,
) -> Calibration:
    redactor = Redactor(PiiDetector())
    redactor.warm_up()
    rows: list[list[float]] = []
    labels: list[int] = []
    groups: list[int] = []
    for index, (documents, questions) in enumerate(pairs):
        where = workdir / f"set-{index}" if workdir is not None else None
        r, lab = collect(documents, questions, embedder, redactor, where)
        rows += r
        labels += lab
        groups += [index] * len(r)
    return fit(rows, labels, groups, max_false_refusal)
