"""`askcity eval calibrate`: fit the confidence gate on the training split of labelled probes.

The probes are those of `askcity eval carry-over` (a labelled set such as the sample city's: questions
asked first, after another topic, out-of-scope questions after an answer, elliptical follow-ups) and,
when given, of `askcity eval near-topic` (a benchmark's questions against a knowledge base with and
without their own documents). Every probe question runs through the real pipeline with a recording
gate that keeps the gate's features (`bot.answering.gate.features`); answerable probes are labelled 1,
the others 0.

Replies to the assistant's own questions are left out of the training probes ("yes", "No, I am not.",
"I do." — `asks_nothing`): doc2dial labels them answerable by the passage its agent went on to quote,
but they ask nothing of the documents, and a gate trained to answer them learns to answer messages
that name nothing (an earlier fit let "how do I renew my passport?" through after parking questions).
They are still asked in the figures (`askcity eval near-topic`).

scikit-learn's logistic regression is fitted on the `train` split only, each kind of probe weighing
the same and the two labels balanced; its regularisation strength is chosen by grouped
cross-validation (groups: documents, dialogues). The threshold is the highest that refuses at most
`max_false_refusal` of the answerable training probes. Figures for the `test` split come from
`askcity eval carry-over` / `near-topic` afterwards, with the written gate.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from bot.answering.gate import FEATURES, Gate
from bot.answering.pipeline import Pipeline
from bot.answering.statuses import AnswerStatus
from bot.answering.steps import ConfidenceGate
from bot.answering.turn import Reply, VerifiedDraft
from bot.privacy import Redactor
from evaluation.answers import bench
from evaluation.probes import Probe, ask
from evaluation.retrieval import workspace
from knowledge_base.embedder import Embedder

# A reply opening with an acknowledgement or a short "I do/am/have …", and a message of three words or
# fewer, ask nothing unless they hold a question mark or a word that asks or requests.
_ACKNOWLEDGES = re.compile(
    r"^\W*(yes|yeah|yep|yup|no|nope|nah|ok|okay|sure|thanks|thank|great|alright|right|good|perfect|fine|"
    r"cool|not|i\s+(do|did|have|am|will|was|had|would|think|guess|see|understand|know))\b",
    re.IGNORECASE,
)
_ASKS = re.compile(
    r"\b(how|what|whats|when|where|why|who|which|tell me|want to know|like to know|need to know|wondering|"
    r"information|info|questions?|would like|learn|can i|could i|do i|is there|are there|explain)\b",
    re.IGNORECASE,
)


def asks_nothing(message: str, in_conversation: bool) -> bool:
    """Whether a message in a conversation is only a reply to the assistant ("yes", "No, I am not.")."""
    if not in_conversation or "?" in message or _ASKS.search(message):
        return False
    return len(message.split()) <= 3 or _ACKNOWLEDGES.search(message) is not None


@dataclass(frozen=True, slots=True)
class Row:
    values: tuple[float, ...]
    label: int
    kind: str  # "<set>/<probe kind>": each weighs the same
    group: str  # what must not straddle cross-validation folds
    split: str


@dataclass(frozen=True, slots=True)
class Calibration:
    weights: dict[str, float]
    bias: float
    threshold: float
    c: float
    rows: int
    false_refusal_rate: float  # on the training rows, kind-weighted
    out_of_scope_refusal_rate: float

    def to_yaml(self, source: str) -> str:
        header = (
            "# Confidence gate (see bot/answering/gate.py), written by `askcity eval calibrate`.\n"
            f"# Fitted on the train split of: {source} ({self.rows} probes, C={self.c}).\n"
            f"# On that split it refuses {self.false_refusal_rate:.1%} of answerable and "
            f"{self.out_of_scope_refusal_rate:.1%} of out-of-scope probes (each kind weighing the same);\n"
            "# test-split figures: `askcity eval carry-over` and `askcity eval near-topic`.\n"
        )
        body = {
            "weights": {k: round(float(v), 4) for k, v in self.weights.items()},
            "bias": round(float(self.bias), 4),
            "threshold": round(float(self.threshold), 4),
        }
        return header + yaml.safe_dump(body, sort_keys=False)


class RecordingGate(Gate):
    """Stands in for the gate: records its features and lets every answer through."""

    last: dict[str, float] | None = None

    def decide(self, draft: VerifiedDraft) -> Reply:
        self.last = self.features(draft)
        return Reply(AnswerStatus.ANSWERED, " ".join(s.text for s in draft.sentences))


def collect(
    pipeline: Pipeline, probes: Sequence[Probe], set_name: str, group_of: dict[str, str]
) -> list[Row]:
    """Gate features of each training probe's question (the first exchange answered by the real gate)."""
    gate = pipeline.gate.gate
    recorder = RecordingGate(
        gate.config, gate.replies, gate.default_contact, gate._term_stats, gate.cues, gate.answer_types
    )
    recording = replace(pipeline, gate=ConfidenceGate(recorder))
    rows: list[Row] = []
    for probe in probes:
        if probe.split != "train" or asks_nothing(probe.question, probe.before is not None):
            continue
        recorder.last = None
        ask(recording, probe, first_pipeline=pipeline)
        if recorder.last is not None:
            rows.append(
                Row(
                    tuple(recorder.last[name] for name in FEATURES),
                    int(probe.answerable),
                    f"{set_name}/{probe.kind}",
                    group_of.get(probe.id, probe.id),
                    probe.split,
                )
            )
    return rows


def _weights(rows: Sequence[Row]) -> np.ndarray:
    by_kind: dict[str, int] = defaultdict(int)
    for r in rows:
        by_kind[r.kind] += 1
    w: np.ndarray = np.asarray([1.0 / by_kind[r.kind] for r in rows])
    y = np.asarray([r.label for r in rows])
    if (y == 0).any() and (y == 1).any():
        w[y == 0] *= w[y == 1].sum() / w[y == 0].sum()
    return np.asarray(w / w.sum())


def fit(rows: Sequence[Row], max_false_refusal: float = 0.05) -> Calibration:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    x = np.asarray([r.values for r in rows], dtype=np.float64)
    y = np.asarray([r.label for r in rows])
    if y.min() == y.max():
        raise ValueError("calibration needs both answerable and out-of-scope probes")
    w = _weights(rows)
    groups = np.asarray([r.group for r in rows])
    scaler = StandardScaler().fit(x)
    z = scaler.transform(x)
    folds = list(GroupKFold(n_splits=5).split(z, y, groups))
    best: tuple[float, float] | None = None
    for c in (0.01, 0.03, 0.1, 0.3, 1.0, 3.0):
        loss = 0.0
        for train, held in folds:
            model = LogisticRegression(C=c, max_iter=5000).fit(z[train], y[train], sample_weight=w[train])
            p = np.clip(model.predict_proba(z[held])[:, 1], 1e-9, 1 - 1e-9)
            loss -= float(np.sum(w[held] * (y[held] * np.log(p) + (1 - y[held]) * np.log(1 - p))))
        if best is None or loss < best[0]:
            best = (loss, c)
    assert best is not None
    c = best[1]
    model = LogisticRegression(C=c, max_iter=5000).fit(z, y, sample_weight=w)
    coef = model.coef_[0] / scaler.scale_
    intercept = float(model.intercept_[0] - np.sum(model.coef_[0] * scaler.mean_ / scaler.scale_))
    prob = 1.0 / (1.0 + np.exp(-(x @ coef + intercept)))
    threshold = _threshold(prob, y, w, max_false_refusal)
    refused = prob < threshold
    return Calibration(
        weights={name: float(v) for name, v in zip(FEATURES, coef, strict=True)},
        bias=intercept,
        threshold=threshold,
        c=c,
        rows=len(rows),
        false_refusal_rate=float(np.sum(w[(y == 1) & refused]) / np.sum(w[y == 1])),
        out_of_scope_refusal_rate=float(np.sum(w[(y == 0) & refused]) / np.sum(w[y == 0])),
    )


def _threshold(prob: np.ndarray, y: np.ndarray, w: np.ndarray, max_false_refusal: float) -> float:
    """The highest threshold that refuses at most `max_false_refusal` of the answerable (weighted)."""
    order = np.argsort(prob[y == 1])
    p, weight = prob[y == 1][order], w[y == 1][order]
    cumulative = np.cumsum(weight) / weight.sum()
    allowed = p[cumulative <= max_false_refusal]
    return float(allowed[-1]) if len(allowed) else float(p[0])


@dataclass(frozen=True, slots=True)
class NearTopicSet:
    documents: Path
    questions: Path
    domain: str


def run(
    documents: Path,
    questions: Path,
    embedder: Embedder,
    redactor: Redactor,
    near_topic: NearTopicSet | None = None,
    max_false_refusal: float = 0.05,
    workdir: Path | None = None,
) -> Calibration:
    """Collect features on the train split of the carry-over probes of (`documents`, `questions`) and,
    when given, of the near-topic probes, and fit the gate."""
    return fit(collect_rows(documents, questions, embedder, redactor, near_topic, workdir), max_false_refusal)


def save_rows(rows: Sequence[Row], path: Path) -> None:
    """Keep collected features (JSON lines) to refit without re-running every probe while tuning."""
    path.write_text("\n".join(json.dumps(asdict(r)) for r in rows) + "\n", encoding="utf-8")


def load_rows(path: Path) -> list[Row]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if rows and len(rows[0]["values"]) != len(FEATURES):
        raise ValueError(f"{path} holds features of another gate version; collect them again")
    return [
        Row(tuple(r["values"]), int(r["label"]), str(r["kind"]), str(r["group"]), str(r["split"]))
        for r in rows
    ]


def collect_rows(
    documents: Path,
    questions: Path,
    embedder: Embedder,
    redactor: Redactor,
    near_topic: NearTopicSet | None = None,
    workdir: Path | None = None,
) -> list[Row]:
    from evaluation import carry_over
    from evaluation import near_topic as near

    rows: list[Row] = []
    with workspace(workdir) as where:
        probes = carry_over.load_probes(questions)
        with bench(documents, where / "carry-over", embedder, redactor) as (_, pipeline):
            rows += collect(pipeline, probes, "carry-over", carry_over.groups(probes))
        if near_topic is not None:
            in_probes, out_probes = near.probe_sets(
                near_topic.documents, near_topic.questions, near_topic.domain
            )
            reduced = near.without_domain(
                near_topic.documents,
                near_topic.domain,
                where / f"without-{near_topic.domain}" / "documents.jsonl",
            )
            with bench(near_topic.documents, where / "near-topic" / "full", embedder, redactor) as (
                _,
                pipeline,
            ):
                rows += collect(pipeline, in_probes, "near-topic-in", near.groups(in_probes))
            kb = where / "near-topic" / f"kb-without-{near_topic.domain}"
            with bench(reduced, kb, embedder, redactor) as (_, pipeline):
                rows += collect(pipeline, out_probes, "near-topic-out", near.groups(out_probes))
    return rows
