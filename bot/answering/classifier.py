"""A small binary text classifier trained at start-up on labelled examples shipped with the code: one
mechanism for every "is this message of kind X?" question the router asks (status questions,
`intent.py`; manipulation attempts, `manipulation.py`), not a growing list of patterns.

scikit-learn's logistic regression over the message's sentence embedding (what it is about) joined with
TF-IDF word and character n-grams (how it is asked). The examples are JSON lines
(`{"id", "text", "label", "group", "split"}`), split `train`/`test` by paraphrase group so that
paraphrases of one message never sit on both sides; only `train` is fitted here, evaluations report on
`test`. The regularisation strength, the weight of the embedding and the threshold are data (a YAML file
per classifier and language), chosen by grouped cross-validation on the training split. The vectors
come from the question encoder retrieval uses: no model call of its own, and scoring a message costs
about 0.1 ms.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GroupKFold

from knowledge_base.embedder import Vectors

log = logging.getLogger(__name__)
Split = Literal["train", "test"]


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    label: str
    group: str
    split: Split
    kind: str = ""  # a finer category for reports (a case type, a kind of attempt)


@dataclass(frozen=True, slots=True)
class Source:
    """One JSON-lines file of examples: every row gets `label`; its own "label" field must read
    `row_label` (default: `label`), so a file written for one classifier can be reused by another."""

    path: Path
    label: str
    row_label: str = ""
    kind_key: str = "kind"
    optional: bool = False
    group_prefix: str = ""  # keeps another file's groups apart from this classifier's own


def load_examples(sources: Sequence[Source]) -> list[Example]:
    examples: list[Example] = []
    for source in sources:
        if source.optional and not source.path.is_file():
            continue
        expected = source.row_label or source.label
        lines = source.path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                split = str(row["split"])
                if split not in ("train", "test") or row["label"] != expected:
                    raise ValueError(f"label {row['label']!r} / split {split!r}")
                examples.append(
                    Example(
                        id=str(row["id"]),
                        text=str(row["text"]),
                        label=source.label,
                        group=source.group_prefix + str(row.get("group") or row["id"]),
                        split=split,  # type: ignore[arg-type]
                        kind=str(row.get(source.kind_key) or "" if source.kind_key else ""),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{source.path}:{number}: not a labelled example ({exc})") from exc
    return examples


_GRID = tuple((c, w) for c in (3.0, 10.0, 30.0, 100.0) for w in (0.3, 0.5, 1.0, 2.0))


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    c: float = 10.0  # inverse regularisation strength of the logistic regression
    embedding_weight: float = 0.5  # scale of the sentence embedding next to the TF-IDF features
    threshold: float = 0.5  # probability from which a message is of the positive label
    # probability from which the label is taken as certain: below it (and above `threshold`) the router
    # also answers the message as an ordinary question where that is safe (status questions, `steps.Route`)
    sure: float = 1.0


def load_config(path: Path) -> ClassifierConfig:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ClassifierConfig(
        float(raw["c"]), float(raw["embedding_weight"]), float(raw["threshold"]), float(raw.get("sure", 1.0))
    )


def write_config(path: Path, config: ClassifierConfig, title: str, note: str) -> Path:
    body = {"c": config.c, "embedding_weight": config.embedding_weight, "threshold": config.threshold}
    text = f"# {title} {note}\n" + yaml.safe_dump(body)
    if config.sure < 1.0:  # a setting of the project's, kept through a refit (docs/answering.md)
        text += "# Below `sure` the router also answers the message as an ordinary question (where safe).\n"
        text += yaml.safe_dump({"sure": config.sure})
    path.write_text(text)
    return path


class BinaryClassifier:
    """`probability(text, vector)` that a message (with its question vector) is of the `positive`
    label; fitted by `warm_up()` (blocking, about a second: the training examples are embedded once)."""

    def __init__(
        self,
        embed: Callable[[list[str]], Vectors],
        examples: Sequence[Example],
        config: ClassifierConfig | None = None,
        positive: str = "status",
        name: str = "intent",
    ) -> None:
        self._embed = embed
        self._examples = [e for e in examples if e.split == "train"]
        self.config = config or ClassifierConfig()
        self.threshold = self.config.threshold
        self.positive = positive
        self.name = name
        self._model: _Fitted | None = None
        self._lock = threading.Lock()

    @property
    def is_ready(self) -> bool:
        return self._model is not None

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            labels = {e.label == self.positive for e in self._examples}
            if len(labels) < 2:
                raise ValueError(f"the {self.name} classifier needs training examples of both labels")
            texts, vectors, y, _ = self._training_data()
            self._model = _fit(texts, vectors, y, self.config.c, self.config.embedding_weight)
            log.info("%s classifier fitted on %d examples", self.name, len(texts))

    def _training_data(self) -> tuple[list[str], Vectors, np.ndarray, np.ndarray]:
        texts = [e.text for e in self._examples]
        vectors = np.asarray(self._embed(texts), dtype=np.float32)
        labels = np.asarray([e.label == self.positive for e in self._examples], dtype=int)
        groups = np.asarray([e.group for e in self._examples])
        return texts, vectors, labels, groups

    def choose_config(self) -> ClassifierConfig:
        """(C, embedding weight) with the best grouped cross-validated log-loss on the training split."""
        texts, vectors, labels, groups = self._training_data()
        c, weight = _choose(texts, vectors, labels, groups)
        return ClassifierConfig(c, weight, self.config.threshold, self.config.sure)

    def probability(self, text: str, vector: Vectors) -> float:
        if self._model is None:
            self.warm_up()
        assert self._model is not None
        return self._model.probability(text, vector)

    def flags(self, text: str, vector: Vectors) -> tuple[bool, float]:
        """Whether the message is of the positive label, and the probability."""
        p = self.probability(text, vector)
        return p >= self.threshold, p


@dataclass(frozen=True)
class _Fitted:
    words: TfidfVectorizer
    chars: TfidfVectorizer
    weight: float
    model: LogisticRegression

    def features(self, texts: list[str], vectors: Vectors) -> sparse.csr_matrix:
        return sparse.hstack(
            [
                self.words.transform(texts),
                self.chars.transform(texts),
                sparse.csr_matrix(vectors * self.weight),
            ]
        ).tocsr()

    def probability(self, text: str, vector: Vectors) -> float:
        """The same probability as `model.predict_proba` over `features`, computed per message without
        scikit-learn's per-call validation and sparse matrices (2–4 ms a turn under load → ~0.1 ms)."""
        return self.scorer.probability(text, vector)

    @cached_property
    def scorer(self) -> _Scorer:
        coef = self.model.coef_[0]
        parts = []
        start = 0
        for vectorizer in (self.words, self.chars):
            vocabulary: dict[str, int] = vectorizer.vocabulary_
            idf = vectorizer.idf_
            table = {term: (float(idf[i]), float(coef[start + i])) for term, i in vocabulary.items()}
            parts.append((vectorizer.build_analyzer(), table))
            start += len(vocabulary)
        embedding = np.asarray(coef[start:], dtype=np.float64) * self.weight
        return _Scorer(tuple(parts), embedding, float(self.model.intercept_[0]))


@dataclass(frozen=True)
class _Scorer:
    """A fitted model's decision function for one message: for each TF-IDF part, sublinear term counts
    times IDF, L2-normalised, dotted with the part's coefficients; plus the scaled embedding's."""

    parts: tuple[tuple[Callable[[str], list[str]], dict[str, tuple[float, float]]], ...]
    embedding: np.ndarray
    intercept: float

    def probability(self, text: str, vector: Vectors) -> float:
        z = self.intercept + float(np.dot(self.embedding, np.asarray(vector, dtype=np.float64).ravel()))
        for analyzer, table in self.parts:
            counts = Counter(t for t in analyzer(text) if t in table)
            weighted = [((1.0 + math.log(n)) * table[t][0], table[t][1]) for t, n in counts.items()]
            norm = math.sqrt(sum(w * w for w, _ in weighted))
            if norm > 0:
                z += sum(w * c for w, c in weighted) / norm
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _fit(texts: list[str], vectors: Vectors, labels: np.ndarray, c: float, weight: float) -> _Fitted:
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts)
    chars = TfidfVectorizer(ngram_range=(2, 5), analyzer="char_wb", sublinear_tf=True).fit(texts)
    empty = LogisticRegression()
    fitted = _Fitted(words, chars, weight, empty)
    model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=5000)
    model.fit(fitted.features(texts, vectors), labels)
    return _Fitted(words, chars, weight, model)


def _choose(
    texts: list[str], vectors: Vectors, labels: np.ndarray, groups: np.ndarray
) -> tuple[float, float]:
    """(C, embedding weight) with the best grouped cross-validated log-loss on the training split."""
    folds = list(GroupKFold(n_splits=min(5, len(set(groups.tolist())))).split(vectors, labels, groups))
    best: tuple[float, float, float] | None = None
    for c, weight in _GRID:
        loss = 0.0
        for train, held in folds:
            fitted = _fit([texts[i] for i in train], vectors[train], labels[train], c, weight)
            held_texts = [texts[i] for i in held]
            p = fitted.model.predict_proba(fitted.features(held_texts, vectors[held]))[:, 1]
            loss += float(log_loss(labels[held], p, labels=[0, 1]))
        if best is None or loss < best[0]:
            best = (loss, c, weight)
    assert best is not None
    return best[1], best[2]
