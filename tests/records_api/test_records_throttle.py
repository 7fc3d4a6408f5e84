"""Failed lookups are limited per user and per address; going over starts a lock-out."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import redis
from records_harness import Harness, start_harness

from records_api.references import new_reference


def test_a_user_over_the_failure_limit_is_locked_out(
    harness_factory: Callable[..., Harness], redis_url: str, redis_prefix: str
) -> None:
    h = harness_factory(records_failed_lookups_per_user="3/minute", records_lockout_seconds=60)
    mallory, alice = h.add_person(cases=1), h.add_person(cases=1)
    as_mallory = h.bearer(h.resident_token(mallory))
    statuses = [
        h.client.get(f"/v1/cases/{new_reference()}", headers=as_mallory).status_code for _ in range(5)
    ]
    assert statuses == [404, 404, 404, 429, 429]

    locked = h.client.get(f"/v1/cases/{mallory.references[0]}", headers=as_mallory)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 60
    assert locked.json()["error"] == "too_many_attempts"

    same_address = h.client.get(f"/v1/cases/{alice.references[0]}", headers=h.bearer(h.resident_token(alice)))
    assert same_address.status_code == 200

    stored = redis.Redis.from_url(redis_url).keys(f"{redis_prefix}*")
    assert any(b"askcity-lockout" in key for key in stored)
    h.flush_refusals()
    refused = [e.repeat_count for e in h.events() if e.outcome == "denied_rate_limited"]
    assert sum(refused) == 2  # the 5th guess and the locked own read


def test_an_address_over_the_failure_limit_locks_out_the_users_who_failed_from_it_only(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(records_failed_lookups_per_address="4/minute")
    people = [h.add_person(cases=1) for _ in range(4)]
    shared = h.client_from("198.51.100.7")
    statuses = [
        shared.get(
            f"/v1/cases/{new_reference()}", headers=h.bearer(h.resident_token(people[n % 2]))
        ).status_code
        for n in range(6)
    ]
    assert statuses == [404, 404, 404, 404, 429, 429]
    first, bystander, newcomer = people[0], people[2], people[3]
    own_case = f"/v1/cases/{first.references[0]}"
    assert shared.get(own_case, headers=h.bearer(h.resident_token(first))).status_code == 429
    bystanders_case = f"/v1/cases/{bystander.references[0]}"
    assert shared.get(bystanders_case, headers=h.bearer(h.resident_token(bystander))).status_code == 200
    # another account at the locked address gets one failed lookup, then is locked out there too
    as_newcomer = h.bearer(h.resident_token(newcomer))
    assert shared.get(f"/v1/cases/{new_reference()}", headers=as_newcomer).status_code == 429
    assert shared.get(f"/v1/cases/{newcomer.references[0]}", headers=as_newcomer).status_code == 429
    elsewhere = h.client_from("198.51.100.99")
    assert elsewhere.get(own_case, headers=h.bearer(h.resident_token(first))).status_code == 200


def test_the_lockout_ends_after_its_window(tmp_path: Path, dev_key_pem: Path, sqlite_url: str) -> None:
    h = start_harness(
        tmp_path,
        dev_key_pem,
        sqlite_url,
        records_failed_lookups_per_user="1/minute",
        records_lockout_seconds=1,
    )
    try:
        person = h.add_person(cases=1)
        headers = h.bearer(h.resident_token(person))
        for _ in range(2):
            h.client.get(f"/v1/cases/{new_reference()}", headers=headers)
        own = f"/v1/cases/{person.references[0]}"
        assert h.client.get(own, headers=headers).status_code == 429
        time.sleep(1.2)
        assert h.client.get(own, headers=headers).status_code == 200
    finally:
        h.__exit__(None, None, None)


def test_unreachable_limit_storage_fails_closed(tmp_path: Path, dev_key_pem: Path, sqlite_url: str) -> None:
    h = start_harness(tmp_path, dev_key_pem, sqlite_url, redis_url="redis://127.0.0.1:1/0")
    try:
        person = h.add_person(cases=1)
        response = h.client.get(
            f"/v1/cases/{person.references[0]}", headers=h.bearer(h.resident_token(person))
        )
        assert response.status_code == 503
        assert person.record.national_id not in response.text
        health = h.client.get("/v1/health")
        assert (health.status_code, health.json()["rate_limit_ok"]) == (503, False)
    finally:
        h.__exit__(None, None, None)
