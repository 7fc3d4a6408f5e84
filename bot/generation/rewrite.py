"""Reading the model's rewrite of a follow-up: one standalone question, or nothing usable.

What the model writes is only ever a search text. It is used when it is one line of question-like
text of a sensible length whose content words come from the follow-up or the conversation (a standalone
question fills in what was said; it adds no subject of its own) and that keeps at least half of the
follow-up's own content words (it must not drop what was asked); anything else (empty, several
paragraphs, an answer instead of a question, the prompt's canary, words from nowhere such as the prompt's
example) leaves the resident's own words as the search text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.generation.generator import GenerationError, Generator
from knowledge_base.records import Turn
from knowledge_base.text import terms

_PREFIX = re.compile(r"^\s*(?:standalone question|question|rewritten|follow-up)\s*:\s*", re.IGNORECASE)
_QUOTES = "\"'“”‘’`"
MAX_WORDS = 40
GROUNDED_SHARE = 0.8  # of the rewrite's content words, at least this share said by the resident or agent
KEPT_SHARE = 0.5  # of the follow-up's own content words, at least this share still in the rewrite


def standalone_question(text: str, question: str, canary: str, said: Iterable[str] = ()) -> str | None:
    """The rewritten question in `text`, or None when it is not usable (see the module's docstring).
    `said`: the conversation's texts, which with `question` are where its content words may come from."""
    if canary in text:
        return None
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    first = _PREFIX.sub("", lines[0]).strip().strip(_QUOTES).strip()
    words = first.split()
    if not words or len(words) > max(MAX_WORDS, 3 * len(question.split())):
        return None
    if "[" in first and re.search(r"\[\d+\]", first):  # it answered (with a citation) instead
        return None
    content = terms(first)
    known = set(terms(" ".join([question, *said])))
    if content and sum(t in known for t in content) < GROUNDED_SHARE * len(content):
        return None
    asked = set(terms(question))  # and it keeps what the follow-up itself asks about
    if asked and len(asked & set(content)) < KEPT_SHARE * len(asked):
        return None
    return " ".join(words)


def is_follow_up(history: Sequence[Turn]) -> bool:
    """A question asked after the resident said something: the only kind sent to be rewritten."""
    return any(turn.role == "user" for turn in history)


def rewrite_follow_up(
    generator: Generator, question: str, history: Sequence[Turn], session: str = ""
) -> tuple[str | None, str]:
    """The model's standalone question for a follow-up, or None when the resident's words stay the search
    text, and why: "rewritten", "unchanged", "unusable", or the call's failure ("busy", "timeout",
    "backend", "budget"). The answering pipeline's `rewrite` step and `askcity eval retrieval --rewrite`
    both come here."""
    try:
        generated = generator.rewrite(question, history, session)
    except GenerationError as exc:
        return None, exc.reason
    text = standalone_question(generated.text, question, generator.canary, [turn.text for turn in history])
    if text is None:
        return None, "unusable"
    if text.casefold() == " ".join(question.split()).casefold():
        return None, "unchanged"
    return text, "rewritten"
