"""Status lookups: the resident's own token goes to the records service; masked data comes back.

`RecordsClient` is the protocol (HTTP implementation in `bot.records_client`). The bot never sees
unmasked data and never keeps the token: it lives in the turn context only for this call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.answering.context import TurnContext
from bot.answering.replies import Replies
from bot.answering.statuses import AnswerStatus
from bot.errors import (
    RecordsNotFoundError,
    RecordsThrottledError,
    RecordsUnauthorizedError,
    RecordsUnavailableError,
)

REFERENCE = re.compile(
    r"\bMB-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]\b", re.I
)


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
    def my_cases(self, token: str) -> list[CaseView]: ...

    def case(self, token: str, reference: str) -> CaseView: ...


def describe(case: CaseView) -> str:
    kind = case.case_type.replace("_", " ")
    status = case.status.replace("_", " ")
    since = case.history[-1].at.date().isoformat() if case.history else case.updated_at.date().isoformat()
    text = f"Your {kind} case {case.reference} is {status} (since {since})."
    if case.next_step:
        text += f" Next step: {case.next_step.rstrip('.')}."
    if case.office:
        text += f" It is handled by {case.office}."
    return text


@dataclass
class RecordsLookup:
    client: RecordsClient | None
    replies: Replies
    login_url: str
    default_contact: str

    def answer(self, ctx: TurnContext) -> None:
        if not ctx.access_token or self.client is None:
            ctx.stop(AnswerStatus.NEEDS_LOGIN, self.replies.get("needs_login"), follow_ups=[])
            return
        match = REFERENCE.search(ctx.message)
        try:
            if match:
                cases = [self.client.case(ctx.access_token, match.group().upper())]
            else:
                cases = self.client.my_cases(ctx.access_token)
        except RecordsUnauthorizedError:
            ctx.stop(AnswerStatus.NEEDS_LOGIN, self.replies.get("needs_login"))
        except RecordsNotFoundError:
            ctx.stop(AnswerStatus.NO_ANSWER, self.replies.get("records_not_found"))
        except RecordsThrottledError as exc:
            minutes = max(1, round(exc.retry_after / 60))
            ctx.stop(AnswerStatus.NO_ANSWER, self.replies.get("records_throttled", minutes=minutes))
        except RecordsUnavailableError:
            ctx.stop(
                AnswerStatus.HANDOFF,
                self.replies.get("records_unavailable", contact=self.default_contact),
            )
        else:
            if not cases:
                ctx.stop(AnswerStatus.NO_ANSWER, self.replies.get("records_no_cases"))
            else:
                ctx.confidence = 1.0
                shown = cases[:3]
                text = " ".join(describe(c) for c in shown)
                if len(cases) > len(shown):
                    text += f" You have {len(cases) - len(shown)} more; ask about one by its reference."
                ctx.stop(AnswerStatus.ANSWERED, text, follow_ups=[c.reference for c in cases[3:6]])
