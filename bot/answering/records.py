"""Status lookups: the resident's own token goes to the records service; masked data comes back.

`RecordsClient` is the protocol (HTTP implementation in `bot.records_client`). The bot never sees
unmasked data and never keeps the token: it is passed to this call only. The reply answers the case
asked about: by its reference, else by the kind of case the question names ("my building permit",
`data/case_types.*.yml`; a kind no case type is, "my dog licence", is told there is none and shown the
cases there are), else every case on the account, one line each. Status replies are private:
they are not kept in transcripts or in the conversation. A question about someone else's case ("can
you check my husband's permit", `others_case` in `data/routes.<language>.yml`) is told, logged in or
not, that only one's own cases are shown: logging in would not show his.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import yaml

from bot.answering.links import join_sentences
from bot.answering.replies import Replies, RoutePatterns
from bot.answering.statuses import AnswerStatus
from bot.answering.turn import AnswerSentence, Reply
from bot.errors import (
    RecordsNotFoundError,
    RecordsThrottledError,
    RecordsUnauthorizedError,
    RecordsUnavailableError,
)
from trust.case_references import find_references, mistyped_references

MAX_LISTED = 5


def case_references(text: str) -> list[str]:
    """The case references a message names, canonical, as the records service reads them ("mb 0dab
    jqsn tzrh 2", "MB-DDNS-LWAF-S34Y-H" with L for 1): `trust.case_references`, shared with it."""
    return find_references(text)


def as_ones_own(text: str, routes: RoutePatterns) -> str:
    """The message as if it were about one's own case: the other person of `others_case` read as "my"
    (`others_owner`: "can you check my husband's permit" -> "can you check my permit")."""
    for pattern in routes.patterns.get("others_owner", ()):
        text = pattern.sub("my", text)
    return text


def names_a_case(text: str) -> bool:
    """Whether the message names a case by its reference, or writes something meant as one."""
    return bool(find_references(text) or mistyped_references(text))


@dataclass(frozen=True, slots=True)
class StatusEvent:
    status: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case as the records service shows it to this resident (already masked there)."""

    reference: str
    case_type: str
    status: str
    office: str
    next_step: str
    updated_at: datetime
    history: tuple[StatusEvent, ...]


class RecordsClient(Protocol):
    def my_cases(self, token: str, client_address: str | None = None) -> list[CaseView]: ...

    def my_case(self, token: str, reference: str, client_address: str | None = None) -> CaseView: ...


def _phrase(words: str) -> re.Pattern[str]:
    """A phrase as a whole-word pattern, any case; an apostrophe matches either one ("dog’s licence")."""
    pattern = re.escape(words).replace("'", "['’]")
    return re.compile(rf"\b{pattern}\b", re.I)


@dataclass(frozen=True, slots=True)
class OtherKind:
    """A kind residents name with a case type's words that the type is not ("dog licence": the records
    service's licences are business licences), and the phrases that name it."""

    label: str
    phrases: tuple[re.Pattern[str], ...]

    def named_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.phrases)


@dataclass(frozen=True, slots=True)
class CaseType:
    name: str
    label: str
    phrases: tuple[re.Pattern[str], ...]
    weights: tuple[int, ...]
    others: tuple[OtherKind, ...] = ()  # `not` in the data file

    def score(self, text: str) -> int:
        """Words of the matched phrases: "my parking permit" scores 3 for parking, 0 for building. The
        phrases of the kinds it is not count too: "my dog licence" names a licence, of another kind."""
        return sum(w for p, w in zip(self.phrases, self.weights, strict=True) if p.search(text))

    def other_kind(self, text: str) -> OtherKind | None:
        """The kind of this type's words that the text names and this type is not ("where is my dog
        licence?" → dog licence), unless the text also names this type itself outside that kind's
        phrases ("my dog licence and my business licence")."""
        kind = next((k for k in self.others if k.named_in(text)), None)
        if kind is None:
            return None
        rest = text
        for other in self.others:
            for phrase in other.phrases:
                rest = phrase.sub(" ", rest)
        return None if self.score(rest) else kind


@lru_cache
def load_case_types(language: str = "en") -> tuple[CaseType, ...]:
    path = Path(__file__).parent / "data" / f"case_types.{language}.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    types = []
    for name, spec in raw.items():
        others = tuple(
            OtherKind(str(label), tuple(_phrase(str(w)) for w in words))
            for label, words in (spec.get("not") or {}).items()
        )
        words = [str(w) for w in spec["words"]] + [
            str(w) for k in (spec.get("not") or {}).values() for w in k
        ]
        types.append(
            CaseType(
                name=str(name),
                label=str(spec["label"]),
                phrases=tuple(_phrase(w) for w in words),
                weights=tuple(len(w.split()) for w in words),
                others=others,
            )
        )
    return tuple(types)


def asked_type(question: str, types: Sequence[CaseType]) -> CaseType | None:
    """The case type the question names, if one clearly scores best (a kind of it that it is not, such
    as "dog licence", names it too: `CaseType.other_kind` tells them apart)."""
    scored = sorted(((t.score(question), t.name, t) for t in types), key=lambda s: (-s[0], s[1]))
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][2]


def describe(case: CaseView, types: Sequence[CaseType] = ()) -> str:
    label = next((t.label for t in types if t.name == case.case_type), case.case_type.replace("_", " "))
    status = case.status.replace("_", " ")
    since = case.history[-1].at.date().isoformat() if case.history else case.updated_at.date().isoformat()
    text = f"Your {label} case {case.reference} is {status} (since {since})."
    if case.next_step:
        text += f" Next step: {case.next_step.rstrip('.')}."
    if case.office:
        text += f" It is handled by {case.office}."
    return text


@dataclass(frozen=True)
class RecordsLookup:
    client: RecordsClient | None
    replies: Replies
    login_url: str
    default_contact: str
    case_types: tuple[CaseType, ...] = ()
    routes: RoutePatterns | None = None  # `others_case` and `case_action` (data/routes.<language>.yml)

    def answer(self, question: str, token: str | None, client_address: str | None = None) -> Reply:
        references = case_references(question)[:MAX_LISTED]
        routes = self.routes
        logged_in = bool(token) and self.client is not None
        if routes is not None and not references and routes.matches("others_case", question):
            # "what is my neighbour's complaint status?", "can you check my husband's permit": one's own
            # cases would answer another question, and logging in would not show theirs; one made for
            # them from one's own account is one's own
            made = "records_made_for_them" if logged_in else "records_made_for_them_login"
            only = (
                AnswerSentence(self.replies.get("records_only_yours", contact=self.default_contact), -1),
                AnswerSentence(self.replies.get(made), -1),
            )
            return Reply(AnswerStatus.NO_ANSWER, join_sentences(only), sentences=only)
        if not token or self.client is None:
            return Reply(AnswerStatus.NEEDS_LOGIN, self.replies.get("needs_login"))
        reply = self._lookup(question, references, token, client_address)
        if (
            routes is not None
            and reply.status == AnswerStatus.ANSWERED
            and routes.matches("case_action", question)
        ):
            # "please cancel my permit application": the status, and who can change it
            note = AnswerSentence(self.replies.get("records_no_actions", contact=self.default_contact), -1)
            sentences = (*reply.sentences, note)
            return replace(reply, text="\n".join(s.text for s in sentences), sentences=sentences)
        return reply

    def _lookup(self, question: str, references: list[str], token: str, client_address: str | None) -> Reply:
        client = self.client
        assert client is not None  # `answer` asked for a login without one
        if not references and mistyped_references(question):
            return Reply(AnswerStatus.NO_ANSWER, self.replies.get("records_not_found"))
        missing: list[str] = []
        try:
            if references:
                cases = []
                for reference in references:
                    try:
                        cases.append(client.my_case(token, reference, client_address))
                    except RecordsNotFoundError:
                        missing.append(reference)
                if not cases:
                    raise RecordsNotFoundError("none of the references is on this account")
            else:
                cases = client.my_cases(token, client_address)
        except RecordsUnauthorizedError:
            return Reply(AnswerStatus.NEEDS_LOGIN, self.replies.get("needs_login"))
        except RecordsNotFoundError:
            return Reply(AnswerStatus.NO_ANSWER, self.replies.get("records_not_found"))
        except RecordsThrottledError as exc:
            minutes = max(1, round(exc.retry_after / 60))
            wait = self.replies.minutes(minutes)
            return Reply(AnswerStatus.NO_ANSWER, self.replies.get("records_throttled", wait=wait))
        except RecordsUnavailableError:
            return Reply(
                AnswerStatus.HANDOFF, self.replies.get("records_unavailable", contact=self.default_contact)
            )
        if not cases:
            return Reply(AnswerStatus.NO_ANSWER, self.replies.get("records_no_cases"))
        reply = self._about(question, cases, by_reference=bool(references))
        if not missing:
            return reply
        also = AnswerSentence(self.replies.get("records_some_not_found", references=", ".join(missing)), -1)
        sentences = (*reply.sentences, also)
        return replace(reply, text="\n".join(s.text for s in sentences), sentences=sentences)

    def _about(self, question: str, cases: list[CaseView], by_reference: bool) -> Reply:
        """The case(s) the question is about, newest first; every case when it names none."""
        cases = sorted(cases, key=lambda c: c.updated_at, reverse=True)
        intro = ""
        wanted = None if by_reference else asked_type(question, self.case_types)
        other = wanted.other_kind(question) if wanted is not None else None
        if other is not None:
            # "where is my dog licence?" and a business licence on the account: not the one asked about
            intro = self.replies.get("records_no_case_of_type", kind=other.label)
        elif wanted is not None:
            matching = [c for c in cases if c.case_type == wanted.name]
            if matching:
                cases = matching
            else:
                intro = self.replies.get("records_no_case_of_type", kind=wanted.label)
        shown = cases[:MAX_LISTED]
        lines = [describe(c, self.case_types) for c in shown]
        if len(shown) > 1 or intro:
            intro = intro or self.replies.get("records_cases_intro", count=len(cases))
            sentences = (
                AnswerSentence(intro, -1),
                *(AnswerSentence(f"- {line}", -1, True) for line in lines),
            )
        else:
            sentences = (AnswerSentence(lines[0], -1),)
        if len(cases) > len(shown):
            sentences += (
                AnswerSentence(self.replies.get("records_more", count=len(cases) - len(shown)), -1),
            )
        text = "\n".join(s.text for s in sentences)
        return Reply(
            AnswerStatus.ANSWERED,
            text,
            sentences=sentences,
            confidence=1.0,
            follow_ups=tuple(c.reference for c in cases[MAX_LISTED : MAX_LISTED + 3]),
            private=True,
        )
