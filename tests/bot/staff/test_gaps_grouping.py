"""The gap report keeps apart what is not the same thing: questions of one form about different
subjects (a goat, a drone, chickens) are different groups, and an answer that served the resident is no
handoff gap because a request for a person came after it."""

from __future__ import annotations

import numpy as np
import pytest

from bot.staff.clustering import ClusteringConfig, cluster, load_clustering_config
from bot.staff.gaps import Period
from bot.storage.database import BotDatabase
from bot.storage.gaps import GapQueries
from knowledge_base.embedder import QueryEncoding
from knowledge_base.factory import make_embedder
from knowledge_base.settings import get_kb_settings
from tests.bot.staff.test_gaps import add_turn

SUBJECTS = {
    "goats": ["can i keep a goat in my backyard", "goats allowed in town?"],
    "drones": ["am i allowed to fly a drone over the park", "can I fly my drone in the city"],
    "hens": [
        "can i keep chickens in my backyard",
        "are backyard hens allowed in the city?",
        "chicken coop rules",
    ],
    "rats": [
        "there are rats in the alley behind my house",
        "how do I report a rat problem",
        "rats in my yard",
    ],
}


@pytest.fixture(scope="module")
def config() -> ClusteringConfig:
    return load_clustering_config()


def test_questions_of_one_form_about_different_subjects_are_different_groups(
    config: ClusteringConfig,
) -> None:
    embedder = make_embedder(get_kb_settings())
    encoder = embedder.for_queries() if isinstance(embedder, QueryEncoding) else embedder
    texts = [q for own in SUBJECTS.values() for q in own]
    labels = cluster(np.asarray(encoder.embed(texts), dtype=np.float32), config)
    by_subject = {}
    start = 0
    for subject, own in SUBJECTS.items():
        by_subject[subject] = set(labels[start : start + len(own)].tolist())
        start += len(own)
    for subject, groups in by_subject.items():
        assert len(groups) == 1, (subject, labels)  # the paraphrases of one subject stay together
    assert len({next(iter(g)) for g in by_subject.values()}) == len(SUBJECTS), labels


def test_an_answer_marked_helpful_or_followed_by_a_request_naming_its_own_subject_is_no_handoff_gap(
    database: BotDatabase,
) -> None:
    # answered, marked helpful, then the widget's "Talk to a person": it served the resident
    add_turn(database, "how do i report a pothole", "answered", session="a", days_ago=0.3, helpful=True)
    add_turn(database, "I want to talk to a person", "handoff", intent="handoff", session="a", days_ago=0.29)
    # answered, then a request for a person about something else: that request is the gap
    add_turn(database, "when is bulky item pickup", "answered", session="b", days_ago=0.3)
    add_turn(
        database, "talk to a person about fences", "handoff", intent="handoff", session="b", days_ago=0.29
    )
    # answered, then a bare request for a person: the answer did not do (counted, as before)
    add_turn(database, "where do i pay my water bill", "answered", session="c", days_ago=0.3)
    add_turn(database, "can I speak to someone", "handoff", intent="handoff", session="c", days_ago=0.29)

    period = Period.last(30)
    found = {(r.question, r.reason) for r in GapQueries(database.engine).asked(period.since, period.until)}
    assert found == {
        ("talk to a person about fences", "handoff"),
        ("where do i pay my water bill", "handoff"),
    }
