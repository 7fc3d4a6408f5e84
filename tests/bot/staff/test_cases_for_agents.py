"""The resident's cases in the agent console: through the real records service, with the staff member's own
token, masked as the records service decides; a supervisor's unmask goes through its own endpoint."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.records_client import HttpRecordsClient
from bot.staff.records import StaffRecords
from bot.storage.database import session_ref
from tests.bot.staff.console_harness import Resident
from tests.bot.staff.staff_harness import BASE_URL, StaffStack, sign_in
from tests.web_widget.harness import ServedApp

REASON = "Resident called (ticket INC-20931) to correct the address on file."


@pytest.fixture(scope="module")
def with_records(stack: StaffStack) -> Iterator[tuple[ServedApp, StaffStack]]:
    runtime = stack.runtime
    records = HttpRecordsClient(stack.records.url)
    staff_records = StaffRecords(stack.records.url)
    service = dataclasses.replace(runtime.service, records=records)
    app = create_app(
        stack.settings, dataclasses.replace(runtime, service=service, staff_records=staff_records)
    )
    with ServedApp(app) as served:
        yield served, stack
    records.close()
    staff_records.close()


def dev_token(stack: StaffStack, role: str, index: int = 0) -> str:
    user = [u for u in stack.users if u.role == role][index]
    response = httpx.post(
        f"{stack.records.url}/dev/token",
        json={"username": user.username, "password": user.password},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def staff(served: ServedApp, token: str) -> httpx.Client:
    return httpx.Client(base_url=served.origin, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_a_logged_in_resident_hands_over_their_cases_and_the_agent_sees_them_masked(
    with_records: tuple[ServedApp, StaffStack],
) -> None:
    served, stack = with_records
    resident_user = next(u for u in stack.users if u.role == "resident" and u.case_references)
    person = Resident(served.origin, token=dev_token(stack, "resident"))
    answer = person.say("I want to talk to a person")
    assert answer["handoff"]["state"] == "waiting"
    desk = stack.runtime.desk
    assert desk is not None
    ticket = desk.store.open_for_session(session_ref(person.session_id))
    assert ticket is not None and ticket.logged_in
    assert sorted(ticket.case_references) == sorted(resident_user.case_references)

    agent = staff(served, dev_token(stack, "agent"))
    detail = agent.get(f"/api/v1/staff/tickets/{ticket.id}").json()
    assert detail["ticket"]["logged_in"] is True
    reference = detail["case_references"][0]
    case = agent.get(f"/api/v1/staff/cases/{reference}")
    assert case.status_code == 200, case.text
    body = case.json()
    assert body["masked"] is True and body["reference"] == reference
    assert body["resident"]["national_id"].startswith("****")
    assert (
        agent.post(
            f"/api/v1/staff/cases/{reference}/unmask", json={"category": "audit", "reason": REASON}
        ).status_code
        == 403
    )

    supervisor = staff(served, dev_token(stack, "supervisor"))
    shown = supervisor.post(
        f"/api/v1/staff/cases/{reference}/unmask", json={"category": "resident_request", "reason": REASON}
    )
    assert shown.status_code == 200 and shown.json()["masked"] is False
    weak = supervisor.post(
        f"/api/v1/staff/cases/{reference}/unmask", json={"category": "resident_request", "reason": "because"}
    )
    assert (weak.status_code, weak.json()["error"]) == (422, "invalid_reason")
    person.close()


@pytest.mark.parametrize(
    ("reference", "status", "error"),
    [
        ("MB-0000-0000-0000-0", 404, "case_not_found"),
        ("..%2F..%2Fv1%2Fme%2Fcases", 404, "http_error"),  # no route of ours has that path
        ("<img src=x onerror=alert(1)>", 422, "invalid_reference"),
        ("MB-0000%0A0000", 422, "invalid_reference"),
    ],
)
def test_bad_case_lookups_are_clear_4xx(
    with_records: tuple[ServedApp, StaffStack], reference: str, status: int, error: str
) -> None:
    served, stack = with_records
    response = staff(served, dev_token(stack, "agent")).get(f"/api/v1/staff/cases/{reference}")
    assert (response.status_code, response.json()["error"]) == (status, error)


def test_a_token_the_records_service_does_not_know_as_staff_is_refused_there(
    with_records: tuple[ServedApp, StaffStack],
) -> None:
    """A valid agent token whose subject has no staff account at the records service: 403 from there."""
    served, stack = with_records
    response = staff(served, stack.token("agent", subject="nobody-at-records")).get(
        "/api/v1/staff/cases/MB-0000-0000-0000-0"
    )
    assert (response.status_code, response.json()["error"]) == (403, "records_forbidden")


def test_a_browser_session_looks_up_cases_with_its_own_sign_in(
    with_records: tuple[ServedApp, StaffStack],
) -> None:
    served, stack = with_records
    resident_user = next(u for u in stack.users if u.role == "resident" and u.case_references)
    app = served.server.config.app
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as browser:
        user = stack.user("agent")
        assert sign_in(browser, user.username, user.password).status_code == 303
        response = browser.get(f"/api/v1/staff/cases/{resident_user.case_references[0]}")
        assert response.status_code == 200 and response.json()["masked"] is True
