"""The bot as a service object: sessions, limits, the pipeline and the transcript, with no web framework."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.answering.normalise import normalise
from bot.answering.pipeline import Pipeline
from bot.answering.turn import Answer
from bot.errors import ChatDisabledError, MessageTooLongError
from bot.privacy import Redactor
from bot.ratelimit import RateLimiter
from bot.sessions import SessionStore
from bot.storage.database import BotDatabase
from bot.switch import KillSwitch
from knowledge_base.records import Turn

log = logging.getLogger(__name__)


@dataclass
class BotService:
    pipeline: Pipeline
    sessions: SessionStore
    database: BotDatabase
    limiter: RateLimiter
    redactor: Redactor
    max_message_chars: int = 1000
    switch: KillSwitch | None = None

    def new_session(self) -> str:
        self._check_enabled()
        return self.sessions.create()

    def _check_enabled(self) -> None:
        if self.switch is not None:
            notice = self.switch.notice()
            if notice is not None:
                raise ChatDisabledError(notice)

    def chat(self, session_id: str, message: str, address: str, token: str | None = None) -> Answer:
        """One turn. Raises SessionNotFound-, MessageTooLong-, RateLimited- or ChatDisabledError."""
        self._check_enabled()
        # The limit holds after normalisation too: NFKC turns one U+FDFA into 18 characters.
        length = len(message) if len(message) > self.max_message_chars else len(normalise(message))
        if length > self.max_message_chars:
            raise MessageTooLongError(length, self.max_message_chars)
        self.limiter.check(session_id, address)
        history = self.sessions.history(session_id)
        answer = self.pipeline.run(message, history, token, address)
        turns = [Turn("user", answer.redacted_question), Turn("agent", answer.remembered_reply)]
        self.sessions.append(session_id, turns)
        self.database.record(session_id, answer)
        log.info(
            "answered",
            extra={
                "answer_id": answer.answer_id,
                "status": answer.status.value,
                "intent": answer.intent,
                "confidence": answer.confidence,
                "failed_step": answer.failed_step,
                "total_ms": answer.timings_ms.get("total"),
                "pii_types": list(answer.pii_found),
            },
        )
        return answer

    def feedback(self, answer_id: str, helpful: bool, comment: str = "") -> None:
        """Store a resident's feedback; the comment is redacted like every other text we keep."""
        redacted = self.redactor.redact(comment).text if comment.strip() else ""
        self.database.feedback(answer_id, helpful, redacted[:2000])
