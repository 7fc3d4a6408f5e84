"""Cases on a staff member's behalf when the records service refuses: a locked-out agent is told how
long to wait, and an unmask reason with no words in it is refused before it reaches the records service.

A records service of this module's own (`python -m records_api`, signing with the staff stack's dev
key, so the bot accepts its tokens): the lock-out below would otherwise lock an agent the other
modules sign in as.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from bot.api.app import create_app
from bot.staff.records import REASON_RULE, StaffRecords, meaningful_reason
from records_api.dev_identity import KEY_FILE
from tests.bot.staff.staff_harness import StaffStack
from tests.web_widget.harness import DemoUser, RecordsService, ServedApp

LOCKOUT_SECONDS = 420  # "7 minutes"
REASON = "Resident called (ticket INC-20931) to correct the address on file."


@dataclasses.dataclass
class Desk:
    served: ServedApp
    records: RecordsService
    users: list[DemoUser]

    @property
    def reference(self) -> str:
        """A resident's case."""
        return next(u for u in self.users if u.role == "resident" and u.case_references).case_references[0]

    def token(self, role: str) -> str:
        user = next(u for u in self.users if u.role == role)
        response = httpx.post(
            self.records.login_url, json={"username": user.username, "password": user.password}, timeout=30
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def staff(self, role: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(role)}"}
        return httpx.Client(base_url=self.served.origin, headers=headers, timeout=60)

    def audited(self, outcome: str) -> int:
        """Rows of the records service's audit log with this outcome (its own SQLite database)."""
        engine = sa.create_engine(
            f"sqlite:///{Path(self.records.env['ASKCITY_DATA_DIR']) / 'records.sqlite3'}"
        )
        try:
            with engine.connect() as conn:
                query = sa.text("SELECT COUNT(*) FROM audit_events WHERE outcome = :outcome")
                return int(conn.execute(query, {"outcome": outcome}).scalar_one())
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def desk(stack: StaffStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    data = tmp_path_factory.mktemp("records-lockout")
    shutil.copy(Path(stack.records.env["ASKCITY_DATA_DIR"]) / KEY_FILE, data / KEY_FILE)
    records = RecordsService(data, cors_origin="http://127.0.0.1:9", residents=2)
    records.env["ASKCITY_RECORDS_LOCKOUT_SECONDS"] = str(LOCKOUT_SECONDS)
    records.env["ASKCITY_RECORDS_FAILED_LOOKUPS_PER_USER"] = "3/minute"
    with records:
        staff_records = StaffRecords(records.url)
        app = create_app(stack.settings, dataclasses.replace(stack.runtime, staff_records=staff_records))
        with ServedApp(app) as served:
            yield Desk(served, records, records.demo_users())
        staff_records.close()


def test_a_locked_out_agent_is_told_how_long_to_wait(desk: Desk) -> None:
    agent = desk.staff("agent")
    statuses = [agent.get(f"/api/v1/staff/cases/MB-0000-0000-0000-{n}").status_code for n in range(6)]
    assert statuses[0] == 404 and statuses[-1] == 429, statuses
    refused = agent.get("/api/v1/staff/cases/MB-0000-0000-0000-9")
    assert refused.status_code == 429
    assert refused.json()["error"] == "records_throttled"
    wait = int(refused.headers["Retry-After"])
    assert LOCKOUT_SECONDS - 60 < wait <= LOCKOUT_SECONDS
    # how long, as residents are told theirs ("Please try again in 1 minute")
    assert refused.json()["message"] == "Too many lookups. Please try again in 7 minutes."


@pytest.mark.parametrize(
    "reason",
    [
        "   \n\t ",
        "a",
        "!!!!!!!!!!!!!!!!!!!!!!!!!",
        "... --- ... ??? !!! ***",
        "2025 117 48211 20931",
        "ok ok ok",
    ],
)
def test_an_unmask_reason_without_words_is_refused_here_and_never_reaches_the_records_service(
    desk: Desk, reason: str
) -> None:
    supervisor = desk.staff("supervisor")
    reference = desk.reference
    before = desk.audited("denied_invalid_reason")
    refused = supervisor.post(
        f"/api/v1/staff/cases/{reference}/unmask", json={"category": "resident_request", "reason": reason}
    )
    assert refused.status_code == 422
    assert refused.json() == {"error": "invalid_reason", "message": REASON_RULE}
    # nothing was asked of the records service: no refused unmask in its audit log
    assert desk.audited("denied_invalid_reason") == before


def test_a_reason_with_words_goes_to_the_records_service_which_keeps_its_own_rule(desk: Desk) -> None:
    supervisor = desk.staff("supervisor")
    reference = desk.reference
    before = desk.audited("denied_invalid_reason")
    weak = supervisor.post(  # words, but no request number: the records service refuses it, and says why
        f"/api/v1/staff/cases/{reference}/unmask",
        json={"category": "resident_request", "reason": "the resident asked us to check the address"},
    )
    assert (weak.status_code, weak.json()["error"]) == (422, "invalid_reason")
    assert "number" in weak.json()["message"]
    assert desk.audited("denied_invalid_reason") == before + 1
    shown = supervisor.post(
        f"/api/v1/staff/cases/{reference}/unmask", json={"category": "resident_request", "reason": REASON}
    )
    assert shown.status_code == 200 and shown.json()["masked"] is False


@pytest.mark.parametrize(
    ("reason", "meaningful"),
    [
        (REASON, True),
        ("Complaint 48211 about the wrong name", True),
        ("Résident a appelé, dossier 20931", True),  # other languages' letters are letters
        ("because", False),
        ("ok ok ok ok ok", False),  # one word, repeated
        ("ab cd ef gh ij kl", False),  # no word of three letters
    ],
)
def test_a_meaningful_reason_holds_three_different_words(reason: str, meaningful: bool) -> None:
    assert meaningful_reason(reason) is meaningful
