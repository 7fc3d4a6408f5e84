"""A resident's address that only a named service may assert: an HMAC service signature.

The bot calls the records service from its own address, on behalf of many residents. To let the
records service key lock-outs and audit rows on the resident's address, the bot sends three headers:

    X-Askcity-Client-Address:    203.0.113.7                     (the resident's IP address)
    X-Askcity-Service:           askcity-bot                     (the bot's service name)
    X-Askcity-Service-Signature: t=1735689600,v1=<64 hex digits>

`v1` is HMAC-SHA256 with the service's shared secret over

    "askcity-service-signature\\nv1\\n<service>\\n<t>\\n<client address>\\n<SHA-256 hex of the bearer token>"

so a captured header set is worthless with another bearer token, and only for `max_age_seconds`
(either side of the records service's clock) with the same one. The address is normalised
(`ipaddress`) before signing and checking; anything that is not an IP address is refused. The
comparison is constant-time. Keys are URL-safe base64 of at least 32 random bytes.

Sign with `signed_address_headers(...)`; check with `ServiceSignatureVerifier.verify(...)`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from trust.errors import ServiceKeyError, ServiceSignatureError

CLIENT_ADDRESS_HEADER = "X-Askcity-Client-Address"
SERVICE_HEADER = "X-Askcity-Service"
SIGNATURE_HEADER = "X-Askcity-Service-Signature"
HEADERS = (CLIENT_ADDRESS_HEADER, SERVICE_HEADER, SIGNATURE_HEADER)

MIN_KEY_BYTES = 32
DEFAULT_MAX_AGE_SECONDS = 60
DOMAIN = "askcity-service-signature"
VERSION = "v1"

# Published on purpose, like the records service's dev secrets: a laptop demo signs with it; the
# records service refuses it unless ASKCITY_ENV=dev.
DEV_SERVICE_NAME = "askcity-bot"
DEV_SERVICE_KEY = "ZGV2LW9ubHktYXNrY2l0eS1ib3Qtc2VydmljZS1rZXk"

_SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
_SIGNATURE = re.compile(r"^t=(\d{1,12}),v1=([0-9a-fA-F]{64})$")


def decode_service_key(text: str) -> bytes:
    """A shared secret from URL-safe base64 (padding optional); at least 32 bytes."""
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ServiceKeyError("a service key must be URL-safe base64") from exc
    if len(raw) < MIN_KEY_BYTES:
        raise ServiceKeyError(f"a service key must decode to at least {MIN_KEY_BYTES} bytes")
    return raw


def check_service_name(name: str) -> str:
    if not _SERVICE_NAME.fullmatch(name):
        raise ServiceKeyError("a service name is 1-63 of a-z 0-9 . _ - (starting with a letter or digit)")
    return name


def normalise_address(text: str) -> str:
    """The canonical text of an IPv4 or IPv6 address; ValueError for anything else."""
    candidate = text.strip()
    try:
        if len(candidate) > 64:
            raise ValueError(candidate)
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        raise ValueError("not an IP address") from None


def token_digest(bearer_token: str) -> str:
    return hashlib.sha256(bearer_token.encode("utf-8")).hexdigest()


def _mac(key: bytes, service: str, timestamp: int, address: str, bearer_token: str) -> str:
    message = "\n".join((DOMAIN, VERSION, service, str(timestamp), address, token_digest(bearer_token)))
    return hmac.new(key, message.encode("ascii"), hashlib.sha256).hexdigest()


def signed_address_headers(
    service: str,
    key: bytes,
    client_address: str,
    bearer_token: str,
    now: float | None = None,
) -> dict[str, str]:
    """The three headers that attest `client_address` for one request with `bearer_token`.

    Raises ValueError when `client_address` is not an IP address (send no headers then)."""
    check_service_name(service)
    if len(key) < MIN_KEY_BYTES:
        raise ServiceKeyError(f"a service key must be at least {MIN_KEY_BYTES} bytes")
    address = normalise_address(client_address)
    timestamp = int(time.time() if now is None else now)
    mac = _mac(key, service, timestamp, address, bearer_token)
    return {
        CLIENT_ADDRESS_HEADER: address,
        SERVICE_HEADER: service,
        SIGNATURE_HEADER: f"t={timestamp},{VERSION}={mac}",
    }


@dataclass(frozen=True)
class AttestedAddress:
    """A client address whose signature verified: who asserted it, and when."""

    client_address: str
    service: str
    signed_at: int


class ServiceSignatureVerifier:
    """Checks signed client addresses against the configured services' shared secrets."""

    def __init__(
        self,
        keys: Mapping[str, bytes],
        max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        for name, key in keys.items():
            check_service_name(name)
            if len(key) < MIN_KEY_BYTES:
                raise ServiceKeyError(f"the key of service {name!r} is shorter than {MIN_KEY_BYTES} bytes")
        self._keys = dict(keys)
        self._max_age = max_age_seconds
        self._clock = clock

    def verify(
        self,
        *,
        service: str | None,
        signature: str | None,
        client_address: str | None,
        bearer_token: str,
    ) -> AttestedAddress:
        """The attested address, or ServiceSignatureError whose `reason` says why not."""
        if not (service and signature and client_address):
            raise ServiceSignatureError("incomplete")
        key = self._keys.get(service)
        if key is None:
            raise ServiceSignatureError("unknown_service")
        match = _SIGNATURE.fullmatch(signature.strip())
        if match is None:
            raise ServiceSignatureError("malformed")
        timestamp, given = int(match.group(1)), match.group(2).lower()
        try:
            address = normalise_address(client_address)
        except ValueError:
            raise ServiceSignatureError("not_an_ip_address") from None
        if abs(self._clock() - timestamp) > self._max_age:
            raise ServiceSignatureError("expired")
        expected = _mac(key, service, timestamp, address, bearer_token)
        if not hmac.compare_digest(expected, given):
            raise ServiceSignatureError("bad_signature")
        return AttestedAddress(client_address=address, service=service, signed_at=timestamp)
