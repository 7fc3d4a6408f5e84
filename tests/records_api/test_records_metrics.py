"""The records service's /metrics on the real app: reads by outcome from the audit rows committed,
refusals during a lock-out, request times by route template, checkpoint age, request ids."""

from __future__ import annotations

from pathlib import Path

import structlog
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from records_harness import Harness, start_harness

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_reads_are_counted_by_outcome_once_their_audit_rows_commit(any_db: Harness) -> None:
    harness = any_db
    owner, other = harness.add_person(cases=1), harness.add_person(cases=1)
    headers = harness.bearer(harness.resident_token(owner))
    before = scrape(harness.client)
    own = harness.client.get(f"/v1/cases/{owner.references[0]}", headers=headers)
    theirs = harness.client.get(f"/v1/cases/{other.references[0]}", headers=headers)
    after = scrape(harness.client)
    assert (own.status_code, theirs.status_code) == (200, 404)
    outcomes = [e.outcome for e in harness.events()[-2:]]
    for outcome in outcomes:
        labels = {"action": "read_case", "outcome": outcome}
        assert delta(before, after, "askcity_records_requests_total", **labels) == outcomes.count(outcome)
        assert delta(before, after, "askcity_records_audit_rows_total", **labels) == outcomes.count(outcome)


def test_refusals_during_a_lock_out_count_every_request_a_coalesced_row_stands_for(
    tmp_path: Path, dev_key_pem: Path, sqlite_url: str
) -> None:
    harness = start_harness(tmp_path, dev_key_pem, sqlite_url, records_failed_lookups_per_user="2/minute")
    try:
        person = harness.add_person(cases=1)
        headers = harness.bearer(harness.resident_token(person))
        before = scrape(harness.client)
        statuses = [
            harness.client.get("/v1/cases/MB-0000-0000-0000-0", headers=headers).status_code for _ in range(8)
        ]
        harness.flush_refusals()
        after = scrape(harness.client)
        refused_rows = [e for e in harness.events() if e.outcome == "denied_rate_limited"]
    finally:
        harness.__exit__(None, None, None)
    refused = statuses.count(429)  # the lookup that starts the lock-out is audited as not_found
    recorded = sum(e.repeat_count for e in refused_rows)
    assert recorded >= refused - 1 >= 5
    labels = {"action": "read_case", "outcome": "denied_rate_limited"}
    assert delta(before, after, "askcity_records_requests_total", **labels) == recorded
    assert delta(before, after, "askcity_records_audit_rows_total", **labels) == len(refused_rows) < recorded
    count = "askcity_records_request_duration_seconds_count"
    route = {"route": "/v1/cases/{reference}", "method": "GET", "status": "429"}
    assert delta(before, after, count, **route) == refused


def test_labels_hold_route_templates_never_a_case_reference(lite: Harness) -> None:
    person = lite.add_person(cases=1)
    lite.client.get(f"/v1/cases/{person.references[0]}", headers=lite.bearer(lite.resident_token(person)))
    samples = scrape(lite.client)
    labels = {label for _, pairs in samples for _, label in pairs}
    assert "/v1/cases/{reference}" in labels
    assert person.references[0] not in labels and person.subject not in labels


def test_the_latest_checkpoint_age_and_sequence_number_are_exposed(lite: Harness) -> None:
    samples = scrape(lite.client)
    latest = lite.checkpoints()[-1]  # one is signed at start-up
    assert value(samples, "askcity_records_audit_checkpoint_seq") == latest.seq
    assert value(samples, "askcity_records_audit_checkpoint_age_seconds") >= 0


def test_a_request_id_is_returned_and_bound_to_the_requests_log_lines(lite: Harness) -> None:
    person = lite.add_person(cases=1)
    token = lite.resident_token(person)
    forged = lite.via_bot(token, "198.51.100.7", key=b"k" * 32)  # a signature the service ignores, and logs
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        response = lite.client.get(
            f"/v1/cases/{person.references[0]}", headers={**forged, "X-Request-ID": "bot-7f3e2a91c4"}
        )
    assert response.headers["x-request-id"] == "bot-7f3e2a91c4"
    ignored = [entry for entry in logs if entry["event"] == "records.service_signature.ignored"]
    assert ignored and all(entry["request_id"] == "bot-7f3e2a91c4" for entry in ignored)
