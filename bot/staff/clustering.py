"""Grouping residents' questions by meaning, and naming each group by its most distinctive terms.

Questions are embedded with the bot's own question encoder and grouped by scikit-learn's
`AgglomerativeClustering` (cosine distance, a distance threshold: the number of groups is not known in
advance). Before the cosine, what every resident's question shares is taken out of the vectors
("all-but-the-top", Mu & Viswanath, ICLR 2018): the mean question vector and the strongest common
directions of the labelled questions. Raw sentence vectors are anisotropic: two questions of the same
form about different things ("can I keep a goat in my backyard", "can I fly a drone in the park")
had a cosine of 0.45, as high as many paraphrases, and average linkage put goats, drones and chickens in
one group; once the shared part is removed, what is left is mostly the topic.
The linkage, the threshold, the number of common directions removed and the directions themselves are
data (`data/gaps.<language>.yml`), all chosen by `askcity eval gaps --refit` on the **train** split of
`evaluation/data/gaps/` for the best adjusted Rand index (purity alone would favour many tiny groups);
figures are reported on the test split (docs/benchmarks.md, "Content gaps (issue 13)").
Why not HDBSCAN: with the handful of paraphrases a real gap has in a month, it called a quarter to a
half of the train questions noise (one "cluster" for purity, nothing to act on for an editor) and
reached ARI 0.44 at best, against 0.80 for average linkage.

Labels are c-TF-IDF terms (as in BERTopic, with scikit-learn's `CountVectorizer` and
`TfidfTransformer`): the questions of a group form one class document, weighted by how often each was
asked, and a term scores by its frequency in the class against the number of classes that use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from numpy.typing import NDArray
from scipy import sparse
from sklearn.cluster import AgglomerativeClustering
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer

DATA = Path(__file__).parent / "data"
Linkage = Literal["average", "complete", "single"]
# Words that say nothing about a topic in a resident's question, and the PII placeholders.
_EXTRA_STOP = frozenset(
    {"city", "millbrook", "town", "ok", "need", "want", "know", "does", "did", "just", "get", "got", "im"}
    | {"redacted", "email", "phone", "card", "ssn", "iban", "ip", "id_number", "passport", "number"}
)

_WORD = r"(?u)\b[a-z][a-z]+\b"  # words of two letters or more, no digits


@dataclass(frozen=True, slots=True, eq=False)
class CommonPart:
    """What residents' questions share whatever they ask about: their mean vector and their strongest
    common directions (principal components), removed before two questions are compared."""

    mean: NDArray[np.float32]  # (d,)
    directions: NDArray[np.float32]  # (k, d), orthonormal; k may be 0 (centring only)

    @classmethod
    def fit(cls, vectors: NDArray[np.float32], directions: int) -> CommonPart:
        mean = vectors.mean(axis=0)
        if directions == 0:
            return cls(mean.astype(np.float32), np.zeros((0, vectors.shape[1]), dtype=np.float32))
        components = PCA(n_components=directions).fit(vectors - mean).components_
        return cls(mean.astype(np.float32), np.asarray(components, dtype=np.float32))

    def remove(self, vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        """The vectors without the common part, normalised again."""
        if vectors.shape[1] != self.mean.shape[0]:
            raise ValueError(
                f"the gap grouping was fitted on {self.mean.shape[0]}-dimensional question vectors, not "
                f"{vectors.shape[1]}: run `askcity eval gaps --refit --write` after changing the model"
            )
        centred = vectors - self.mean
        centred = centred - (centred @ self.directions.T) @ self.directions
        norms = np.linalg.norm(centred, axis=1, keepdims=True)
        return np.asarray(centred / np.where(norms == 0, 1, norms), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class ClusteringConfig:
    linkage: Linkage = "average"
    distance_threshold: float = 0.7  # cosine distance at which two groups stay apart
    max_questions: int = 2000  # most-asked distinct questions clustered (the distance matrix is n²)
    common: CommonPart | None = None  # removed from the vectors before the cosine (None: raw vectors)


def _floats(values: NDArray[np.float32]) -> list[float]:
    return [round(float(x), 6) for x in values]


@lru_cache
def load_clustering_config(language: str = "en") -> ClusteringConfig:
    raw = yaml.safe_load((DATA / f"gaps.{language}.yml").read_text(encoding="utf-8"))
    common = raw.get("common")
    return ClusteringConfig(
        linkage=raw["linkage"],
        distance_threshold=float(raw["distance_threshold"]),
        max_questions=int(raw.get("max_questions", 2000)),
        common=None
        if common is None
        else CommonPart(
            np.asarray(common["mean"], dtype=np.float32),
            np.asarray(common["directions"], dtype=np.float32).reshape(-1, len(common["mean"])),
        ),
    )


def write_clustering_config(config: ClusteringConfig, note: str, language: str = "en") -> Path:
    path = DATA / f"gaps.{language}.yml"
    body: dict[str, object] = {
        "linkage": config.linkage,
        "distance_threshold": round(config.distance_threshold, 4),
        "max_questions": config.max_questions,
    }
    if config.common is not None:
        body["common"] = {
            "mean": _floats(config.common.mean),
            "directions": [_floats(d) for d in config.common.directions],
        }
    text = yaml.safe_dump(body, default_flow_style=None, width=110, sort_keys=False)
    path.write_text(f"# Gap grouping (bot/staff/clustering.py). {note}\n" + text, "utf-8")
    load_clustering_config.cache_clear()
    return path


def cluster(vectors: NDArray[np.float32], config: ClusteringConfig) -> NDArray[np.int_]:
    """A group number for each (normalised) question vector; groups are numbered 0..k-1."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=np.int_)
    if config.common is not None:
        vectors = config.common.remove(vectors)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage=config.linkage,
        distance_threshold=config.distance_threshold,
    )
    return np.asarray(model.fit_predict(vectors), dtype=np.int_)


def distinctive_terms(
    texts: list[str], weights: list[int], labels: NDArray[np.int_], top: int = 3
) -> list[tuple[str, ...]]:
    """The `top` c-TF-IDF terms of each group `0..max(labels)`; a bigram hides the words it contains."""
    groups = int(labels.max()) + 1 if len(labels) else 0
    vectorizer = CountVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | _EXTRA_STOP),
        ngram_range=(1, 2),
        token_pattern=_WORD,
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return [()] * groups
    membership = sparse.csr_matrix(
        (np.asarray(weights, dtype=float), (labels, np.arange(len(texts)))), shape=(groups, len(texts))
    )
    scores = TfidfTransformer(sublinear_tf=True).fit_transform(membership @ counts).toarray()
    vocabulary = vectorizer.get_feature_names_out()
    named: list[tuple[str, ...]] = []
    for row in scores:
        chosen: list[str] = []
        for index in np.argsort(-row, kind="stable"):
            if row[index] <= 0 or len(chosen) == top:
                break
            term = str(vocabulary[index])
            if any(term in c.split() or c in term.split() for c in chosen):
                continue
            chosen.append(term)
        named.append(tuple(chosen))
    return named


def medoid(vectors: NDArray[np.float32]) -> int:
    """The index of the vector closest to the others on average (the group's most typical question)."""
    return int(np.argmax((vectors @ vectors.T).sum(axis=1)))
