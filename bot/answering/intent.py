"""Is the resident asking about their own case ("has my building permit been approved yet?"), or about
the rules ("how long does a building permit take?")?

A small classifier, not a growing list of patterns: scikit-learn's logistic regression over the
question's sentence embedding (what it is about) joined with TF-IDF word and character n-grams (how it
is asked: "has my … yet", "how long does it usually take"), trained on labelled paraphrases shipped
with the code (`data/intent/{status,policy}.<language>.jsonl`, written by the project). Only their
`train` split is used here; `askcity eval intent` reports on the `test` split, grouped so that
paraphrases of one question never sit on both sides. The regularisation strength and the weight of the
embedding are data (`data/intent.<language>.yml`), chosen by grouped cross-validation on the training
split (`askcity eval intent --refit`). The vectors come from the same question encoder retrieval uses:
the classifier needs no model call of its own, and fitting it at start-up takes a fraction of a second.
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
DATA = Path(__file__).parent / "data" / "intent"
Label = Literal["status", "policy"]
Split = Literal["train", "test"]


@dataclass(frozen=True, slots=True)
class IntentExample:
    id: str
    text: str
    label: Label
    group: str
    split: Split
    case_type: str = ""


# status: questions about the resident's own case; policy: near misses about the same things;
# general: ordinary questions residents ask (the sample set's and out-of-scope ones), all "policy"
FILES: tuple[tuple[str, Label], ...] = (("status", "status"), ("policy", "policy"), ("general", "policy"))


def load_intent_examples(language: str = "en", folder: Path = DATA) -> list[IntentExample]:
    examples: list[IntentExample] = []
    for name, label in FILES:
        path = folder / f"{name}.{language}.jsonl"
        if name == "general" and not path.is_file():
            continue  # optional: extra ordinary questions
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                split = str(row["split"])
                if split not in ("train", "test") or row["label"] != label:
                    raise ValueError(f"label {row['label']!r} / split {split!r}")
                examples.append(
                    IntentExample(
                        id=str(row["id"]),
                        text=str(row["text"]),
                        label=label,
                        group=str(row.get("group") or row["id"]),
                        split=split,  # type: ignore[arg-type]
                        case_type=str(row.get("case_type") or ""),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not an intent example ({exc})") from exc
    return examples


_GRID = tuple((c, w) for c in (3.0, 10.0, 30.0, 100.0) for w in (0.3, 0.5, 1.0, 2.0))


@dataclass(frozen=True, slots=True)
class IntentConfig:
    c: float = 10.0  # inverse regularisation strength of the logistic regression
    embedding_weight: float = 0.5  # scale of the sentence embedding next to the TF-IDF features
    threshold: float = 0.5  # status probability from which a message is a status question


def load_intent_config(language: str = "en") -> IntentConfig:
    path = DATA.parent / f"intent.{language}.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return IntentConfig(float(raw["c"]), float(raw["embedding_weight"]), float(raw["threshold"]))


def write_intent_config(config: IntentConfig, note: str, language: str = "en") -> Path:
    path = DATA.parent / f"intent.{language}.yml"
    body = {"c": config.c, "embedding_weight": config.embedding_weight, "threshold": config.threshold}
    path.write_text(
        f"# Status-question classifier (bot/answering/intent.py). {note}\n" + yaml.safe_dump(body)
    )
    return path


class IntentClassifier:
    """`status_probability(text, vector)` for a message and its question vector; fitted by `warm_up()`
    (blocking, about a second: the examples are embedded once)."""

    def __init__(
        self,
        embed: Callable[[list[str]], Vectors],
        examples: Sequence[IntentExample],
        config: IntentConfig | None = None,
    ) -> None:
        self._embed = embed
        self._examples = [e for e in examples if e.split == "train"]
        self.config = config or IntentConfig()
        self.threshold = self.config.threshold
        self._model: _Fitted | None = None
        self._lock = threading.Lock()

    @property
    def is_ready(self) -> bool:
        return self._model is not None

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            if len({e.label for e in self._examples}) < 2:
                raise ValueError("the intent classifier needs training examples of both labels")
            texts, vectors, labels, _ = self._training_data()
            self._model = _fit(texts, vectors, labels, self.config.c, self.config.embedding_weight)
            log.info("intent classifier fitted on %d examples", len(texts))

    def _training_data(self) -> tuple[list[str], Vectors, np.ndarray, np.ndarray]:
        texts = [e.text for e in self._examples]
        vectors = np.asarray(self._embed(texts), dtype=np.float32)
        labels = np.asarray([e.label == "status" for e in self._examples], dtype=int)
        groups = np.asarray([e.group for e in self._examples])
        return texts, vectors, labels, groups

    def choose_config(self) -> IntentConfig:
        """(C, embedding weight) with the best grouped cross-validated log-loss on the training split."""
        texts, vectors, labels, groups = self._training_data()
        c, weight = _choose(texts, vectors, labels, groups)
        return IntentConfig(c, weight, self.config.threshold)

    def status_probability(self, text: str, vector: Vectors) -> float:
        if self._model is None:
            self.warm_up()
        assert self._model is not None
        return self._model.probability(text, vector)


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
