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


def test_the_settings_keep_the_sure_level_through_a_refit_written_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.answering.classifier import ClassifierConfig, load_config, write_config

    shipped = load_intent_config()
    assert shipped.threshold < shipped.sure < 1.0
    path = write_config(tmp_path / "intent.yml", shipped, "title", "note")
    assert load_config(path) == shipped
    # a classifier without the setting (the manipulation classifier) is always sure
    plain = write_config(tmp_path / "plain.yml", ClassifierConfig(10.0, 0.5, 0.5), "title", "note")
    assert load_config(plain).sure == 1.0 and "sure" not in plain.read_text()
