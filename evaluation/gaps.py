"""`askcity eval gaps`: how well the content-gap report groups unanswered questions by meaning.

The labelled set (`data/gaps/questions.en.jsonl`, written for the sample city, none of it answered by
its documents) holds paraphrases of 20+ intents, split train/test by a hash of each question's id within
its intent (half of each intent on each side). `--refit` chooses the common part taken out of the
vectors (none, the mean, or the mean and 1-3 common directions, fitted on train), the linkage and the
distance threshold on the train split for the best adjusted Rand index; the figures are the test
split's. Purity is the share of questions in their group's majority intent (issue 13 target: >= 0.8);
it rewards many small groups, which is why it is not what the threshold is chosen on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.cluster import contingency_matrix

from bot.staff.clustering import ClusteringConfig, CommonPart, Linkage, cluster, load_clustering_config

DATA = Path(__file__).parent / "data" / "gaps" / "questions.en.jsonl"
LINKAGES: tuple[Linkage, ...] = ("average", "complete")
THRESHOLDS = tuple(round(0.4 + 0.025 * n, 3) for n in range(33))  # 0.4 .. 1.2 (centred cosines go below 0)
COMMON_DIRECTIONS: tuple[int | None, ...] = (None, 0, 1, 2, 3)  # None: raw vectors; 0: the mean only


@dataclass(frozen=True, slots=True)
class GapQuestion:
    id: str
    text: str
    intent: str
    split: str


class SplitScore(BaseModel):
    questions: int
    intents: int
    groups: int
    adjusted_rand_index: float
    purity: float


class GapsReport(BaseModel):
    config: dict[str, object]
    train: SplitScore
    test: SplitScore


def load(path: Path = DATA) -> list[GapQuestion]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if raw["split"] not in ("train", "test"):
                raise ValueError(f"split {raw['split']!r}")
            rows.append(GapQuestion(str(raw["id"]), str(raw["text"]), str(raw["intent"]), raw["split"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a labelled gap question ({exc})") from exc
    return rows


def purity(intents: list[str], groups: NDArray[np.int_]) -> float:
    table = contingency_matrix(intents, groups)
    return float(table.max(axis=0).sum() / table.sum())


def score(intents: list[str], vectors: NDArray[np.float32], config: ClusteringConfig) -> SplitScore:
    groups = cluster(vectors, config)
    return SplitScore(
        questions=len(intents),
        intents=len(set(intents)),
        groups=int(groups.max()) + 1,
        adjusted_rand_index=round(float(adjusted_rand_score(intents, groups)), 4),
        purity=round(purity(intents, groups), 4),
    )


def choose(intents: list[str], vectors: NDArray[np.float32]) -> ClusteringConfig:
    """The common part, linkage and threshold with the best adjusted Rand index (ties: the fewer
    directions removed, then the larger threshold)."""
    commons = {d: None if d is None else CommonPart.fit(vectors, d) for d in COMMON_DIRECTIONS}
    candidates = [
        ClusteringConfig(linkage, threshold, common=commons[d])
        for d, linkage, threshold in product(COMMON_DIRECTIONS, LINKAGES, THRESHOLDS)
    ]
    return max(
        candidates,
        key=lambda c: (
            score(intents, vectors, c).adjusted_rand_index,
            -_removed(c),
            c.distance_threshold,
        ),
    )


def _removed(config: ClusteringConfig) -> int:
    """How much of the vectors a configuration takes out (-1: nothing, 0: the mean, k: k directions too)."""
    return -1 if config.common is None else len(config.common.directions)


def run(
    embed: Callable[[list[str]], NDArray[np.float32]], refit: bool = False, path: Path = DATA
) -> tuple[GapsReport, ClusteringConfig]:
    questions = load(path)
    vectors = np.asarray(embed([q.text for q in questions]), dtype=np.float32)
    sides = {
        split: (
            [q.intent for q in questions if q.split == split],
            vectors[[q.split == split for q in questions]],
        )
        for split in ("train", "test")
    }
    config = choose(*sides["train"]) if refit else load_clustering_config()
    report = GapsReport(
        config={
            "linkage": config.linkage,
            "distance_threshold": config.distance_threshold,
            "common_directions_removed": _removed(config),
        },
        train=score(*sides["train"], config),
        test=score(*sides["test"], config),
    )
    return report, config
