"""The bot as a service object: sessions, limits, the pipeline and the transcript, with no web framework.

With a handoff desk (`bot.staff.desk`), a request for a person ("talk to a person", the handoff
intent, or "yes" right after a `no_answer`) opens a ticket with the redacted conversation so far, and
from then on the bot is silent in that conversation: the resident's messages are relayed (redacted) to
the ticket until the agent resolves it, when the bot answers again and says so. Until an agent claims
it, a message that only takes the request back ("never mind", "cancel that, I found it") closes the
ticket instead (`bot.staff.desk.withdraws`): the bot confirms it and answers from the next message.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bot.answering.normalise import normalise
from bot.answering.pipeline import Pipeline
from bot.answering.records import RecordsClient
from bot.answering.statuses import ACCEPTS_OFFER, DECLINES_OFFER, AnswerStatus
from bot.answering.steps import Emit
from bot.answering.turn import Answer, Intent
from bot.errors import ChatDisabledError, MessageTooLongError, RecordsError
from bot.events import EventBroker
from bot.privacy import Redactor
from bot.ratelimit import RateLimiter
from bot.sessions import SessionStore
from bot.staff.departments import Department
from bot.staff.desk import HandoffDesk, HandoffRequest, HandoffView, transcript_messages, withdraws
from bot.storage.database import BotDatabase, TranscriptTurn, session_ref
from bot.switch import KillSwitch
from knowledge_base.records import Turn
from knowledge_base.text import terms

log = logging.getLogger(__name__)


def answer_channel(stream: str) -> str:
    """The live-events channel of one streamed turn (a random id the stream endpoint makes)."""
    return f"answer:{stream}"


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    """A turn's answer, and where the resident stands with a person (`relayed`: a person reads it)."""

    answer: Answer
    handoff: HandoffView | None = None
    relayed: bool = False


@dataclass
class BotService:
    pipeline: Pipeline
    sessions: SessionStore
    database: BotDatabase
    limiter: RateLimiter
    redactor: Redactor
    max_message_chars: int = 1000
    switch: KillSwitch | None = None
    desk: HandoffDesk | None = None
    records: RecordsClient | None = None
    language: str = "en"
    events: EventBroker | None = None  # streamed answer sentences (`turn(stream=...)`)

    def new_session(self, address: str = "local") -> str:
        """A new conversation for a client at `address` (rate-limited per address)."""
        self._check_enabled()
        self.limiter.check_new_session(address)
        return self.sessions.create()

    def _check_enabled(self) -> None:
        if self.switch is not None:
            notice = self.switch.notice()
            if notice is not None:
                raise ChatDisabledError(notice)

    def chat(self, session_id: str, message: str, address: str, token: str | None = None) -> Answer:
        """One turn. Raises SessionNotFound-, MessageTooLong-, RateLimited- or ChatDisabledError."""
        return self.turn(session_id, message, address, token).answer

    def turn(
        self, session_id: str, message: str, address: str, token: str | None = None, stream: str | None = None
    ) -> TurnOutcome:
        """One turn, with the handoff: relayed to a person, a new ticket, or the pipeline's answer.

        `stream` names a live-events channel (`answer_channel`) that gets each generated sentence as it
        is verified, for `/api/v1/chat/stream` (only when a language model phrases answers)."""
        self._check_enabled()
        # The limit holds after normalisation too: NFKC turns one U+FDFA into 18 characters.
        length = len(message) if len(message) > self.max_message_chars else len(normalise(message))
        if length > self.max_message_chars:
            raise MessageTooLongError(length, self.max_message_chars)
        self.limiter.check(session_id, address)
        history = self.sessions.history(session_id)
        desk = self.desk
        if desk is not None:
            ticket = desk.open_ticket(session_ref(session_id))
            if ticket is not None:
                redacted = self.redactor.redact(normalise(message), desk.last_resident_text(ticket)).text
                withdrawn = (
                    desk.withdraw(ticket, redacted)
                    if withdraws(self.pipeline.route.patterns, redacted)
                    else None
                )
                if withdrawn is not None:  # "never mind" while nobody has claimed it: the bot is back
                    answer = _service_answer(redacted, withdrawn.text, AnswerStatus.ANSWERED)
                    self._remember(session_id, answer)
                    log.info("request for a person withdrawn", extra={"ticket": ticket.id})
                    return TurnOutcome(answer, withdrawn)
                desk.relay(ticket, redacted)
                answer = replace(_service_answer(redacted, ""), answer_id="")  # no answer: nothing to rate
                log.info("relayed to a person", extra={"ticket": ticket.id, "status": ticket.status.value})
                return TurnOutcome(answer, desk.view(ticket), relayed=True)
            offered = (
                (ACCEPTS_OFFER.match(message) or DECLINES_OFFER.match(message))
                and self.database.last_status(session_id) == AnswerStatus.NO_ANSWER
                and desk.live()
            )
            if offered and ACCEPTS_OFFER.match(message):
                answer = _service_answer(self.redactor.redact(normalise(message)).text, "")
                return self._hand_off(session_id, answer, token, address)
            if offered:  # "no" to the offer: no second refusal and offer
                redacted = self.redactor.redact(normalise(message)).text
                answer = _service_answer(
                    redacted, desk.replies.get("thanks"), AnswerStatus.ANSWERED, "thanks"
                )
                self._remember(session_id, answer)
                return TurnOutcome(answer)
        events = self.events
        emit: Emit | None = None
        if stream and events is not None:
            channel = answer_channel(stream)

            def emit(sentence: Mapping[str, object]) -> None:
                events.publish(channel, "sentence", sentence)

        answer = self.pipeline.run(
            message, history, token, address, session=session_ref(session_id), emit=emit
        )
        # Without live events (a Redis outage) no person could join: the pipeline's own reply stands
        # (e.g. "cannot check your case right now ... or contact ..."), never a 503 for the resident.
        if desk is not None and answer.status == AnswerStatus.HANDOFF and desk.live():
            return self._hand_off(session_id, answer, token, address)
        offer = desk is not None and answer.status == AnswerStatus.NO_ANSWER
        if offer and desk is not None and desk.unavailable(desk.directory.general) is None and desk.live():
            answer = replace(answer, text=f"{answer.text} {desk.replies.get('handoff_offer')}")
        self._remember(session_id, answer)
        return TurnOutcome(answer)

    def _remember(self, session_id: str, answer: Answer) -> None:
        turns = [Turn("user", answer.redacted_question), Turn("agent", answer.remembered_reply)]
        # a new subject: the conversation starts again from this exchange (`Reply.new_subject`)
        self.sessions.append(session_id, turns, restart=answer.new_subject)
        self.database.record(session_id, answer)
        log.info(
            "answered",
            extra={
                "answer_id": answer.answer_id,
                "status": answer.status.value,
                "intent": answer.intent,
                "confidence": answer.confidence,
                "failed_step": answer.failed_step,
                "composer": answer.composer,
                "generation": answer.generation.outcome if answer.generation is not None else None,
                "rewrite": answer.rewrite or None,
                "total_ms": answer.timings_ms.get("total"),
                "pii_types": list(answer.pii_found),
            },
        )

    def _hand_off(
        self,
        session_id: str,
        answer: Answer,
        token: str | None,
        address: str,
    ) -> TurnOutcome:
        """Open a ticket for the conversation so far (or say why none can be opened)."""
        assert self.desk is not None
        desk = self.desk
        turns = self.database.conversation(session_id)
        department = self._department(turns, answer.redacted_question)
        logged_in, references = self._resident_cases(token, address)
        transcript = transcript_messages([(t.question, t.answer) for t in turns])
        transcript += transcript_messages([(answer.redacted_question, "")])
        view = desk.open(
            HandoffRequest(
                session_ref(session_id),
                department,
                self._language([*(t.question for t in turns), answer.redacted_question]),
                logged_in,
                references,
                transcript,
            ),
            admit=lambda: self.limiter.allow_handoff(address),
        )
        answer = replace(answer, text=view.text, follow_ups=())
        self._remember(session_id, answer)
        log.info("handoff", extra={"state": view.state, "department": view.department})
        return TurnOutcome(answer, view)

    def _language(self, questions: Sequence[str]) -> str:
        """The language the resident wrote in: another one when the route's check is sure of one of
        their messages (the contact centre gives the ticket to someone who speaks it), else the
        service's own."""
        check = self.pipeline.route.language
        if check is None:
            return self.language
        # message by message, latest first: "can I talk to someone?" after a question in Spanish is
        # a Spanish speaker's conversation
        found = (check.other_language(q) for q in reversed(questions) if q.strip())
        return next((language for language in found if language is not None), self.language)

    def _department(self, turns: Sequence[TranscriptTurn], request: str = "") -> Department:
        """The department of what the request for a person names, when it names something the
        documents match well ("a person about my waste collection", after parking questions); else of
        the conversation's latest turn that says where it was: the documents an answer cited, or the
        passage that best matches a question answered without them (unanswered, or about the
        resident's own case: "what about my parking one?"), when it matches well; else the general
        queue. A request that only repeats the latest question's words ("about my permit" after "where is
        my building permit application?") goes where the conversation was."""
        assert self.desk is not None
        named = terms(self.pipeline.route.patterns.rest("handoff", request))
        # "a person about my permit" after "where is my building permit application?": the request
        # repeats the conversation's subject in fewer words, and the conversation says which permit
        repeats = bool(turns) and set(named) <= set(terms(turns[-1].question))
        if named and not repeats:
            found = self._department_of(" ".join(named))
            if found is not None:
                return found
        return self._conversation_department(turns) or self.desk.directory.general

    def _conversation_department(self, turns: Sequence[TranscriptTurn]) -> Department | None:
        assert self.desk is not None
        for turn in reversed(turns):
            if turn.citations:
                found = self.desk.directory.of_documents(c.document_id for c in turn.citations)
            elif (turn.status == AnswerStatus.NO_ANSWER or turn.intent == "status") and turn.question.strip():
                found = self._department_of(turn.question)
            else:
                continue
            if found is not None:
                return found
        return None

    def _department_of(self, text: str) -> Department | None:
        """The department of the passage that best matches `text`, when it matches well."""
        assert self.desk is not None
        retriever = self.pipeline.retrieve.retriever
        hits = retriever.search(retriever.encode(text), k=1)
        if hits and hits[0].question_score >= self.pipeline.gate.gate.config.department_floor:
            return self.desk.directory.of_documents([hits[0].document_id])
        return None

    def _resident_cases(self, token: str | None, address: str) -> tuple[bool, tuple[str, ...]]:
        """(logged in, their case references): the records service vouches for the resident's token."""
        if token is None or self.records is None:
            return False, ()
        try:
            cases = self.records.my_cases(token, address)
        except RecordsError as exc:
            log.info("handoff without the resident's cases: %s", type(exc).__name__)
            return False, ()
        return True, tuple(c.reference for c in cases)

    def feedback(self, answer_id: str, helpful: bool, comment: str = "") -> None:
        """Store a resident's feedback on the bot's answer or on an agent's reply (`HandoffDesk.rate`);
        the comment is normalised (no control characters: it is shown in terminals and pages) and
        redacted like every other text we keep."""
        comment = normalise(comment)
        redacted = self.redactor.redact(comment).text[:2000] if comment else ""
        if self.desk is not None and self.desk.rate(answer_id, helpful, redacted):
            return
        self.database.feedback(answer_id, helpful, redacted)


def _service_answer(
    redacted_question: str,
    text: str,
    status: AnswerStatus = AnswerStatus.HANDOFF,
    intent: Intent = "handoff",
) -> Answer:
    """A turn the pipeline did not answer: relayed to a person, a "yes" to the offer of one, a "no", or
    a request for one taken back."""
    return Answer(
        answer_id=uuid.uuid4().hex,
        status=status,
        text=text,
        sentences=(),
        citations=(),
        confidence=1.0,
        follow_ups=(),
        timings_ms={},
        redacted_question=redacted_question,
        intent=intent,
    )
