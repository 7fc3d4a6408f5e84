"""Calling the chat model: one bounded, timed call per answer, through a LangChain chat model.

`Generator.generate` never lets a backend problem escape as anything but a `GenerationError` with a
short reason ("busy", "timeout", "backend", "budget"), which the answering step turns into the
extractive fallback. The concurrency limit is per process (a turn process runs one turn at a time;
the HTTP process none), so N processes send at most N × `max_concurrency` requests to the backend.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from limits import parse
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

from bot.generation.prompt import Message, Prompt, RewritePrompt
from knowledge_base.records import Citation, Turn

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage, BaseMessageChunk

log = logging.getLogger(__name__)

FailureReason = Literal["busy", "timeout", "backend", "budget"]


class GenerationError(Exception):
    def __init__(self, reason: FailureReason, detail: str = "") -> None:
        super().__init__(f"generation failed: {reason}{': ' + detail if detail else ''}")
        self.reason: FailureReason = reason


@dataclass(frozen=True, slots=True)
class Generated:
    text: str
    tokens_in: int
    tokens_out: int
    seconds: float
    canary_leaked: bool = False


class TokenBudget:
    """Tokens spent per session and in all, in moving windows (the `limits` library; in Redis when
    configured, so every process shares them). `allows` is asked before a call and `spend` after it.
    If the storage cannot be reached the budget refuses: the turn falls back to the extractive answer,
    which costs nothing."""

    def __init__(self, storage: Storage, per_session: str, overall: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._session = parse(per_session)
        self._overall = parse(overall)

    def allows(self, session: str, tokens: int) -> bool:
        try:
            return self._limiter.test(self._overall, "all", cost=tokens) and (
                not session or self._limiter.test(self._session, "session", session, cost=tokens)
            )
        except Exception:
            log.warning("token budget storage unreachable: generation refused", exc_info=True)
            return False

    def spend(self, session: str, tokens: int) -> None:
        if tokens <= 0:
            return
        try:
            self._limiter.hit(self._overall, "all", cost=tokens)
            if session:
                self._limiter.hit(self._session, "session", session, cost=tokens)
        except Exception:
            log.warning("token budget storage unreachable: spend not counted", exc_info=True)


def _messages(pairs: Sequence[tuple[str, str]]) -> list[BaseMessage]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds: dict[str, type[BaseMessage]] = {
        "system": SystemMessage,
        "user": HumanMessage,
        "assistant": AIMessage,
    }
    return [kinds[role](content=content) for role, content in pairs]


def _is_timeout(exc: BaseException) -> bool:
    names = {type(e).__name__.lower() for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    return any("timeout" in name for name in names)


class Generator:
    def __init__(
        self,
        model: BaseChatModel,
        prompt: Prompt,
        *,
        city: str,
        backend: str,
        max_sentences: int = 4,
        max_concurrency: int = 1,
        wait_seconds: float = 2.0,
        count_tokens: Callable[[str], int] | None = None,
        budget: TokenBudget | None = None,
        expected_tokens: int = 1000,
        rewrite_prompt: RewritePrompt | None = None,
    ) -> None:
        self.model = model
        self.prompt = prompt
        self.rewrite_prompt = rewrite_prompt  # None: follow-ups are not rewritten by the model
        self.city = city
        self.backend = backend
        self.max_sentences = max_sentences
        self.canary = "ref-" + secrets.token_hex(8)
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._wait = wait_seconds
        self._count = count_tokens or (lambda text: len(text.split()))
        self._budget = budget
        self._expected = expected_tokens

    def generate(
        self,
        question: str,
        passages: Sequence[Citation],
        history: Sequence[Turn] = (),
        session: str = "",
        on_text: Callable[[str], None] | None = None,
    ) -> Generated:
        """One call. With `on_text`, the model's answer is streamed and `on_text` gets the text so far
        after every part (the caller shows what it has verified of it)."""
        pairs = self.prompt.messages(
            city=self.city,
            canary=self.canary,
            max_sentences=self.max_sentences,
            question=question,
            passages=passages,
            history=history,
        )
        return self._complete(pairs, session, on_text)

    def rewrite(self, question: str, history: Sequence[Turn], session: str = "") -> Generated:
        """One call that turns a follow-up into a standalone question (`rewrite_prompt` must be set);
        the same slots, budget and failures as `generate`."""
        if self.rewrite_prompt is None:
            raise ValueError("this generator has no rewrite prompt")
        pairs = self.rewrite_prompt.messages(
            city=self.city, canary=self.canary, question=question, history=history
        )
        return self._complete(pairs, session, None)

    def _complete(
        self, pairs: Sequence[Message], session: str, on_text: Callable[[str], None] | None
    ) -> Generated:
        if self._budget is not None and not self._budget.allows(session, self._expected):
            raise GenerationError("budget")
        if not self._slots.acquire(timeout=self._wait):
            raise GenerationError("busy")
        started = time.perf_counter()
        try:
            message = self._call(_messages(pairs), on_text)
        except Exception as exc:
            reason: FailureReason = "timeout" if _is_timeout(exc) else "backend"
            log.warning("generation failed", extra={"reason": reason, "error": type(exc).__name__})
            raise GenerationError(reason, type(exc).__name__) from exc
        finally:
            self._slots.release()
        seconds = time.perf_counter() - started
        text = _text(message)
        usage = getattr(message, "usage_metadata", None) or {}
        tokens_in = int(usage.get("input_tokens") or sum(self._count(content) for _, content in pairs))
        tokens_out = int(usage.get("output_tokens") or self._count(text))
        if self._budget is not None:
            self._budget.spend(session, tokens_in + tokens_out)
        return Generated(text, tokens_in, tokens_out, seconds, canary_leaked=self.canary in text)

    def _call(self, messages: list[BaseMessage], on_text: Callable[[str], None] | None) -> BaseMessage:
        if on_text is None:
            return self.model.invoke(messages)
        joined: BaseMessageChunk | None = None
        for part in self.model.stream(messages):
            joined = part if joined is None else joined + part
            on_text(_text(joined))
        if joined is None:
            raise ValueError("the model sent nothing")
        return joined


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else str(message.content)
