"""The answering pipeline: named, typed steps run in a fixed order, each timed; any of them may end the
turn with a `Reply`, and a step that fails ends it with an `error` reply instead of an exception.

    redact → validate → encode → route → (status | [rewrite] → curated → retrieve → compose → verify
                                          → gate → [generate]) → links

`rewrite` and `generate` are there only when a language model is configured (ASKCITY_LLM_BACKEND):
`rewrite` makes a follow-up's search text standalone, encoded again without the conversation
(`steps.Rewrite`); `generate` rephrases an answered reply and falls back to it by itself
(`steps.Generate`).

A message that says outright it is about something else ("ok, something else: how do I pay my property
tax?") is answered as a first question, and starts the conversation again when answered.

A question asked in a conversation that the gate refuses is read once more on its own (retrieve,
compose, verify and gate again, without the conversation): a new subject the conversation hid gets
its answer; anything else is still refused.

A status question from a resident who is not logged in gets the login prompt; when the status
classifier is not sure of it (`Route.unsure`) and the documents answer the question in general
(curated, or retrieve → compose → verify → gate as for any question), it gets a short login prompt
("if you are asking about your own application or case …") followed by that answer: the classifier
cannot tell every question about one's own case from a question about the rules ("is my street
getting plowed today?"), and a resident it misreads still gets the rules. A logged-in resident gets
their cases and then that answer. The general answer is the question's own: read alone (a
conversation about toilet leaks made "I'd like to check on my application" answer how to check for a
toilet leak) and passing the gate on its own; a message that names nothing but a case ("check on my
application", `status_talk` in `data/routes.<language>.yml`) has none.

Steps are fields, so a caller swaps one by name (`dataclasses.replace(pipeline, gate=...)`), never by
position. Redaction is the first step by construction: the raw message exists only in `TurnRequest`,
and only `Redact` reads it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from bot import tracing
from bot.answering.links import join_sentences
from bot.answering.replies import Replies
from bot.answering.statuses import AnswerStatus
from bot.answering.steps import (
    CheckLinks,
    Compose,
    ConfidenceGate,
    Curated,
    Emit,
    Encode,
    Generate,
    Redact,
    Retrieve,
    Rewrite,
    Route,
    StatusLookup,
    Validate,
    Verify,
)
from bot.answering.turn import Answer, AnswerSentence, Hits, Intent, RedactedMessage, Reply, TurnRequest
from bot.generation.rewrite import is_follow_up
from knowledge_base.continuity import asks_only_a_kind, load_cues, points_back, starts_anew
from knowledge_base.records import Turn
from knowledge_base.retriever import Query
from knowledge_base.text import terms

log = logging.getLogger(__name__)

T = TypeVar("T")


class StepFailedError(Exception):
    def __init__(self, step: str) -> None:
        super().__init__(f"answering step {step!r} failed")
        self.step = step


class _Timer:
    """The one mutable thing of a turn: how long each step took."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}
        self.steps: list[str] = []

    def run(self, name: str, call: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            with tracing.step(name):  # a span per step when OpenTelemetry is on, else nothing
                return call()
        except Exception as exc:
            log.exception("answering step failed", extra={"step": name})
            raise StepFailedError(name) from exc
        finally:
            self.timings[name] = round((time.perf_counter() - started) * 1000, 2)
            self.steps.append(name)

    def total(self) -> dict[str, float]:
        return {**self.timings, "total": round((time.perf_counter() - self.started) * 1000, 2)}


@dataclass(frozen=True)
class Pipeline:
    redact: Redact
    validate: Validate
    encode: Encode
    route: Route
    status: StatusLookup
    curated: Curated | None
    retrieve: Retrieve
    compose: Compose
    verify: Verify
    gate: ConfidenceGate
    links: CheckLinks
    replies: Replies
    generate: Generate | None = None
    rewrite: Rewrite | None = None

    def run(
        self,
        message: str,
        history: Sequence[Turn] = (),
        access_token: str | None = None,
        client_address: str | None = None,
        session: str = "",
        emit: Emit | None = None,
    ) -> Answer:
        """One turn. `emit` gets each generated sentence as soon as it is verified (streaming; only
        when a language model phrases the answer)."""
        request = TurnRequest(message, tuple(history), access_token, client_address, session)
        timer = _Timer()
        redacted: RedactedMessage | None = None
        intent: Intent = "question"
        rewritten = ""  # what the rewrite step did, if it ran
        try:
            redacted = timer.run(self.redact.name, lambda: self.redact(request))
            reply, intent, rewritten = self._answer(request, redacted, timer, emit)
            reply = timer.run(self.links.name, lambda: self.links(reply))
            failed = None
        except StepFailedError as exc:
            reply = Reply(AnswerStatus.ERROR, self.replies.get("error"))
            failed = exc.step
        return Answer(
            answer_id=uuid.uuid4().hex,
            status=reply.status,
            text=reply.text,
            sentences=reply.sentences,
            citations=reply.citations,
            confidence=round(reply.confidence, 3),
            follow_ups=reply.follow_ups,
            timings_ms=timer.total(),
            redacted_question=redacted.text if redacted is not None else "",
            pii_found=redacted.pii_found if redacted is not None else (),
            intent=intent,
            private=reply.private,
            failed_step=failed,
            steps=tuple(timer.steps),
            composer=reply.composer,
            generation=reply.generation,
            curated_id=reply.curated_id,
            new_subject=reply.new_subject,
            rewrite=rewritten,
        )

    def _answer(
        self,
        request: TurnRequest,
        redacted: RedactedMessage,
        timer: _Timer,
        emit: Emit | None = None,
    ) -> tuple[Reply, Intent, str]:
        """The reply, the routed intent and the rewrite step's outcome ("" when it did not run)."""
        checked = timer.run(self.validate.name, lambda: self.validate(redacted))
        if isinstance(checked, Reply):
            return checked, "question", ""
        # "ok, something else: how do I pay my property tax?" is a first question, the conversation left
        anew = bool(request.history) and starts_anew(checked.text, load_cues())
        if anew:
            request = replace(request, history=())
        query = timer.run(self.encode.name, lambda: self.encode(checked, request.history))
        routed = timer.run(self.route.name, lambda: self.route(checked, query, request.history))
        canned = self.route.canned(routed)
        if canned is not None:
            return canned, routed.intent, ""
        if routed.intent == "status":
            status = routed
            reply = timer.run(
                self.status.name,
                lambda: self.status(status, request.access_token, request.client_address),
            )
            if self.route.unsure(status) and reply.status in (
                AnswerStatus.NEEDS_LOGIN,
                AnswerStatus.ANSWERED,
            ):
                reply = self._with_general_answer(reply, checked, query, timer)
            return reply, "status", ""
        in_conversation, outcome = query.has_context, ""
        if not in_conversation and asks_only_a_kind(query.question, load_cues()):
            # "how quickly?" as a first message names nothing: any page saying "quickly" would answer it
            return Reply(AnswerStatus.NO_ANSWER, self.replies.get("no_subject")), routed.intent, ""
        rewrite = self.rewrite
        if rewrite is not None and is_follow_up(request.history):
            rewritten = timer.run(rewrite.name, lambda: rewrite(checked, request.history, request.session))
            outcome = rewritten.outcome
            if (standalone := rewritten.message) is not None:
                query = timer.run("encode_rewritten", lambda: self.encode(standalone, ()))
        curated = self.curated
        if curated is not None:
            pinned = timer.run(curated.name, lambda: curated(query))
            if pinned is not None:
                return pinned, routed.intent, outcome
        reply, hits = self._retrieve_and_answer(query, request.history, timer)
        new_subject = anew or (in_conversation and hits.changed_subject)
        if reply.status == AnswerStatus.NO_ANSWER and in_conversation and not _points_back(query):
            # Read on its own, the question may be a new subject the conversation hid ("how do I get rid
            # of an old sofa?" after parking): answer it as a first question would be, or refuse. Not
            # a follow-up that names nothing ("how quickly?") or points back ("I'll be away that
            # day"): read alone, any page saying "quickly" or "day" would do.
            alone = timer.run("encode_alone", lambda: self.encode(checked, ()))
            second, second_hits = self._retrieve_and_answer(alone, (), timer, suffix="_alone")
            if second.status in (AnswerStatus.ANSWERED, AnswerStatus.CLARIFICATION):
                reply, hits, new_subject = second, second_hits, True
        generate = self.generate
        if generate is not None and reply.status == AnswerStatus.ANSWERED:
            answered, found = reply, hits
            reply = timer.run(generate.name, lambda: generate(answered, found, request.session, emit))
        if new_subject and reply.status == AnswerStatus.ANSWERED:
            reply = replace(reply, new_subject=True)
        return reply, routed.intent, outcome

    def _with_general_answer(
        self, status: Reply, message: RedactedMessage, query: Query, timer: _Timer
    ) -> Reply:
        """A status reply to a message that may be a question about the rules after all, followed by
        what the documents say in general, when they answer the question (the same steps as for any
        question, without a language model); else the status reply alone. Not logged in: a shorter
        login prompt ("if you are asking about your own application or case") leads; logged in: the
        resident's cases, then "In general, the city's pages say:" ("how long is the waiting list for
        housing assistance?" got only the resident's cases).

        The question is read alone, as a first question, and its answer must pass the gate on its own:
        the conversation's page is no general answer to a question about one's case. A message that
        names nothing but a case ("I'd like to check on my application") has none to give."""
        if not self._names_a_subject(query.question):
            return status
        if query.has_context:
            query = timer.run("encode_general", lambda: self.encode(message, ()))
        alone = query
        curated = self.curated
        general = timer.run(curated.name + "_general", lambda: curated(alone)) if curated else None
        if general is None:
            general, _ = self._retrieve_and_answer(alone, (), timer, suffix="_general")
        if general.status not in (AnswerStatus.ANSWERED, AnswerStatus.CURATED) or not general.sentences:
            return status
        if status.status == AnswerStatus.NEEDS_LOGIN:
            lead: tuple[AnswerSentence, ...] = (AnswerSentence(self.replies.get("needs_login_general"), -1),)
        else:
            lead = (*status.sentences, AnswerSentence(self.replies.get("records_general"), -1))
        sentences = (*lead, *general.sentences)
        return replace(
            general,
            status=status.status,
            text=join_sentences(sentences),
            sentences=sentences,
            follow_ups=(),
            private=status.private,
        )

    def _names_a_subject(self, question: str) -> bool:
        """Whether a status question names something besides a case and asking after it: "is my street
        getting plowed today?" does, "check on my application" (`status_talk`) does not."""
        rest = self.route.patterns.rest("status_talk", question)
        return bool(set(terms(rest)) - load_cues().generic)

    def _retrieve_and_answer(
        self, query: Query, history: Sequence[Turn], timer: _Timer, suffix: str = ""
    ) -> tuple[Reply, Hits]:
        hits = timer.run(self.retrieve.name + suffix, lambda: self.retrieve(query, history))
        draft = timer.run(self.compose.name + suffix, lambda: self.compose(hits))
        verified = timer.run(self.verify.name + suffix, lambda: self.verify(draft))
        return timer.run(self.gate.name + suffix, lambda: self.gate(verified)), hits


def _points_back(query: Query) -> bool:
    return points_back(query.question, query.question_terms, query.history_terms, load_cues())
