"""The typed values a turn passes from step to step, oldest first:

    TurnRequest → RedactedMessage → Routed → Query → Hits → Draft → VerifiedDraft → Reply → Answer

Each is immutable and made by exactly one step, so what a step may read is visible in its signature:
nothing after `RedactedMessage` can see the resident's unredacted words, because no later value holds
them. Any step may end the turn early with a `Reply` (a canned or composed text and a status).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.answering.statuses import AnswerStatus
from knowledge_base.records import Citation, RetrievedChunk, Turn
from knowledge_base.retriever import Query

Intent = Literal[
    "greeting",
    "thanks",
    "handoff",
    "login_help",
    "abuse",
    "manipulation",
    "other_language",
    "other_place",
    "status",
    "question",
]
Composer = Literal["extractive", "generative"]


@dataclass(frozen=True, slots=True)
class TurnRequest:
    """What arrives: the raw message (never stored), the redacted conversation so far and, for status
    lookups, the resident's own token and address (passed on to the records service, never stored)."""

    message: str
    history: tuple[Turn, ...] = ()
    access_token: str | None = None
    client_address: str | None = None
    session: str = ""  # the server-issued session id: the key of the per-conversation token budget


@dataclass(frozen=True, slots=True)
class RedactedMessage:
    """The message after normalisation and redaction: the only form of it later steps receive.

    `text` keeps placeholders such as `[EMAIL]` (what is stored); `search_text` is what retrieval
    reads: the clauses that only carried personal data are left out, so "my email is [EMAIL]" does not
    pull in the contact block of some page."""

    text: str
    search_text: str
    pii_found: tuple[str, ...] = ()
    normalised_chars: int = 0


@dataclass(frozen=True, slots=True)
class Rewritten:
    """The `Rewrite` step's outcome: the message with its search text made standalone (None: the
    resident's words stay the search text) and why ("rewritten", "unchanged", "unusable", or a
    generation failure: "busy", "timeout", "backend", "budget")."""

    message: RedactedMessage | None
    outcome: str


@dataclass(frozen=True, slots=True)
class Routed:
    message: RedactedMessage
    intent: Intent
    intent_confidence: float = 1.0
    place: str = ""  # the other place an `other_place` question is about ("Vancouver")


@dataclass(frozen=True, slots=True)
class Hits:
    """The passages found for a query, best first, and how well the question alone matches anything
    (`question_best`) and each candidate document (`question_by_document`), in cosine."""

    query: Query
    chunks: tuple[RetrievedChunk, ...]
    history: tuple[Turn, ...] = ()
    question_best: float = 0.0
    question_by_document: Mapping[str, float] = field(default_factory=dict)
    question_sentence_best: float = 0.0
    changed_subject: bool = False  # the question alone chose the document: the conversation's was left


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    text: str
    citation: int  # index into the citations of the same answer, -1 for none
    list_item: bool = False  # shown on a line of its own (an item of a list in the document)


@dataclass(frozen=True, slots=True)
class Draft:
    """Sentences chosen by a composer, each citing one of `citations`."""

    hits: Hits
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class VerifiedDraft:
    """A draft whose every sentence is supported by the passage it cites (unsupported ones removed)."""

    hits: Hits
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    dropped: int = 0

    @property
    def question(self) -> str:
        return self.hits.query.question


@dataclass(frozen=True, slots=True)
class GenerationNote:
    """What the generative composer did in a turn (ASKCITY_LLM_BACKEND other than `none`).

    `outcome` is "generated" when the model's verified sentences are the answer; otherwise why the
    extractive answer was kept: "unsupported" (too few sentences verified), "no_answer" (the model
    found no answer in passages the gate judged answerable), "canary" (the prompt leaked), "busy",
    "timeout", "backend" (an error) or "budget" (a token budget is spent)."""

    backend: str
    outcome: str
    prompt_version: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0
    sentences: int = 0  # generated sentences read
    dropped: int = 0  # of those, removed as uncited or unsupported


@dataclass(frozen=True, slots=True)
class Reply:
    """How a turn ends. `private` replies (a resident's own case data) are not kept in transcripts."""

    status: AnswerStatus
    text: str
    sentences: tuple[AnswerSentence, ...] = ()
    citations: tuple[Citation, ...] = ()
    confidence: float = 0.0
    follow_ups: tuple[str, ...] = ()
    private: bool = False
    composer: Composer = "extractive"
    generation: GenerationNote | None = None
    curated_id: int | None = None  # the editors' curated answer this reply is (its hits count it)
    # answered from the question alone, the conversation left behind: a new subject starts here, and
    # the session keeps only this exchange ("how much?" next is about it, not the earlier subject)
    new_subject: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply with what the service records and returns about the turn."""

    answer_id: str
    status: AnswerStatus
    text: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    confidence: float
    follow_ups: tuple[str, ...]
    timings_ms: dict[str, float]
    redacted_question: str
    pii_found: tuple[str, ...] = ()
    intent: Intent = "question"
    private: bool = False
    failed_step: str | None = None
    steps: tuple[str, ...] = field(default=())
    composer: Composer = "extractive"
    generation: GenerationNote | None = None
    rewrite: str = ""  # the rewrite step's outcome (`Rewritten.outcome`); "" when it did not run
    curated_id: int | None = None  # `Reply.curated_id`: which curated answer was served
    new_subject: bool = False  # `Reply.new_subject`

    @property
    def remembered_reply(self) -> str:
        """What the conversation remembers as the assistant's words: grounded replies only (retrieval
        reads them as context; a refusal or a private status answer says nothing about the topic)."""
        grounded = self.citations or self.status == AnswerStatus.CURATED
        return self.text if grounded and not self.private else ""
