"""HTTP client of the records service: the resident's own bearer token, short timeouts, masked data only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from bot.answering.records import CaseView, StatusEvent
from bot.errors import (
    RecordsNotFoundError,
    RecordsThrottledError,
    RecordsUnauthorizedError,
    RecordsUnavailableError,
)


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
        self, base_url: str, timeout: float = 3.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "askcity-bot"},
        )

    def close(self) -> None:
        self._client.close()

    def _get(self, path: str, token: str) -> dict[str, Any]:
        try:
            response = self._client.get(path, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise RecordsUnavailableError(type(exc).__name__) from exc
        if response.status_code in (401, 403):
            raise RecordsUnauthorizedError(str(response.status_code))
        if response.status_code == 404:
            raise RecordsNotFoundError(path)
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

    def my_cases(self, token: str) -> list[CaseView]:
        try:
            return [_case(c) for c in self._get("/v1/me/cases", token).get("cases", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordsUnavailableError("unexpected case data") from exc

    def case(self, token: str, reference: str) -> CaseView:
        try:
            return _case(self._get(f"/v1/cases/{reference}", token))
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordsUnavailableError("unexpected case data") from exc
