"""The status-question classifier's per-message scoring is the fitted model's own probability."""

from __future__ import annotations

import numpy as np
import pytest

from bot.answering.intent import IntentClassifier, load_intent_config, load_intent_examples
from tests.conftest import CountingEmbedder


@pytest.fixture(scope="module")
def classifier() -> IntentClassifier:
    embedder = CountingEmbedder()
    fitted = IntentClassifier(embedder.embed, load_intent_examples(), load_intent_config())
    fitted.warm_up()
    return fitted


def test_the_fast_scoring_equals_scikit_learns_predict_proba(classifier: IntentClassifier) -> None:
    model = classifier._model
    assert model is not None
    examples = [e for e in load_intent_examples() if e.split == "test"]
    texts = [e.text for e in examples] + ["", "!!!", "zzzz qqqq", "MY PERMIT?? where is it"]
    vectors = np.asarray(CountingEmbedder().embed(texts), dtype=np.float32)
    expected = model.model.predict_proba(model.features(texts, vectors))[:, 1]
    got = np.asarray([classifier.status_probability(t, v) for t, v in zip(texts, vectors, strict=True)])
    assert np.abs(got - expected).max() < 1e-9
    # and it tells the two kinds apart on the held-out paraphrases
    status = [p for p, e in zip(got, examples, strict=False) if e.label == "status"]
    policy = [p for p, e in zip(got, examples, strict=False) if e.label == "policy"]
    assert np.mean(status) > 0.8 > 0.2 > np.mean(policy)
