"""The audit trail: every decision recorded, tampering of any kind named at the right row,
concurrent appends never fork the chain, and heavy staff readers are flagged."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable
from urllib.parse import quote

from records_harness import BOT, Harness, random_key
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session
from structlog.testing import capture_logs

from records_api.audit import ChainReport, row_digest, verify_chain
from records_api.enums import AuditAction, Role
from records_api.errors import CaseNotFoundError
from records_api.models import AuditAlert, AuditEvent, AuditHead
from records_api.references import MALFORMED_MARKER, audited_reference, new_reference
from records_api.tokens import Principal

REASON = "Resident phoned (ticket INC-20931) to correct the address on file; identity checked by call-back."
UNMASK = {"category": "resident_request", "reason": REASON}


def _events(h: Harness) -> list[AuditEvent]:
    with h.runtime.database.sessions() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def test_every_read_denial_and_unmask_is_audited_with_who_what_and_why(pg: Harness) -> None:
    alice, bob = pg.add_person(cases=1), pg.add_person(cases=1)
    as_alice = pg.bearer(pg.resident_token(alice))
    pg.client.get(f"/v1/cases/{alice.references[0]}", headers=as_alice)
    pg.client.get(f"/v1/cases/{bob.references[0]}", headers=as_alice)
    pg.client.get(f"/v1/cases/{new_reference()}", headers=as_alice)
    pg.client.get("/v1/cases/nonsense", headers=as_alice)
    pg.client.get(f"/v1/cases/{bob.references[0]}", headers=pg.bearer(pg.agent_token()))
    pg.client.post(f"/v1/cases/{bob.references[0]}/unmask", json=UNMASK, headers=pg.bearer(pg.agent_token()))
    pg.client.post(
        f"/v1/cases/{bob.references[0]}/unmask", json=UNMASK, headers=pg.bearer(pg.supervisor_token())
    )

    rows = [(e.actor_subject, e.actor_role, e.action, e.outcome) for e in _events(pg)]
    assert rows == [
        (alice.subject, "resident", "read_case", "allowed"),
        (alice.subject, "resident", "read_case", "denied_not_owner"),
        (alice.subject, "resident", "read_case", "not_found"),
        (alice.subject, "resident", "read_case", "denied_malformed"),
        (pg.AGENT, "agent", "read_case", "allowed"),
        (pg.AGENT, "agent", "unmask_case", "denied_role"),
        (pg.SUPERVISOR, "supervisor", "unmask_case", "allowed"),
    ]
    events = _events(pg)
    assert events[0].resident_id == alice.resident_id
    assert events[0].client_address == "203.0.113.10"
    assert "resident.national_id:last4" in json.loads(events[0].fields)
    assert json.loads(events[1].fields) == []
    assert events[-1].purpose == f"resident_request: {REASON}"
    assert "resident.national_id:raw" in json.loads(events[-1].fields)
    assert verify_chain_of(pg).first_bad is None


def test_a_valid_token_of_a_role_not_served_here_is_refused_and_audited(
    harness_factory: Callable[..., Harness],
) -> None:
    """F5: an editor's refused read left no row, where an agent's on `/v1/me/cases` did."""
    h = harness_factory(records_service_keys={BOT: random_key()})
    ref = h.add_person(cases=1).references[0]
    editor = h.token("editor-3", Role.EDITOR)
    requests = [
        ("GET", f"/v1/cases/{ref}", h.bearer(editor)),
        ("GET", f"/v1/me/cases/{ref.lower()}", h.bearer(editor)),
        ("GET", "/v1/me/cases", h.bearer(editor)),
        ("POST", f"/v1/cases/{ref}/unmask", h.bearer(editor)),
        ("GET", f"/v1/cases/{ref}", h.bearer(h.token("someone", "admin"))),
        ("GET", f"/v1/cases/{ref}", h.via_bot(editor, "198.51.100.7")),
    ]
    answers = [h.client.request(m, url, headers=hd, json=UNMASK).status_code for m, url, hd in requests]
    assert answers == [403] * len(requests)
    events = _events(h)
    rows = [(e.actor_subject, e.actor_role, e.action, e.outcome, e.case_reference) for e in events]
    assert rows == [
        ("editor-3", "editor", "read_case", "denied_role", ref),
        ("editor-3", "editor", "read_case", "denied_role", ref),
        ("editor-3", "editor", "list_cases", "denied_role", None),
        ("editor-3", "editor", "unmask_case", "denied_role", ref),
        ("someone", "unknown", "read_case", "denied_role", ref),
        ("editor-3", "editor", "read_case", "denied_role", ref),
    ]
    peer = ("203.0.113.10", None)
    assert [(e.client_address, e.via_service) for e in events] == [peer] * 5 + [("198.51.100.7", BOT)]
    not_verified = h.bearer(h.token("editor-3", Role.EDITOR, aud="billing"))
    assert h.client.get(f"/v1/cases/{ref}", headers=not_verified).status_code == 401
    assert len(_events(h)) == len(requests)  # a token that does not verify is logged, not audited
    assert verify_chain_of(h).first_bad is None


MALFORMED_PATHS = {
    # what the caller sends in the path: what it decodes to
    "%0Aseq%3D99%20allowed%20%3Cimg%20src%3Dx%3E": "\nseq=99 allowed <img src=x>",
    "%ff%fe": "\ufffd\ufffd",
    "MB-0000-0000-0000": "MB-0000-0000-0000",
    "x" * 300: "x" * 300,
}


def test_a_malformed_reference_is_audited_as_a_marker_and_a_hash_never_as_the_callers_text(
    pg: Harness,
) -> None:
    """F6: caller-chosen text (line breaks, markup, made-up `seq=`) no longer reaches the audit table."""
    alice = pg.add_person(cases=1)
    supervisor, agent = pg.bearer(pg.supervisor_token()), pg.bearer(pg.agent_token())
    for path in MALFORMED_PATHS:
        assert pg.client.get(f"/v1/cases/{path}", headers=supervisor).status_code == 404
    pg.client.get("/v1/cases/%0Aseq%3D99%20allowed%20%3Cimg%20src%3Dx%3E", headers=supervisor)  # again
    pg.client.get("/v1/me/cases/%3Cimg%20src%3Dx%3E", headers=agent)  # denied by role, not read
    pg.client.post("/v1/cases/%3Cimg%20src%3Dx%3E/unmask", json=UNMASK, headers=agent)
    sloppy = alice.references[0].lower().replace("-", " ")
    pg.client.get(f"/v1/cases/{quote(sloppy)}", headers=supervisor)

    stored = [(e.outcome, e.case_reference) for e in _events(pg)]
    marker = re.compile(rf"^{MALFORMED_MARKER}[0-9a-f]{{16}}$")
    malformed = [ref for outcome, ref in stored[:5]]
    assert [outcome for outcome, _ in stored[:5]] == ["denied_malformed"] * 5
    assert all(ref is not None and marker.match(ref) for ref in malformed), malformed
    assert len(set(malformed[:4])) == 4 and malformed[4] == malformed[0]  # distinct inputs, one repeat
    assert [outcome for outcome, _ in stored[5:]] == ["denied_role", "denied_role", "allowed"]
    assert all(ref is not None and marker.match(ref) for _, ref in stored[5:7])
    assert stored[7][1] == alice.references[0]  # a reference that parses is stored in its canonical form
    assert [audited_reference(text) for text in MALFORMED_PATHS.values()] == malformed[:4]


def verify_chain_of(h: Harness, expected_head: str | None = None) -> ChainReport:
    with h.runtime.database.sessions() as session:
        return verify_chain(session, expected_head)


def test_a_supervisor_unmask_returns_raw_values_and_the_audit_row_that_recorded_it(
    pg: Harness,
) -> None:
    person = pg.add_person(cases=1)
    response = pg.client.post(
        f"/v1/cases/{person.references[0]}/unmask",
        json={"category": "resident_request", "reason": f"  {REASON}  "},
        headers=pg.bearer(pg.supervisor_token()),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["masked"] is False
    assert body["unmask"]["category"] == "resident_request"
    assert body["unmask"]["reason"] == REASON
    assert body["resident"]["national_id"] == person.record.national_id
    assert body["resident"]["date_of_birth"] == person.record.date_of_birth.isoformat()
    assert body["resident"]["address"]["street"] == person.record.address.street
    row = next(e for e in _events(pg) if e.seq == body["unmask"]["audit_seq"])
    assert (row.action, row.outcome, row.purpose) == ("unmask_case", "allowed", f"resident_request: {REASON}")
    assert row.case_reference == person.references[0]


WEAK_REASONS = [
    "",
    "because",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "need it need it need it",
    "ab cd ef gh ij kl mn op",  # accepted before: eight "words", sixteen letters
    "Resident phoned to correct the address on file; identity checked.",  # names no request
]


def test_unmask_needs_a_meaningful_reason_and_the_refusal_is_audited(pg: Harness) -> None:
    person = pg.add_person(cases=1)
    url = f"/v1/cases/{person.references[0]}/unmask"
    for reason in WEAK_REASONS:
        body = {"category": "case_processing", "reason": reason}
        response = pg.client.post(url, json=body, headers=pg.bearer(pg.supervisor_token()))
        assert response.status_code == 422, reason
        assert "ticket" in response.json()["message"]
        assert person.record.national_id not in response.text
    outcomes = [e.outcome for e in _events(pg)]
    assert outcomes == ["denied_invalid_reason"] * len(WEAK_REASONS)
    accepted = pg.client.post(url, json=UNMASK, headers=pg.bearer(pg.supervisor_token()))
    assert accepted.status_code == 200


def test_unmask_needs_a_category_from_the_closed_list(pg: Harness) -> None:
    person = pg.add_person(cases=1)
    url = f"/v1/cases/{person.references[0]}/unmask"
    for body in ({"reason": REASON}, {**UNMASK, "category": "curiosity"}, {**UNMASK, "category": None}):
        response = pg.client.post(url, json=body, headers=pg.bearer(pg.supervisor_token()))
        assert (response.status_code, response.json()["error"]) == (422, "invalid_request")
        assert "category" in response.json()["message"]
        assert "curiosity" not in response.text
    assert _events(pg) == []


def test_residents_and_agents_cannot_unmask(pg: Harness) -> None:
    person = pg.add_person(cases=1)
    url = f"/v1/cases/{person.references[0]}/unmask"
    for token in (pg.resident_token(person), pg.agent_token(), pg.token(pg.AGENT, Role.SUPERVISOR)):
        response = pg.client.post(url, json=UNMASK, headers=pg.bearer(token))
        assert response.status_code == 403
        assert person.record.national_id not in response.text


# ---- tampering ----

Tamper = Callable[[Session, dict[int, AuditEvent]], int | None]


def _edit(session: Session, rows: dict[int, AuditEvent]) -> int | None:
    session.execute(text("UPDATE audit_events SET outcome = 'denied_not_owner' WHERE seq = 4"))
    return rows[4].id


def _edit_and_rehash(session: Session, rows: dict[int, AuditEvent]) -> int | None:
    row = rows[4]
    row.purpose = "routine check"
    row.row_hash = row_digest(row, row.prev_hash)
    session.flush()
    return rows[5].id  # the row itself now verifies; its successor no longer follows it


def _delete(session: Session, rows: dict[int, AuditEvent]) -> int | None:
    session.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    return rows[5].id


def _delete_last(session: Session, rows: dict[int, AuditEvent]) -> int | None:
    session.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": max(rows)})
    return None  # only the head notices


def _insert(session: Session, rows: dict[int, AuditEvent]) -> int | None:
    session.execute(text("UPDATE audit_events SET seq = seq + 1000 WHERE seq > 4"))
    session.execute(text("UPDATE audit_events SET seq = seq - 999 WHERE seq > 1000"))
    forged = AuditEvent(
        seq=5,
        occurred_at=rows[4].occurred_at,
        actor_subject="someone",
        actor_role="agent",
        action="read_case",
        case_reference=None,
        resident_id=None,
        fields="[]",
        purpose="forged",
        outcome="allowed",
        client_address="10.0.0.1",
        prev_hash=rows[4].row_hash,
    )
    forged.row_hash = row_digest(forged, rows[4].row_hash)
    session.add(forged)
    session.flush()
    return rows[5].id  # the forgery verifies on its own; the original row 5 no longer follows


def _reorder(session: Session, rows: dict[int, AuditEvent]) -> int | None:
    session.execute(text("UPDATE audit_events SET seq = -1 WHERE seq = 3"))
    session.execute(text("UPDATE audit_events SET seq = 3 WHERE seq = 6"))
    session.execute(text("UPDATE audit_events SET seq = 6 WHERE seq = -1"))
    return rows[6].id  # now at position 3, where it does not belong


TAMPERS: dict[str, Tamper] = {
    "edit": _edit,
    "edit and recompute the row's own hash": _edit_and_rehash,
    "delete": _delete,
    "delete the last row": _delete_last,
    "insert a well-formed forgery": _insert,
    "reorder": _reorder,
}


def test_each_kind_of_tampering_is_detected_at_the_right_row(pg: Harness) -> None:
    person = pg.add_person(cases=2)
    headers = pg.bearer(pg.resident_token(person))
    for reference in [*person.references, new_reference(), *person.references, new_reference()]:
        pg.client.get(f"/v1/cases/{reference}", headers=headers)
    assert verify_chain_of(pg).first_bad is None

    found: dict[str, tuple[int | None, int | None]] = {}
    for name, tamper in TAMPERS.items():
        with pg.runtime.database.sessions() as session:
            rows = {e.seq: e for e in session.scalars(select(AuditEvent))}
            expected_id = tamper(session, rows)
            report = verify_chain(session, None)
            assert report.first_bad is not None, name
            found[name] = (expected_id, report.first_bad.row_id)
            session.rollback()
    assert {name: ids[0] for name, ids in found.items()} == {name: ids[1] for name, ids in found.items()}
    assert verify_chain_of(pg).first_bad is None  # every tamper was rolled back


def test_a_rewritten_chain_fails_against_a_recorded_head(pg: Harness) -> None:
    person = pg.add_person(cases=1)
    for _ in range(4):
        pg.client.get(f"/v1/cases/{person.references[0]}", headers=pg.bearer(pg.resident_token(person)))
    recorded = verify_chain_of(pg).head_hash
    with pg.runtime.database.sessions.begin() as session:
        prev = "0" * 64
        for row in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            if row.seq == 2:
                row.outcome = "not_found"
            row.prev_hash = prev
            row.row_hash = prev = row_digest(row, prev)
        session.execute(update(AuditHead).values(row_hash=prev))
    assert verify_chain_of(pg).first_bad is None  # consistent rewrite: only an anchor catches it
    bad = verify_chain_of(pg, expected_head=recorded).first_bad
    assert bad is not None and "expected head" in bad.reason


def _hammer(h: Harness, threads: int, reads: int) -> None:
    people = [h.add_person(cases=1) for _ in range(threads)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        who = Principal(people[index].subject, Role.RESIDENT, f"10.0.0.{index}")
        try:
            for n in range(reads):
                ref = people[index].references[0] if n % 2 else new_reference()
                with contextlib.suppress(CaseNotFoundError):
                    h.runtime.desk.read_case(who, ref)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []


def test_concurrent_appends_on_postgresql_never_fork_the_chain(pg: Harness) -> None:
    _hammer(pg, threads=8, reads=12)
    report = verify_chain_of(pg)
    assert (report.rows, report.first_bad) == (96, None)


def test_concurrent_appends_on_sqlite_never_fork_the_chain(lite: Harness) -> None:
    _hammer(lite, threads=6, reads=10)
    report = verify_chain_of(lite)
    assert (report.rows, report.first_bad) == (60, None)


def test_a_staff_account_reading_too_many_residents_is_flagged_once(
    harness_factory: Callable[..., Harness],
) -> None:
    h: Harness = harness_factory(records_anomaly_distinct_residents=3)
    people = [h.add_person(cases=2) for _ in range(5)]
    agent = h.bearer(h.agent_token())
    for person in people[:3]:
        for reference in person.references:  # the same resident twice counts once
            assert h.client.get(f"/v1/cases/{reference}", headers=agent).status_code == 200
    with h.runtime.database.sessions() as session:
        assert session.scalars(select(AuditAlert)).all() == []
    with capture_logs() as logs:
        h.client.get(f"/v1/cases/{people[3].references[0]}", headers=agent)
        h.client.get(f"/v1/cases/{people[4].references[0]}", headers=agent)
    with h.runtime.database.sessions() as session:
        alerts = session.scalars(select(AuditAlert)).all()
        flagged = session.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.ANOMALY.value)
        ).all()
    assert [(a.actor_subject, a.distinct_residents, a.threshold) for a in alerts] == [(h.AGENT, 4, 3)]
    assert [(e.actor_subject, e.seq) for e in flagged] == [(h.AGENT, alerts[0].audit_seq)]
    assert [entry["event"] for entry in logs if entry["log_level"] == "warning"] == ["records.audit.anomaly"]
    assert verify_chain_of(h).first_bad is None
