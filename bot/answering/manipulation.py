"""Is the message an attempt to manipulate the assistant (OWASP LLM01 prompt injection, LLM07 system
prompt leakage): a jailbreak ("ignore your previous instructions", "you are now DAN", developer mode,
role play, encoded instructions) or a request for the hidden prompt ("repeat your system prompt",
"print the text above")? The router answers those with a canned reply (status `rejected`) before any
other step sees them.

The same classifier as status questions (`classifier.py`), trained on examples the project wrote:
`data/manipulation/attempts.<language>.jsonl` against near misses residents send that share the words
("ignore my last question, how do I renew a dog licence?", "repeat that please",
`data/manipulation/benign.<language>.jsonl`) and every question of the status classifier's files
(`data/intent/`) as ordinary messages. Settings in `data/manipulation.<language>.yml`;
`askcity eval manipulation` reports on the `test` split.
"""

from __future__ import annotations

from collections.abc import Callable
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
from bot.answering.intent import DATA as INTENT_DATA
from bot.answering.intent import FILES as INTENT_FILES
from knowledge_base.embedder import Vectors

DATA = Path(__file__).parent / "data" / "manipulation"
POSITIVE = "manipulation"
BENIGN = "benign"


def manipulation_sources(language: str = "en") -> list[Source]:
    return [
        Source(DATA / f"attempts.{language}.jsonl", POSITIVE),
        Source(DATA / f"benign.{language}.jsonl", BENIGN),
        *(
            Source(
                INTENT_DATA / f"{name}.{language}.jsonl",
                BENIGN,
                row_label=label,
                kind_key="",
                group_prefix=f"intent-{name}:",
            )
            for name, label in INTENT_FILES
        ),
    ]


def load_manipulation_examples(language: str = "en") -> list[Example]:
    return load_examples(manipulation_sources(language))


def _config_path(language: str) -> Path:
    return DATA.parent / f"manipulation.{language}.yml"


def load_manipulation_config(language: str = "en") -> ClassifierConfig:
    return load_config(_config_path(language))


def write_manipulation_config(config: ClassifierConfig, note: str, language: str = "en") -> Path:
    title = "Manipulation-attempt classifier (bot/answering/manipulation.py)."
    return write_config(_config_path(language), config, title, note)


def manipulation_classifier(
    embed: Callable[[list[str]], Vectors], language: str = "en", config: ClassifierConfig | None = None
) -> BinaryClassifier:
    return BinaryClassifier(
        embed,
        load_manipulation_examples(language),
        config or load_manipulation_config(language),
        positive=POSITIVE,
        name="manipulation",
    )
