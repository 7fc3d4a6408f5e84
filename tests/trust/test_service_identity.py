"""Signed client addresses: only the holder of a service's key can attest an address, for one bearer
token, for a short while."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

import pytest

from trust.errors import ServiceKeyError, ServiceSignatureError
from trust.service_identity import (
    CLIENT_ADDRESS_HEADER,
    SERVICE_HEADER,
    SIGNATURE_HEADER,
    ServiceSignatureVerifier,
    decode_service_key,
    signed_address_headers,
)

NOW = 1_750_000_000.0
KEY = secrets.token_bytes(32)
TOKEN = "eyJhbGciOiJSUzI1NiJ9.resident-token.signature"


def _verifier(max_age: int = 60) -> ServiceSignatureVerifier:
    return ServiceSignatureVerifier({"askcity-bot": KEY}, max_age_seconds=max_age, clock=lambda: NOW)


def _check(headers: dict[str, str], token: str = TOKEN) -> str:
    attested = _verifier().verify(
        service=headers.get(SERVICE_HEADER),
        signature=headers.get(SIGNATURE_HEADER),
        client_address=headers.get(CLIENT_ADDRESS_HEADER),
        bearer_token=token,
    )
    return f"{attested.service} {attested.client_address}"


def test_a_signed_address_verifies_for_its_service_and_token() -> None:
    headers = signed_address_headers("askcity-bot", KEY, "203.0.113.7", TOKEN, now=NOW)
    assert headers[SIGNATURE_HEADER].startswith(f"t={int(NOW)},v1=")
    assert _check(headers) == "askcity-bot 203.0.113.7"


def test_ipv6_addresses_are_normalised_before_signing_and_checking() -> None:
    headers = signed_address_headers("askcity-bot", KEY, "2001:DB8:0:0::1", TOKEN, now=NOW)
    assert headers[CLIENT_ADDRESS_HEADER] == "2001:db8::1"
    assert _check({**headers, CLIENT_ADDRESS_HEADER: "2001:0db8::0001"}) == "askcity-bot 2001:db8::1"


def _signed(
    service: str = "askcity-bot", key: bytes = KEY, address: str = "203.0.113.7", now: float = NOW
) -> dict[str, str]:
    return signed_address_headers(service, key, address, TOKEN, now=now)


Attack = Callable[[], tuple[dict[str, str], str]]

ATTACKS: dict[str, tuple[Attack, str]] = {
    "signed with another key": (lambda: (_signed(key=secrets.token_bytes(32)), TOKEN), "bad_signature"),
    "replayed with another bearer token": (lambda: (_signed(), TOKEN + "x"), "bad_signature"),
    "another address than the one signed": (
        lambda: ({**_signed(), CLIENT_ADDRESS_HEADER: "198.51.100.1"}, TOKEN),
        "bad_signature",
    ),
    "another service name than the one signed": (
        lambda: ({**_signed(service="askcity-bot"), SERVICE_HEADER: "other-svc"}, TOKEN),
        "unknown_service",
    ),
    "older than the window": (lambda: (_signed(now=NOW - 61), TOKEN), "expired"),
    "from too far in the future": (lambda: (_signed(now=NOW + 61), TOKEN), "expired"),
    "timestamp edited": (
        lambda: ({**_signed(), SIGNATURE_HEADER: _signed()[SIGNATURE_HEADER].replace("t=17", "t=18")}, TOKEN),
        "expired",
    ),
    "signature cut short": (
        lambda: ({**_signed(), SIGNATURE_HEADER: _signed()[SIGNATURE_HEADER][:-2]}, TOKEN),
        "malformed",
    ),
    "not an IP address": (
        lambda: ({**_signed(), CLIENT_ADDRESS_HEADER: "localhost"}, TOKEN),
        "not_an_ip_address",
    ),
    "no signature": (
        lambda: ({k: v for k, v in _signed().items() if k != SIGNATURE_HEADER}, TOKEN),
        "incomplete",
    ),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_a_signature_that_does_not_hold_is_refused_with_its_reason(name: str) -> None:
    attack, reason = ATTACKS[name]
    headers, token = attack()
    with pytest.raises(ServiceSignatureError) as refused:
        _check(headers, token)
    assert refused.value.reason == reason


def test_the_window_is_a_setting() -> None:
    headers = _signed(now=NOW - 200)
    relaxed = ServiceSignatureVerifier({"askcity-bot": KEY}, max_age_seconds=300, clock=lambda: NOW)
    attested = relaxed.verify(
        service=headers[SERVICE_HEADER],
        signature=headers[SIGNATURE_HEADER],
        client_address=headers[CLIENT_ADDRESS_HEADER],
        bearer_token=TOKEN,
    )
    assert attested.signed_at == int(NOW - 200)


@pytest.mark.parametrize(
    "text",
    [
        base64.urlsafe_b64encode(bytes(range(31))).decode(),  # too short (fixed: the same test everywhere)
        "not base64 at all!",
        "",
    ],
)
def test_weak_or_malformed_keys_are_refused(text: str) -> None:
    with pytest.raises(ServiceKeyError):
        decode_service_key(text)


def test_keys_of_32_bytes_or_more_decode_with_or_without_padding() -> None:
    raw = secrets.token_bytes(40)
    padded = base64.urlsafe_b64encode(raw).decode()
    assert decode_service_key(padded) == decode_service_key(padded.rstrip("=")) == raw


def test_nothing_is_signed_for_something_that_is_not_an_ip_address() -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        signed_address_headers("askcity-bot", KEY, "unknown", TOKEN)
    with pytest.raises(ServiceKeyError):
        signed_address_headers("Bad Name", KEY, "203.0.113.7", TOKEN)
    with pytest.raises(ServiceKeyError):
        ServiceSignatureVerifier({"askcity-bot": b"short"})
