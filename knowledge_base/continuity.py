"""Does the resident's message continue the conversation ("and how much is it?", "what about
weekends?") or start something new ("what's the weather tomorrow?")?

The conversation may choose among passages, but an answer must also be supported by what was asked
now. How much the conversation may count depends on whether the message leans on it: an elliptical
follow-up is short, refers back (pronouns, "and …?", "what about …"), or repeats the conversation's
own terms. These are measured here as three numbers in [0, 1]. Retrieval uses them to decide whether
a question that matches another document better is a change of subject; the bot's confidence gate
weighs them with weights fitted on data (`askcity eval calibrate`). The words that refer back are
data (`data/continuity.<language>.yml`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from knowledge_base.text import terms, words


@dataclass(frozen=True, slots=True)
class ContinuityCues:
    refer_back: frozenset[str]
    openers: re.Pattern[str]
    qualifier: re.Pattern[str]
    asks_kind: re.Pattern[str]
    names: re.Pattern[str]
    pointing: frozenset[str]
    existential: re.Pattern[str]
    starts_anew: re.Pattern[str]
    generic: frozenset[str]


@dataclass(frozen=True, slots=True)
class Continuity:
    """`refers`: the message refers back (a pronoun, "and …?"); `short`: 1 for a message with no
    content word, 0 from four on; `shared`: share of its content words the conversation already used.
    All 0 when there is no conversation."""

    refers: float = 0.0
    short: float = 0.0
    shared: float = 0.0

    @property
    def score(self) -> float:
        return max(self.refers, self.shared, self.short)


@lru_cache
def load_cues(language: str = "en") -> ContinuityCues:
    path = Path(__file__).parent / "data" / f"continuity.{language}.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ContinuityCues(
        refer_back=frozenset(str(w).lower() for w in raw["refer_back"]),
        openers=re.compile(raw["openers"], re.IGNORECASE),
        qualifier=re.compile(raw["qualifier"], re.IGNORECASE),
        asks_kind=re.compile(raw["asks_kind"], re.IGNORECASE),
        names=re.compile(raw["names"], re.IGNORECASE),
        pointing=frozenset(str(w).lower() for w in raw["pointing"]),
        existential=re.compile(raw["existential"], re.IGNORECASE),
        starts_anew=re.compile(raw["starts_anew"], re.IGNORECASE),
        generic=frozenset(terms(" ".join(str(w) for w in raw["generic"]))),
    )


def continuity(
    question: str, question_terms: Sequence[str], history_terms: Sequence[str], cues: ContinuityCues
) -> Continuity:
    """How much `question` leans on a conversation whose user turns used `history_terms` (none: 0)."""
    if not history_terms:
        return Continuity()
    refers = 1.0 if refers_back(question, cues) else 0.0
    mine = set(question_terms)
    short = max(0.0, 1.0 - len(mine) / 4)
    shared = len(mine & set(history_terms)) / len(mine) if mine else 1.0
    return Continuity(refers=refers, short=short, shared=shared)


def refers_back(question: str, cues: ContinuityCues) -> bool:
    """Whether the message opens like a follow-up ("and …?", "what about …") or refers back with a word
    such as "it", "that" or "one" ("what about the parking one?")."""
    tokens = [w.replace("’", "'") for w in words(question)]
    return bool(cues.openers.search(question)) or any(t in cues.refer_back for t in tokens)


Form = Literal["qualifier", "asks_kind", "names", "other"]


def follow_up_form(
    question: str, question_terms: Sequence[str], history_terms: Sequence[str], cues: ContinuityCues
) -> Form:
    """How a follow-up goes on after its opener: `qualifier` narrows the last question with a
    preposition ("what about for seniors?"); `asks_kind` asks only for a kind of answer about it ("how
    quickly?", "how long does it take?", "when is it?"): it names nothing, so a word such as "quickly"
    that some other page happens to use says nothing about a new subject; `names` names a thing the
    conversation never mentioned ("what about a dog licence?", "and tree removal permits?" after building
    permits: a word of it, not a `generic` one such as "second", never used before); `other`
    for anything else."""
    if not history_terms:
        return "other"
    if cues.qualifier.search(question):
        return "qualifier"
    if cues.asks_kind.search(question):
        return "asks_kind"
    if cues.names.search(question) and set(question_terms) - set(history_terms) - cues.generic:
        return "names"
    return "other"


def keeps_subject(
    question: str, question_terms: Sequence[str], history_terms: Sequence[str], cues: ContinuityCues
) -> bool:
    """Whether a follow-up cannot be a new subject: it narrows the last question ("what about for
    seniors?") or asks only for a kind of answer about it ("how quickly?")."""
    return follow_up_form(question, question_terms, history_terms, cues) in ("qualifier", "asks_kind")


def asks_only_a_kind(question: str, cues: ContinuityCues) -> bool:
    """Whether the message only asks for a kind of answer and names nothing ("how quickly?", "how long
    does it take?"): without a conversation it has no subject."""
    return bool(cues.asks_kind.search(question))


def starts_anew(question: str, cues: ContinuityCues) -> bool:
    """Whether the message says outright that it is about something else ("ok, something else: how do
    I pay my property tax?", "different question -"): it is read as a first question, whatever words
    it shares with the conversation."""
    return bool(cues.starts_anew.search(question))


def points_back(
    question: str, question_terms: Sequence[str], history_terms: Sequence[str], cues: ContinuityCues
) -> bool:
    """Whether a follow-up cannot be read without the conversation: it keeps the subject, or points
    back at something in it with a pronoun ("can he get a ride there?", "I'll be away that day"),
    unless it names a new thing outright ("what about a dog licence?")."""
    if not history_terms:
        return False
    if keeps_subject(question, question_terms, history_terms, cues):
        return True
    if follow_up_form(question, question_terms, history_terms, cues) == "names":
        return False
    tokens = [w.replace("’", "'").lower() for w in words(cues.existential.sub(" ", question))]
    return any(t in cues.pointing for t in tokens)
