"""Curated answers in the editors' console (issue 13): list with hit counts and warnings, create, edit,
expire, and finish an agent's draft.

    CuratedInput (API body or page form) → cited documents resolved in the published version
        → CuratedStore (bot.storage.curated)

A citation names a document by id; it is resolved against the version residents are served, and that
document's version is kept with it, so the answer is flagged when the document is later retired or
replaced (`bot.answering.curated.stale_citations`).

A curated answer is served to residents word for word, so its text passes the same content checks as a
document's (`ingest.screening`: planted instructions, requests for personal data or payment outside the
city's domains or in the chat). A document with a finding is held for review; an answer with one is
refused with the reason, for the editor to rewrite (`screen_answer`). Residents get the answer as plain
text (the widget never renders markup), so an answer holding HTML tags or character references
(`<b>`, `&amp;`) is refused too, naming them: sanitising them away would change the editor's words
without telling them, and showing them would give residents `<b>Call 311</b>` as written.

A question variant is matched against residents' messages only when the message reaches the curated
step: one the bot answers before it (a greeting, a thanks, a "yes" or "no", a request for a person, a
login question) or one that names nothing ("how long?", "the") would never be served, so it is refused
with the reason (`screen_questions`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import nh3
from pydantic import BaseModel, Field, field_validator

from bot.answering.curated import CuratedAnswer, StaleCitation, servable, stale_citations
from bot.answering.replies import load_routes
from bot.answering.statuses import ACCEPTS_OFFER, DECLINES_OFFER
from bot.privacy import load_placeholders
from bot.storage.curated import CuratedEntry, CuratedStore, today
from bot.storage.database import CuratedDraft, citation_from_json
from knowledge_base.continuity import asks_only_a_kind, load_cues
from knowledge_base.records import Citation, public_url
from knowledge_base.review import Finding
from knowledge_base.snapshot import DocMeta
from knowledge_base.text import terms

MAX_VARIANTS = 20
MAX_CITATIONS = 10


class CuratedInputError(ValueError):
    """The editor's input cannot be saved as it is; `message` says why, for the editor. `problems` holds
    each field's message (`field`, the first, where a form puts the focus)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.problems = {field: message}

    @classmethod
    def of(cls, errors: Sequence[CuratedInputError]) -> CuratedInputError:
        """Every problem of a form at once (the first message of each field)."""
        problems: dict[str, str] = {}
        for error in errors:
            for field, message in error.problems.items():
                problems.setdefault(field, message)
        combined = cls(errors[0].field, " ".join(problems.values()))
        combined.problems = problems
        return combined


class CuratedInput(BaseModel):
    """A curated answer as an editor writes it (the API's body; the page's form is parsed into it)."""

    questions: list[str] = Field(min_length=1, max_length=MAX_VARIANTS, description="Question variants.")
    answer: str = Field(min_length=1, max_length=4000)
    cite: list[str] = Field(default_factory=list, max_length=MAX_CITATIONS, description="Document ids.")
    expires_on: date | None = Field(default=None, description="Served through this day (UTC), not after.")

    @field_validator("questions")
    @classmethod
    def _variants(cls, value: list[str]) -> list[str]:
        variants = list(dict.fromkeys(q.strip() for q in value if q.strip()))
        if not variants:
            raise ValueError("give at least one question")
        if any(len(q) > 1000 for q in variants):
            raise ValueError("a question is at most 1000 characters")
        return variants

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write the answer")
        return value.strip()

    @field_validator("cite")
    @classmethod
    def _cite(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in value if v.strip()))


@dataclass(frozen=True, slots=True)
class CuratedView:
    """A curated answer with what the console says about it today."""

    entry: CuratedEntry
    stale: tuple[StaleCitation, ...]
    served: bool  # residents get it now: not expired, every cited document published
    expired: bool


Screen = Callable[[str], Sequence[Finding]]
_REFERENCE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# the routes that answer a message before the curated step does (`bot.answering.steps.Route`)
_ANSWERED_BEFORE = ("abuse", "greeting", "thanks", "handoff", "login_help")


def _markup(answer: str) -> list[str]:
    """The HTML tags and character references in an answer (nh3 decides whether it holds HTML)."""
    tags = _TAG.findall(answer) if nh3.is_html(answer) else []
    return list(dict.fromkeys([*tags, *_REFERENCE.findall(answer)]))


def screen_answer(answer: str, screen: Screen) -> None:
    """Raise `CuratedInputError` when the content checks find something in the answer, or when it holds
    a placeholder of masked personal data ("Call Parks at [PHONE]": an agent's reply saved as a draft is
    stored redacted, the city's own number included)."""
    markup = _markup(answer)
    if markup:
        shown = ", ".join(markup[:3])
        raise CuratedInputError(
            "answer",
            f"This answer holds HTML ({shown}): residents get answers as plain text and would see it as "
            "written. Remove the markup; write a link as its full address (https://…), a list as lines.",
        )
    masked = sorted({p for p in load_placeholders().values() if p in answer})
    if masked:
        raise CuratedInputError(
            "answer",
            f"This answer holds {', '.join(masked)}, where personal data was masked when it was saved: "
            "write the city's own number, address or name in its place, or leave it out. Residents "
            "would get the placeholder as it is.",
        )
    findings = list(screen(answer))
    if findings:
        first = findings[0]
        raise CuratedInputError(
            "answer",
            f"This answer cannot be served: {first.reason} (\u201c{first.snippet}\u201d). Residents are "
            "never asked for personal data or payment outside the city's domains or in the chat, and "
            "answers give no orders to the assistant.",
        )


def screen_questions(questions: Sequence[str]) -> None:
    """Raise `CuratedInputError` when a question variant holds a placeholder of masked personal data (a
    draft saved from a ticket keeps the resident's question as stored: redacted). A placeholder in a
    question would match residents' redacted questions, not what they ask."""
    masked = sorted({p for p in load_placeholders().values() for q in questions if p in q})
    if masked:
        raise CuratedInputError(
            "questions",
            f"A question holds {', '.join(masked)}, where personal data was masked when it was saved: "
            "write the question as residents ask it, without personal data.",
        )
    unserved = [q for q in questions if never_served(q)]
    if unserved:
        raise CuratedInputError(
            "questions",
            f"\u201c{unserved[0]}\u201d would never get this answer: a message like it gets the bot's own "
            "reply (a greeting, a thanks, a yes or no, a request for a person) or names nothing to answer. "
            "Write the question as residents ask it, naming its subject.",
        )


def never_served(question: str) -> bool:
    """Whether a resident's message that is exactly `question` would be answered before the curated
    step, or names nothing, so that a curated answer with this question variant is never given for it."""
    routes = load_routes()
    return (
        bool(ACCEPTS_OFFER.match(question) or DECLINES_OFFER.match(question))
        or routes.asks_nothing(question)
        or any(routes.matches(intent, question) for intent in _ANSWERED_BEFORE)
        or not terms(question)
        or asks_only_a_kind(question, load_cues())
    )


@dataclass(frozen=True, slots=True)
class CuratedUpdate:
    """An edit that was saved, and each field it changed as `{"answer": "old text → new text"}` (the
    editors' audit row of `curated_update` keeps both texts)."""

    curated_id: int
    changes: dict[str, str]


def _changes(before: CuratedEntry, after: CuratedInput) -> dict[str, str]:
    was = {
        "questions": " | ".join(before.questions),
        "answer": before.answer,
        "cite": ", ".join(dict.fromkeys(c.document_id for c in before.citations)),
        "expires_on": before.expires_on.isoformat() if before.expires_on else "",
    }
    now = {
        "questions": " | ".join(after.questions),
        "answer": after.answer,
        "cite": ", ".join(after.cite),
        "expires_on": after.expires_on.isoformat() if after.expires_on else "",
    }
    return {k: f"{was[k] or '(none)'} \u2192 {now[k] or '(none)'}" for k in was if was[k] != now[k]}


def _key(question: str) -> str:
    """A question as residents' variants of it compare: case, spacing and end punctuation aside."""
    return " ".join(question.casefold().split()).rstrip("?!. ")


def draft_questions(phrasings: Sequence[str]) -> list[str]:
    """The question variants a draft started from a group of residents' questions gets (the most asked
    first): one per variant as `_key` compares them, none holding a placeholder of masked personal data
    (the form refuses those: `screen_questions`) unless every one does, at most `MAX_VARIANTS`."""
    placeholders = tuple(load_placeholders().values())
    kept: dict[str, str] = {}
    for question in (" ".join(q.split()) for q in phrasings):
        if question and _key(question) not in kept:
            kept[_key(question)] = question
    variants = list(kept.values())
    clean = [q for q in variants if not any(p in q for p in placeholders)]
    return (clean or variants[:1])[:MAX_VARIANTS]


class CuratedConsole:
    def __init__(
        self, store: CuratedStore, documents: Callable[[], Sequence[DocMeta]], screen: Screen
    ) -> None:
        self.store = store
        self._documents = documents
        self._screen = screen

    def published(self) -> dict[str, DocMeta]:
        return {d.id: d for d in self._documents()}

    def _view(self, entry: CuratedEntry, published: Mapping[str, int], on: date) -> CuratedView:
        answer = CuratedAnswer(entry.id, entry.questions, entry.answer, entry.citations, entry.cited_versions)
        expired = entry.expired(on)
        return CuratedView(
            entry, stale_citations(answer, published), servable(answer, published) and not expired, expired
        )

    def views(self) -> list[CuratedView]:
        versions = {i: d.version for i, d in self.published().items()}
        on = today()
        return [self._view(e, versions, on) for e in self.store.entries()]

    def view(self, curated_id: int) -> CuratedView | None:
        entry = self.store.entry(curated_id)
        if entry is None:
            return None
        return self._view(entry, {i: d.version for i, d in self.published().items()}, today())

    def _citations(self, ids: Sequence[str]) -> tuple[list[Citation], dict[str, int]]:
        documents = self.published()
        unknown = [i for i in ids if i not in documents]
        if unknown:
            raise CuratedInputError("cite", f"No published document has the id {', '.join(unknown)}.")
        cited = [documents[i] for i in ids]
        citations = [
            Citation(
                document_id=d.id,
                title=d.title,
                source_url=public_url(d.source_uri),
                effective_date=d.effective_date,
            )
            for d in cited
        ]
        return citations, {d.id: d.version for d in cited}

    @staticmethod
    def _check_expiry(expires_on: date | None, was: date | None = None) -> None:
        if expires_on is not None and expires_on < today() and expires_on != was:
            raise CuratedInputError(
                "expires_on", "The expiry date is in the past: choose today or a later day."
            )

    def _check_unique(self, questions: Sequence[str], own: int | None = None) -> None:
        """A question that another curated answer in service already takes would get residents one of
        the two by chance: the editor edits that answer instead (or expires it first)."""
        on = today()
        served = [e for e in self.store.entries() if e.id != own and not e.expired(on)]
        taken = {_key(q): e.id for e in served for q in e.questions}
        for question in questions:
            other = taken.get(_key(question))
            if other is not None:
                raise CuratedInputError(
                    "questions",
                    f"\u201c{question}\u201d is already a question of curated answer {other}: edit that "
                    "answer, or expire it first.",
                )

    def _checked(
        self, data: CuratedInput, own: int | None = None, was: date | None = None
    ) -> tuple[list[Citation], dict[str, int]]:
        """The citations of an answer that passes every check; else `CuratedInputError` with every
        problem found (a past expiry and an unknown document are both reported)."""
        problems: list[CuratedInputError] = []
        cited: list[tuple[list[Citation], dict[str, int]]] = []
        checks: list[Callable[[], object]] = [  # in the form's order: the first problem gets the focus
            lambda: screen_questions(data.questions),
            lambda: self._check_unique(data.questions, own),
            lambda: screen_answer(data.answer, self._screen),
            lambda: cited.append(self._citations(data.cite)),
            lambda: self._check_expiry(data.expires_on, was),
        ]
        for check in checks:
            try:
                check()
            except CuratedInputError as exc:
                problems.append(exc)
        if problems:
            raise CuratedInputError.of(problems)
        return cited[0]

    def create(self, data: CuratedInput, from_draft: int | None = None) -> int | None:
        citations, versions = self._checked(data)
        return self.store.create(
            data.questions, data.answer, citations, versions, data.expires_on, from_draft
        )

    def update(self, curated_id: int, data: CuratedInput) -> CuratedUpdate | None:
        """The answer replaced, with what changed (None: no curated answer in service has that id)."""
        current = self.store.entry(curated_id)
        if current is None:
            return None
        citations, versions = self._checked(data, own=curated_id, was=current.expires_on)
        if not self.store.update(
            curated_id, data.questions, data.answer, citations, versions, data.expires_on
        ):
            return None
        return CuratedUpdate(curated_id, _changes(current, data))

    def draft(self, draft_id: int) -> CuratedDraft | None:
        row = self.store.draft_row(draft_id)
        if row is None:
            return None
        return CuratedDraft(
            row.id,
            row.question,
            row.answer,
            tuple(citation_from_json(c) for c in row.citations),
            row.ticket_id,
            row.author_subject,
            row.author_name,
            row.status,
            row.created_at,
        )
