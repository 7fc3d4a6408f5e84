"""The masking policy: one table, applied field by field and role by role, and nothing raw leaks."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from records_harness import Harness, known_record
from sqlalchemy import delete

from records_api.admin import StatusStep
from records_api.enums import CaseStatus, Role
from records_api.errors import ConfigurationError
from records_api.masking import Address, MaskingPolicy, ResidentRecord
from records_api.models import Case, CaseStatusEvent, Resident

POLICY = Path(__file__).resolve().parents[2] / "records_api" / "masking_policy.yml"

# What the policy file says each field looks like, for the record in `known_record()`.
EXPECTED_MASKS = {
    "full_name": "J. M. D.",
    "national_id": "****6789",
    "date_of_birth": "1984",
    "phone": "****4477",
    "email": "j***@example.org",
    "address": "Springfield, 62704",
}


def test_each_field_is_masked_for_each_role(pg: Harness) -> None:
    person = pg.add_person(known_record(), cases=1)
    subjects = {Role.RESIDENT: person.subject, Role.AGENT: pg.AGENT, Role.SUPERVISOR: pg.SUPERVISOR}
    seen = {}
    for role, subject in subjects.items():
        token = pg.token(subject, role)
        response = pg.client.get(f"/v1/cases/{person.references[0]}", headers=pg.bearer(token))
        assert response.status_code == 200
        for field, value in response.json()["resident"].items():
            seen[(role.value, field)] = value
    expected = {(role.value, f): mask for role in subjects for f, mask in EXPECTED_MASKS.items()}
    assert seen == expected


def test_masked_responses_hold_none_of_the_raw_values(pg: Harness) -> None:
    record = known_record()
    person = pg.add_person(record, cases=1)
    raw = [
        record.full_name,
        "Jane",
        "Doe",
        "123-45-6789",
        "123456789",
        "12345",
        "1984-03-12",
        "010-4477",
        "5550104477",
        "jane.doe",
        "Evergreen",
    ]
    for token in (pg.resident_token(person), pg.agent_token(), pg.supervisor_token()):
        text = pg.client.get(f"/v1/cases/{person.references[0]}", headers=pg.bearer(token)).text
        assert [value for value in raw if value.lower() in text.lower()] == []


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("{resident: last4,         agent: last4,", "{resident: last4,         agent: raw,", "raw"),
        ("raw_allowed_in: [unmask]", "raw_allowed_in: [unmask, agent]", "only in `unmask`"),
        ("email_initial, agent: email_initial", "email_initial, agent: shout", "unknown rule"),
        ("date_of_birth: {resident: year", "date_of_birth: {resident: initials", "does not apply"),
        ("  address:       {", "  postal:       {", "exactly the fields"),
        ("supervisor: year,          unmask: raw}", "supervisor: year}", "needs a rule"),
    ],
)
def test_a_policy_that_could_leak_is_refused_at_load(
    tmp_path: Path, old: str, new: str, complaint: str
) -> None:
    text = POLICY.read_text("utf-8")
    assert old in text
    path = tmp_path / "policy.yml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(complaint)):
        MaskingPolicy.load(path)


def test_the_shipped_policy_loads_and_masks_every_view() -> None:
    policy = MaskingPolicy.load()
    for view in ("resident", "agent", "supervisor"):
        masked = policy.mask(view, known_record())
        assert vars(masked) == EXPECTED_MASKS
    with pytest.raises(ValueError, match="not a masked view"):
        policy.mask("unmask", known_record())


@pytest.mark.parametrize(
    ("national_id", "expected"),
    [("AB123456C", "****456C"), ("1234567", "****567"), ("12", "****2"), ("", "****")],
)
def test_short_identifiers_reveal_at_most_half(national_id: str, expected: str) -> None:
    policy = MaskingPolicy.load()
    record = ResidentRecord("A B", national_id, date(2000, 1, 1), "1", "a@b.c", Address("s", "c", "p"))
    assert policy.mask("agent", record).national_id == expected


# ---- property: no run of 4+ raw digits beyond the allowed last four appears in any response ----

SEPARATORS = r"[\s().+\-/]+"


def collapse(text: str) -> str:
    """Digits split only by separators joined back together (`123-45-6789` -> `123456789`)."""
    return re.sub(rf"(?<=\d){SEPARATORS}(?=\d)", "", text)


def leaked_windows(body: str, raw: str, allowed: list[str]) -> set[str]:
    """4-digit windows of `raw` found in `body` that nothing allowed explains."""
    digits = re.sub(r"\D", "", raw)
    windows = {digits[i : i + 4] for i in range(len(digits) - 3)} - {digits[-4:]}
    permitted = collapse(" | ".join(allowed))
    flat = collapse(body)
    return {w for w in windows if w in flat and w not in permitted}


def test_the_leak_detector_sees_a_formatted_leak() -> None:
    assert leaked_windows('{"id": "123-45-6789"}', "123456789", []) == {
        "1234",
        "2345",
        "3456",
        "4567",
        "5678",
    }
    assert leaked_windows('{"id": "****6789"}', "123-45-6789", []) == set()


digits = st.text(alphabet="0123456789", min_size=9, max_size=12)
national_ids = digits.flatmap(
    lambda d: st.sampled_from([d, f"{d[:3]}-{d[3:5]}-{d[5:]}", " ".join([d[:4], d[4:8], d[8:]])])
)
phones = st.text(alphabet="0123456789", min_size=10, max_size=12).flatmap(
    lambda d: st.sampled_from([d, f"+{d[:1]} ({d[1:4]}) {d[4:7]}-{d[7:]}", f"{d[:3]}.{d[3:6]}.{d[6:]}"])
)
HISTORY = [
    StatusStep(CaseStatus.RECEIVED, datetime(2025, 1, 6, 9, 0, tzinfo=UTC), "Registered."),
    StatusStep(CaseStatus.IN_REVIEW, datetime(2025, 1, 9, 14, 30, tzinfo=UTC), "Assigned."),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    national_id=national_ids,
    phone=phones,
    born=st.dates(date(1920, 1, 1), date(2007, 12, 31)),
    postcode=st.from_regex(r"\A[0-9]{5}\Z"),
)
def test_no_raw_digit_run_beyond_the_last_four_leaves_the_service(
    lite: Harness, national_id: str, phone: str, born: date, postcode: str
) -> None:
    record = ResidentRecord(
        full_name="Robin Quayle",
        national_id=national_id,
        date_of_birth=born,
        phone=phone,
        email="robin.quayle@example.org",
        address=Address("Elm Street", "Oakham", postcode),
    )
    person = lite.add_person(record, cases=1, history=HISTORY)
    try:
        reference = person.references[0]
        allowed = [reference, str(born.year), postcode]
        allowed += [step.at.strftime("%Y-%m-%dT%H:%M:%SZ") for step in HISTORY]
        responses = [
            lite.client.get(f"/v1/cases/{reference}", headers=lite.bearer(token))
            for token in (lite.resident_token(person), lite.agent_token(), lite.supervisor_token())
        ]
        responses.append(lite.client.get("/v1/me/cases", headers=lite.bearer(lite.resident_token(person))))
        responses.append(lite.client.get(f"/v1/cases/{reference}"))  # no token
        for response in responses:
            assert response.status_code in (200, 401)
            assert leaked_windows(response.text, national_id, allowed) == set()
            assert leaked_windows(response.text, phone, allowed) == set()
    finally:
        with lite.runtime.database.sessions.begin() as session:
            case_ids = [c.id for c in session.query(Case).filter(Case.owner_id == person.resident_id)]
            session.execute(delete(CaseStatusEvent).where(CaseStatusEvent.case_id.in_(case_ids)))
            session.execute(delete(Case).where(Case.id.in_(case_ids)))
            session.execute(delete(Resident).where(Resident.id == person.resident_id))
