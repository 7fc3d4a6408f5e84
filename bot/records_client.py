"""HTTP client of the records service: the resident's own bearer token, short timeouts, masked data only.

Every call carries the resident's address, signed with the bot's service key (`trust.service_identity`),
so the records service keys its lock-outs and audit rows on the resident, not on the bot's one
address. The bot limits lookups per resident (one login) and per address before calling at all: one
abusive resident cannot use up the records service's limits for everyone behind the bot.

Case references are personal data: the log names a lookup by a keyed hash of its reference, and
httpx's own request log (which would print the URL) is silenced in `bot.logs`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import structlog

from bot.answering.records import CaseView, StatusEvent
from bot.errors import (
    RateLimitedError,
    RecordsNotFoundError,
    RecordsThrottledError,
    RecordsUnauthorizedError,
    RecordsUnavailableError,
)
from bot.ratelimit import RateLimiter
from trust.service_identity import signed_address_headers, token_digest

log = logging.getLogger(__name__)


def _case(raw: dict[str, Any]) -> CaseView:
    return CaseView(
        reference=str(raw["reference"]),
        case_type=str(raw.get("case_type", "case")),
        status=str(raw.get("status", "unknown")),
        office=str(raw.get("office") or ""),
        next_step=str(raw.get("next_step") or ""),
        updated_at=datetime.fromisoformat(str(raw["updated_at"]).replace("Z", "+00:00")),
        history=tuple(
            StatusEvent(
                str(e.get("status", "")),
                datetime.fromisoformat(str(e["at"]).replace("Z", "+00:00")),
                str(e.get("note") or ""),
            )
            for e in raw.get("status_history") or []
        ),
    )


class HttpRecordsClient:
    def __init__(
        self,
        base_url: str,
        timeout: float = 3.0,
        transport: httpx.BaseTransport | None = None,
        service_name: str = "",
        service_key: bytes | None = None,
        limiter: RateLimiter | None = None,
        log_key: bytes | None = None,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "askcity-bot"},
        )
        self._service_name = service_name
        self._service_key = service_key
        self._limiter = limiter
        self._log_key = log_key or os.urandom(32)

    @property
    def http(self) -> httpx.Client:
        """The underlying client (tracing instruments it at start-up: `bot.api.tracing`)."""
        return self._client

    def close(self) -> None:
        self._client.close()

    def reference_hash(self, reference: str) -> str:
        """What the log says instead of a case reference: stable for one key, useless without it."""
        return hmac.new(self._log_key, reference.upper().encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    def _headers(self, token: str, client_address: str | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}"}
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if isinstance(request_id, str):
            headers["X-Request-ID"] = request_id  # one id across both services' logs
        if self._service_key is not None and self._service_name and client_address:
            # not an IP address (a test client, a socket path): send none; the records service sees ours
            with contextlib.suppress(ValueError):
                headers |= signed_address_headers(
                    self._service_name, self._service_key, client_address, token
                )
        return headers

    def _get(
        self, path: str, token: str, client_address: str | None, reference: str | None
    ) -> dict[str, Any]:
        if self._limiter is not None:
            try:
                self._limiter.check(token_digest(token), client_address or "unknown")
            except RateLimitedError as exc:
                raise RecordsThrottledError(exc.retry_after) from None
        try:
            response = self._client.get(path, headers=self._headers(token, client_address))
        except httpx.HTTPError as exc:
            log.warning("records lookup failed: %s", type(exc).__name__)
            raise RecordsUnavailableError(type(exc).__name__) from exc
        log.info(
            "records lookup",
            extra={
                "case": self.reference_hash(reference) if reference else None,
                "result": response.status_code,
            },
        )
        if response.status_code in (401, 403):
            raise RecordsUnauthorizedError(str(response.status_code))
        if response.status_code == 404:
            raise RecordsNotFoundError("no such case on this account")
        if response.status_code == 429:
            raise RecordsThrottledError(int(response.headers.get("Retry-After", "60") or 60))
        if response.status_code != 200:
            raise RecordsUnavailableError(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise RecordsUnavailableError("invalid JSON") from exc
        if not isinstance(data, dict):
            raise RecordsUnavailableError("unexpected body")
        return data

    def my_cases(self, token: str, client_address: str | None = None) -> list[CaseView]:
        try:
            return [_case(c) for c in self._get("/v1/me/cases", token, client_address, None).get("cases", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordsUnavailableError("unexpected case data") from exc

    def my_case(self, token: str, reference: str, client_address: str | None = None) -> CaseView:
        try:
            path = f"/v1/me/cases/{quote(reference, safe='')}"
            return _case(self._get(path, token, client_address, reference))
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordsUnavailableError("unexpected case data") from exc
