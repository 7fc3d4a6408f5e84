"""Is the resident asking about their own case ("has my building permit been approved yet?"), or about
the rules ("how long does a building permit take?")?

The router's binary classifier (`classifier.py`) trained on labelled paraphrases shipped with the code
(`data/intent/{status,policy,general}.<language>.jsonl`, written by the project): the sentence
embedding says what a question is about, TF-IDF word and character n-grams how it is asked ("has my
… yet", "how long does it usually take"). `askcity eval intent` reports on the `test` split. The
regularisation strength and the weight of the embedding are data (`data/intent.<language>.yml`),
chosen by grouped cross-validation on the training split (`askcity eval intent --refit`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from bot.answering.classifier import (
    BinaryClassifier,
    ClassifierConfig,
    Example,
    Source,
    load_config,
    load_examples,
    write_config,
)
from knowledge_base.embedder import Vectors

DATA = Path(__file__).parent / "data" / "intent"
IntentExample = Example
IntentConfig = ClassifierConfig

# status: questions about the resident's own case; policy: near misses about the same things;
# general: ordinary questions residents ask (the sample set's and out-of-scope ones), all "policy"
FILES: tuple[tuple[str, str], ...] = (("status", "status"), ("policy", "policy"), ("general", "policy"))


def intent_sources(language: str = "en", folder: Path = DATA) -> list[Source]:
    return [
        Source(folder / f"{name}.{language}.jsonl", label, kind_key="case_type", optional=name == "general")
        for name, label in FILES
    ]


def load_intent_examples(language: str = "en", folder: Path = DATA) -> list[Example]:
    return load_examples(intent_sources(language, folder))


def _config_path(language: str) -> Path:
    return DATA.parent / f"intent.{language}.yml"


def load_intent_config(language: str = "en") -> ClassifierConfig:
    return load_config(_config_path(language))


def write_intent_config(config: ClassifierConfig, note: str, language: str = "en") -> Path:
    title = "Status-question classifier (bot/answering/intent.py)."
    return write_config(_config_path(language), config, title, note)


class IntentClassifier(BinaryClassifier):
    """`status_probability(text, vector)` for a message and its question vector."""

    def __init__(
        self,
        embed: Callable[[list[str]], Vectors],
        examples: Sequence[Example],
        config: ClassifierConfig | None = None,
    ) -> None:
        super().__init__(embed, examples, config, positive="status", name="intent")

    def status_probability(self, text: str, vector: Vectors) -> float:
        return self.probability(text, vector)
