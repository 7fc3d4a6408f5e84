"""Which address a request is attributed to (lock-outs, audit), and that few residents behind one
address cannot lock the others out: issue 11 §3."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from records_harness import BOT, Harness, random_key
from structlog.testing import capture_logs

from records_api.references import new_reference
from trust.service_identity import CLIENT_ADDRESS_HEADER, SIGNATURE_HEADER

BOT_PEER = "10.0.0.5"


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_changes_neither_lockout_nor_audit(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(records_failed_lookups_per_address="4/minute")
    mallory, trudy = h.add_person(cases=1), h.add_person(cases=1)
    peer = h.client_from("198.51.100.7")
    statuses = []
    for n in range(6):  # a fresh forwarded address on every guess
        person = (mallory, trudy)[n % 2]
        headers = {**h.bearer(h.resident_token(person)), "X-Forwarded-For": f"192.0.2.{n + 1}"}
        statuses.append(peer.get(f"/v1/cases/{new_reference()}", headers=headers).status_code)
    assert statuses == [404, 404, 404, 404, 429, 429]  # one address, the peer's, reached its limit
    assert {e.client_address for e in h.events()} == {"198.51.100.7"}


def test_a_configured_proxy_is_trusted_for_the_forwarded_address(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(records_trusted_proxies="198.51.100.0/24")
    alice = h.add_person(cases=1)
    proxy = h.client_from("198.51.100.7")
    headers = {**h.bearer(h.resident_token(alice)), "X-Forwarded-For": "192.0.2.44, 198.51.100.9"}
    assert proxy.get(f"/v1/cases/{alice.references[0]}", headers=headers).status_code == 200
    assert [e.client_address for e in h.events()] == ["192.0.2.44"]


def test_one_abuser_through_the_signed_bot_path_is_locked_out_and_nobody_else(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(
        records_service_keys={BOT: random_key()},
        records_failed_lookups_per_user="5/minute",
        records_failed_lookups_per_address="3/minute",
    )
    abuser, resident, newcomer, elsewhere = (h.add_person(cases=1) for _ in range(4))
    bot = h.client_from(BOT_PEER)
    as_abuser = h.via_bot(h.resident_token(abuser), "203.0.113.66")
    guesses = [bot.get(f"/v1/cases/{new_reference()}", headers=as_abuser).status_code for _ in range(40)]
    assert guesses[:3] == [404, 404, 404] and set(guesses[3:]) == {429}
    own = f"/v1/cases/{abuser.references[0]}"
    assert bot.get(own, headers=as_abuser).status_code == 429

    as_resident = h.via_bot(h.resident_token(resident), "203.0.113.7")
    assert bot.get(f"/v1/cases/{resident.references[0]}", headers=as_resident).status_code == 200

    # the lock-out is keyed on the resident's address, not the bot's: another account failing from
    # the abuser's address is locked out at once, one failing from a third address is not
    at_abusers_address = h.via_bot(h.resident_token(newcomer), "203.0.113.66")
    assert bot.get(f"/v1/cases/{new_reference()}", headers=at_abusers_address).status_code == 429
    at_third_address = h.via_bot(h.resident_token(elsewhere), "203.0.113.99")
    assert bot.get(f"/v1/cases/{new_reference()}", headers=at_third_address).status_code == 404

    events = h.events()
    assert {e.via_service for e in events} == {BOT}
    assert {e.client_address for e in events if e.actor_subject == abuser.subject} == {"203.0.113.66"}
    assert {e.client_address for e in events if e.actor_subject == resident.subject} == {"203.0.113.7"}


def test_four_abusers_behind_one_unsigned_address_lock_out_themselves_not_the_others(
    harness_factory: Callable[..., Harness],
) -> None:
    # the figures, with the default limits: before, 4 x 10 failures locked the bot's address
    h = harness_factory(
        records_failed_lookups_per_user="10/minute", records_failed_lookups_per_address="30/minute"
    )
    abusers = [h.add_person(cases=1) for _ in range(4)]
    others = [h.add_person(cases=1) for _ in range(5)]
    bot = h.client_from(BOT_PEER)
    for abuser in abusers:
        headers = h.bearer(h.resident_token(abuser))
        for _ in range(15):
            bot.get(f"/v1/cases/{new_reference()}", headers=headers)
    locked = [
        bot.get(f"/v1/cases/{p.references[0]}", headers=h.bearer(h.resident_token(p))).status_code
        for p in abusers
    ]
    served = [
        bot.get(f"/v1/cases/{p.references[0]}", headers=h.bearer(h.resident_token(p))).status_code
        for p in others
    ]
    assert (locked, served) == ([429] * 4, [200] * 5)


def _stale(h: Harness, token: str) -> dict[str, str]:
    signed = h.via_bot(token, "203.0.113.7")
    stamp = int(time.time()) - 3600
    return {**signed, SIGNATURE_HEADER: f"t={stamp},{signed[SIGNATURE_HEADER].split(',')[1]}"}


FORGERIES: dict[str, tuple[Callable[[Harness, str], dict[str, str]], str]] = {
    "signed with another key": (
        lambda h, token: h.via_bot(token, "203.0.113.7", key=random_key().encode() * 2),
        "bad_signature",
    ),
    "signed for another bearer token": (
        lambda h, token: h.via_bot(token, "203.0.113.7", signed_token=token + "x"),
        "bad_signature",
    ),
    "address edited after signing": (
        lambda h, token: {**h.via_bot(token, "203.0.113.7"), CLIENT_ADDRESS_HEADER: "203.0.113.8"},
        "bad_signature",
    ),
    "an hour old": (_stale, "expired"),
    "an unknown service": (
        lambda h, token: {**h.via_bot(token, "203.0.113.7"), "X-Askcity-Service": "someone"},
        "unknown_service",
    ),
    "address header alone": (
        lambda h, token: {**h.bearer(token), CLIENT_ADDRESS_HEADER: "203.0.113.7"},
        "incomplete",
    ),
}


@pytest.mark.parametrize("name", list(FORGERIES))
def test_an_address_whose_signature_does_not_hold_is_ignored_and_logged(
    harness_factory: Callable[..., Harness], name: str
) -> None:
    h = harness_factory(records_service_keys={BOT: random_key()})
    alice = h.add_person(cases=1)
    forge, reason = FORGERIES[name]
    with capture_logs() as logs:
        response = h.client_from(BOT_PEER).get(
            f"/v1/cases/{alice.references[0]}", headers=forge(h, h.resident_token(alice))
        )
    assert response.status_code == 200
    assert [(e.client_address, e.via_service) for e in h.events()] == [(BOT_PEER, None)]
    ignored = [entry for entry in logs if entry["event"] == "records.service_signature.ignored"]
    assert [entry["reason"] for entry in ignored] == [reason]


def test_without_service_keys_the_signed_header_is_ignored(lite: Harness) -> None:
    alice = lite.add_person(cases=1)
    key = random_key().encode()
    headers = lite.via_bot(lite.resident_token(alice), "203.0.113.7", key=key)
    response = lite.client_from(BOT_PEER).get(f"/v1/cases/{alice.references[0]}", headers=headers)
    assert response.status_code == 200
    assert [e.client_address for e in lite.events()] == [BOT_PEER]
