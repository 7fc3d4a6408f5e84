"""The records service on a staff member's behalf: a case by reference with the agent's own token (masked
as the records service decides for that role), and a supervisor's unmask with a category and a reason
through the records service's own endpoint (which checks the role and the reason, and audits both).

The bot adds nothing and keeps nothing: it passes the staff member's bearer token, returns the
service's JSON as a typed model, and turns its refusals into `CaseLookupError` with the same status.
A throttled or locked-out staff member is told how long to wait (the service's `Retry-After`, passed
on). Two things are refused before any call, so they neither reach the service's audit log nor count
as failed attempts there: a malformed reference, and an unmask reason with no words in it (blank, one
character, punctuation: `meaningful_reason`). The records service still applies its own, stricter
rule to every reason (three words and a request number).
"""

from __future__ import annotations

import logging
import math
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import structlog
from pydantic import BaseModel, ValidationError

from bot.answering.replies import load_replies
from bot.staff.errors import CaseLookupError

log = logging.getLogger(__name__)
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{3,38}$")
UNMASK_CATEGORIES = (
    "resident_request",
    "case_processing",
    "legal_obligation",
    "fraud_investigation",
    "complaint_handling",
    "audit",
)
# An unmask reason must hold this many different words of three or more letters: never stricter than the
# records service's own rule (which asks for the same and a request number), so nothing it would
# accept is refused here.
REASON_MIN_WORDS = 3
_REASON_WORD = re.compile(r"[^\W\d_]{3,}")
REASON_RULE = (
    "Write why you need the personal data, in words, with the ticket, request or case number it "
    "serves (e.g. 'Resident called about ticket INC-20931 to correct the address on file')."
)
THROTTLED_SECONDS = 60  # the wait said when the records service names none


class StatusEventOut(BaseModel):
    status: str
    at: datetime
    note: str | None = None


class StaffCase(BaseModel):
    """A case as the records service shows it to the caller's role."""

    reference: str
    case_type: str
    status: str
    status_history: list[StatusEventOut]
    office: str
    next_step: str
    created_at: datetime
    updated_at: datetime
    masked: bool
    resident: dict[str, str | dict[str, str]]
    unmask: dict[str, Any] | None = None


_REFUSALS = {
    401: (403, "records_refused", "The records service did not accept your sign-in. Sign in again."),
    403: (403, "records_forbidden", "The records service does not allow your account to do that."),
    404: (404, "case_not_found", "No case with this reference was found."),
    422: (422, "invalid_reason", "The records service refused the request."),
    429: (429, "records_throttled", "Too many lookups. Please try again in {wait}."),
}


def meaningful_reason(reason: str) -> bool:
    """Whether an unmask reason says something: `REASON_MIN_WORDS` different words of three or more
    letters (so not blank, one character, digits only or repeated punctuation)."""
    return len({w.lower() for w in _REASON_WORD.findall(reason)}) >= REASON_MIN_WORDS


def retry_after_seconds(value: str | None) -> int:
    """The `Retry-After` of a refusal in seconds (at least 1); `THROTTLED_SECONDS` when it names none."""
    if value and value.strip().isdigit():
        return max(1, int(value.strip()))
    return THROTTLED_SECONDS


def wait_text(seconds: int) -> str:
    """ "1 minute", "15 minutes": a wait rounded up to whole minutes, as residents are told theirs."""
    return load_replies().minutes(max(1, math.ceil(seconds / 60)))


class StaffRecords:
    def __init__(self, base_url: str, timeout: float = 3.0, transport: httpx.BaseTransport | None = None):
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "askcity-bot-staff"},
        )

    def close(self) -> None:
        self._client.close()

    def case(self, token: str, reference: str) -> StaffCase:
        return self._call("GET", reference, token)

    def unmask(self, token: str, reference: str, category: str, reason: str) -> StaffCase:
        if not meaningful_reason(reason):
            raise CaseLookupError(422, "invalid_reason", REASON_RULE)
        return self._call("POST", reference, token, {"category": category, "reason": reason}, "/unmask")

    def _call(
        self,
        method: str,
        reference: str,
        token: str,
        body: dict[str, str] | None = None,
        suffix: str = "",
    ) -> StaffCase:
        if not _REFERENCE.match(reference):
            raise CaseLookupError(
                422, "invalid_reference", "That is not a case reference (MB-XXXX-XXXX-XXXX-X)."
            )
        headers = {"Authorization": f"Bearer {token}"}
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if isinstance(request_id, str):
            headers["X-Request-ID"] = request_id
        path = f"/v1/cases/{quote(reference.strip(), safe='')}{suffix}"
        try:
            response = self._client.request(method, path, headers=headers, json=body)
        except httpx.HTTPError as exc:
            log.warning("staff records call failed: %s", type(exc).__name__)
            raise CaseLookupError(
                503, "records_unavailable", "The records service is not answering."
            ) from exc
        log.info("staff records call", extra={"method": method, "result": response.status_code})
        if response.status_code in _REFUSALS:
            status, code, message = _REFUSALS[response.status_code]
            if response.status_code == 422:
                message = _service_message(response) or message
            retry: int | None = None
            if response.status_code == 429:
                retry = retry_after_seconds(response.headers.get("Retry-After"))
                message = message.format(wait=wait_text(retry))
            raise CaseLookupError(status, code, message, retry)
        if response.status_code != 200:
            raise CaseLookupError(503, "records_unavailable", "The records service is not answering.")
        try:
            return StaffCase.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise CaseLookupError(
                503, "records_unavailable", "The records service answered nonsense."
            ) from exc


def _service_message(response: httpx.Response) -> str:
    """The records service's own safe message (it states the rule a reason failed)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return str(message)[:500] if isinstance(message, str) else ""
