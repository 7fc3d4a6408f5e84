"""Canned replies and routing patterns, loaded from versioned data files (one pair per language)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.answering.statuses import ACCEPTS_OFFER
from knowledge_base.text import terms

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class Replies:
    texts: dict[str, str]

    def get(self, key: str, **values: object) -> str:
        return " ".join(self.texts[key].format(**values).split())

    def minutes(self, count: int) -> str:
        """ "1 minute", "15 minutes": a duration in the language's own words."""
        return self.get("minutes_one" if count == 1 else "minutes_many", minutes=count)


@dataclass(frozen=True, slots=True)
class RoutePatterns:
    patterns: dict[str, tuple[re.Pattern[str], ...]]

    def matches(self, intent: str, text: str) -> bool:
        return any(p.search(text) for p in self.patterns.get(intent, ()))

    def rest(self, intent: str, text: str) -> str:
        """`text` without what the intent's patterns match ("talk to a person about fences" ->
        " about fences")."""
        for pattern in self.patterns.get(intent, ()):
            text = pattern.sub(" ", text)
        return text

    def asks_nothing(self, text: str) -> bool:
        """A message with nothing in it to answer: a greeting, a thanks, "yes" to the offer of a person,
        or a request for a person that names nothing else ("I want to talk to a person"; not "talk to a
        person about fences")."""
        if ACCEPTS_OFFER.match(text) or self.matches("greeting", text) or self.matches("thanks", text):
            return True
        return self.matches("handoff", text) and not terms(self.rest("handoff", text))

    def latest_question(self, texts: Sequence[str]) -> int:
        """The index of the latest of a resident's messages that asks something (-1: none does):
        what an agent's suggestions and a curated draft from a ticket answer."""
        return max((i for i, text in enumerate(texts) if not self.asks_nothing(text)), default=-1)


@lru_cache
def load_replies(language: str = "en") -> Replies:
    raw = yaml.safe_load((DATA / f"replies.{language}.yml").read_text(encoding="utf-8"))
    return Replies({str(k): str(v) for k, v in raw.items()})


@lru_cache
def load_routes(language: str = "en") -> RoutePatterns:
    raw = yaml.safe_load((DATA / f"routes.{language}.yml").read_text(encoding="utf-8"))
    return RoutePatterns({str(k): tuple(re.compile(p, re.IGNORECASE) for p in v) for k, v in raw.items()})
