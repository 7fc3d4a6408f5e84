"""The answering pipeline: small steps over one turn context, each timed, any of them able to stop it."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from bot.answering.context import Answer, TurnContext
from bot.answering.statuses import AnswerStatus
from bot.answering.steps import Step
from knowledge_base.records import Turn

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)

    def run(self, message: str, history: Sequence[Turn] = (), access_token: str | None = None) -> Answer:
        ctx = TurnContext(message=message, history=list(history), access_token=access_token)
        for step in self.steps:
            started = time.perf_counter()
            step(ctx)
            ctx.timings_ms[step.name] = round((time.perf_counter() - started) * 1000, 2)
            if ctx.stopped:
                break
        if ctx.status is None:  # a pipeline without a gate: nothing decided, so do not guess
            ctx.stop(AnswerStatus.NO_ANSWER, "")
        ctx.timings_ms["total"] = round((time.perf_counter() - ctx.started) * 1000, 2)
        ctx.access_token = None
        return ctx.answer()
