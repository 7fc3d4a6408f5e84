"""A staff request refused (401, 403, CSRF) is logged with its route's template, never with its path: a case
reference in the path is personal data and must not reach the bot's log."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from tests.bot.staff.staff_harness import ORIGIN, StaffStack, sign_in, tampered
from trust.case_references import mask_references

REFERENCE = "MB-4CMJ-MJHV-6S7D-B"
# The test client's own request lines (the bot's log configuration keeps these libraries at WARNING).
CLIENT_LOGGERS = ("httpx", "httpcore")
CASE = f"/api/v1/staff/cases/{REFERENCE}"
TEMPLATE = "/api/v1/staff/cases/{reference}"


def _editor_bearer(stack: StaffStack, client: TestClient) -> object:
    return client.get(CASE, headers=stack.bearer("editor"))


def _resident_bearer(stack: StaffStack, client: TestClient) -> object:
    return client.get(CASE, headers=stack.bearer("resident"))


def _forged_bearer(stack: StaffStack, client: TestClient) -> object:
    forged = tampered(stack.token("resident"), role="supervisor")
    return client.get(CASE, headers={"Authorization": f"Bearer {forged}"})


def _no_credentials(stack: StaffStack, client: TestClient) -> object:
    return client.get(CASE)


def _editor_session(stack: StaffStack, client: TestClient) -> object:
    user = stack.user("editor")
    sign_in(client, user.username, user.password)
    return client.get(CASE)


def _session_without_csrf_token(stack: StaffStack, client: TestClient) -> object:
    user = stack.user("supervisor")
    sign_in(client, user.username, user.password)
    body = {"category": "resident_request", "reason": "Resident called (ticket INC-20931) about it."}
    return client.post(f"{CASE}/unmask", json=body, headers={"Origin": ORIGIN})


def _session_from_another_origin(stack: StaffStack, client: TestClient) -> object:
    user = stack.user("agent")
    sign_in(client, user.username, user.password)
    return client.post(f"{CASE}/unmask", json={}, headers={"Origin": "https://elsewhere.example"})


REFUSALS: dict[str, tuple[Callable[[StaffStack, TestClient], object], int]] = {
    "editor token (wrong role)": (_editor_bearer, 403),
    "resident token": (_resident_bearer, 403),
    "forged token": (_forged_bearer, 401),
    "no credentials": (_no_credentials, 401),
    "editor session (wrong role)": (_editor_session, 403),
    "session without its CSRF token": (_session_without_csrf_token, 403),
    "session from another origin": (_session_from_another_origin, 403),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_a_refused_staff_request_never_logs_the_case_reference_in_its_path(
    stack: StaffStack, caplog: pytest.LogCaptureFixture, refusal: str
) -> None:
    send, status = REFUSALS[refusal]
    client = stack.client()
    with caplog.at_level(logging.INFO), capture_logs() as structured:
        caplog.clear()
        response = send(stack, client)
    assert response.status_code == status  # type: ignore[attr-defined]
    lines = [r.getMessage() for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)]
    logged = "\n".join([*lines, *(repr(event) for event in structured)])
    assert REFERENCE not in logged
    assert mask_references(logged) == logged  # nor any other reference, in any spelling
    if status == 403:
        assert any(line.startswith(f"staff.refused path={TEMPLATE}") for line in lines), lines
