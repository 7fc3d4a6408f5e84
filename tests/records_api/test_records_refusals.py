"""Refusals during a lock-out are coalesced: few audit rows, each with its count, never edited
(issue 11 §6)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from records_harness import Harness

from records_api.audit import verify_chain
from records_api.references import new_reference


def _lock_out(h: Harness, headers: dict[str, str], failures: int) -> None:
    for _ in range(failures):
        h.client.get(f"/v1/cases/{new_reference()}", headers=headers)


def test_500_refused_requests_of_a_locked_out_account_add_a_handful_of_rows_with_the_count(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(records_failed_lookups_per_user="3/minute")
    mallory, alice = h.add_person(cases=1), h.add_person(cases=1)
    as_mallory = h.bearer(h.resident_token(mallory))
    _lock_out(h, as_mallory, 4)
    before = len(h.events())
    statuses = [
        h.client.get(f"/v1/cases/{mallory.references[0]}", headers=as_mallory).status_code for _ in range(500)
    ]
    assert statuses == [429] * 500
    assert len(h.events()) - before == 1  # the first refusal, at once; the rest are counted
    assert h.flush_refusals() == 1
    refused = [e for e in h.events()[before:] if e.outcome == "denied_rate_limited"]
    assert len(refused) == 2
    assert [e.repeat_count for e in refused] == [1, 499]
    assert "499 more refused during a lock-out" in refused[1].purpose
    assert {(e.actor_subject, e.client_address) for e in refused} == {(mallory.subject, "203.0.113.10")}
    assert (
        h.client.get(
            f"/v1/cases/{alice.references[0]}", headers=h.bearer(h.resident_token(alice))
        ).status_code
        == 200
    )
    with h.runtime.database.sessions() as session:
        assert verify_chain(session).first_bad is None


def test_each_episode_has_its_own_rows_and_a_quiet_interval_ends_it(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(records_failed_lookups_per_user="1/minute")
    people = [h.add_person(cases=1) for _ in range(2)]
    headers = [h.bearer(h.resident_token(p)) for p in people]
    for person_headers in headers:
        _lock_out(h, person_headers, 2)
    for _ in range(3):
        for person, person_headers in zip(people, headers, strict=True):
            h.client.get(f"/v1/cases/{person.references[0]}", headers=person_headers)
    assert h.flush_refusals() == 2
    assert h.flush_refusals() == 0  # nothing counted: no empty rows
    h.client.get(f"/v1/cases/{people[0].references[0]}", headers=headers[0])  # the episode goes on
    assert h.flush_refusals() == 1
    before = len(h.events())
    h.client.get(f"/v1/cases/{people[1].references[0]}", headers=headers[1])  # quiet a whole interval
    assert len(h.events()) == before + 1  # so its next refusal opens a new episode, with a row
    assert h.flush_refusals() == 0
    assert h.flush_refusals() == 0  # a whole quiet interval for people[0] too
    before = len(h.events())
    h.client.get(f"/v1/cases/{people[0].references[0]}", headers=headers[0])
    assert len(h.events()) == before + 1  # a new episode starts with a row of its own
    counts = {
        p.subject: sum(
            e.repeat_count
            for e in h.events()
            if e.actor_subject == p.subject and e.outcome == "denied_rate_limited"
        )
        for p in people
    }
    assert counts == {people[0].subject: 5, people[1].subject: 4}


def test_the_maintenance_thread_flushes_counts_by_itself(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(records_failed_lookups_per_user="1/minute", records_audit_refusal_flush_seconds=1)
    mallory = h.add_person(cases=1)
    as_mallory = h.bearer(h.resident_token(mallory))
    _lock_out(h, as_mallory, 2)
    for _ in range(20):
        h.client.get(f"/v1/cases/{mallory.references[0]}", headers=as_mallory)

    # the lock-out's first 429 is recorded as the failed lookup it was; then 20 refusals: a row at
    # once, and the count of the others written by the thread (maybe across two flushes)
    def refused() -> list[int]:
        return [e.repeat_count for e in h.events() if e.outcome == "denied_rate_limited"]

    deadline = time.monotonic() + 30
    while sum(refused()) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sum(refused()) == 20
    assert refused()[0] == 1 and len(refused()) <= 3


def test_a_refused_request_is_logged_by_its_route_never_by_the_reference_in_its_path(lite: Harness) -> None:
    from structlog.testing import capture_logs

    reference = lite.add_person(cases=1).references[0]
    with capture_logs() as logs:
        refused = lite.client.get(f"/v1/me/cases/{reference}", headers={"Authorization": "Bearer not-a-jwt"})
    assert refused.status_code == 401
    entries = [e for e in logs if e["event"] == "records.auth.refused"]
    assert entries and all(reference not in json.dumps(e, default=str) for e in logs)
    assert entries[0]["path"] == "/v1/me/cases/{reference}"
