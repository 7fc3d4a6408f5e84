"""The shared token verifier (`trust.tokens`): the records service's rules, for every service that uses it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from trust.errors import InvalidTokenError, KeySetUnavailableError, TokenRoleError
from trust.tokens import JwksUrlKeySource, Role, StaticKeySource, TokenVerifier, role_from_claim

ISSUER = "https://login.city.example/realms/city"
AUDIENCE = "askcity-records"
CLIENT_ID = "askcity-bot"
KID = "city-key-1"
NOW = int(time.time())
# Long enough that a token signed at collection time is still valid when a slow suite reaches it.
VALID_FOR = 6 * 3600
RECORDS_ROLES = (Role.RESIDENT, Role.AGENT, Role.SUPERVISOR)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def stranger() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk_of(key: rsa.RSAPrivateKey, kid: str = KID) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def verifier(
    key: rsa.RSAPrivateKey, roles: tuple[Role, ...] = tuple(Role), claim: str = "role"
) -> TokenVerifier:
    keys = StaticKeySource({"keys": [jwk_of(key)]})
    return TokenVerifier(keys, ISSUER, AUDIENCE, leeway_seconds=30, role_claim=claim, roles=roles)


def claims(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "sub": "staff-7",
        "role": "agent",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + VALID_FOR,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def sign(key: rsa.RSAPrivateKey, body: dict[str, Any], alg: str = "RS256", **headers: Any) -> str:
    return jwt.encode(body, key, algorithm=alg, headers={"kid": KID, **headers})


def tampered(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body.update(changes)
    return f"{header}.{b64(json.dumps(body).encode())}.{signature}"


def hs256_with_public_key(key: rsa.RSAPrivateKey) -> str:
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        f"{b64(json.dumps({'alg': 'HS256', 'kid': KID}).encode())}.{b64(json.dumps(claims()).encode())}"
    )
    return f"{signing_input}.{b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())}"


REFUSED = {
    "not a JWT": lambda k, s: "not.a.jwt",
    "alg none": lambda k, s: (
        f"{b64(json.dumps({'alg': 'none', 'kid': KID}).encode())}.{b64(json.dumps(claims()).encode())}."
    ),
    "HS256 keyed with the public key": lambda k, s: hs256_with_public_key(k),
    "RS512 with the right key": lambda k, s: sign(k, claims(), alg="RS512"),
    "PS256 with the right key": lambda k, s: sign(k, claims(), alg="PS256"),
    "no kid": lambda k, s: jwt.encode(claims(), k, algorithm="RS256"),
    "kid outside the key set": lambda k, s: sign(s, claims(), kid="stranger-1"),
    "our kid, a stranger's key": lambda k, s: sign(s, claims()),
    "stranger's key in a jwk header": lambda k, s: sign(s, claims(), jwk=jwk_of(s)),
    "jku to the attacker": lambda k, s: sign(s, claims(), jku="http://127.0.0.1:9/jwks.json"),
    "wrong issuer": lambda k, s: sign(k, claims(iss="https://evil.example")),
    "wrong audience": lambda k, s: sign(k, claims(aud="billing")),
    "expired": lambda k, s: sign(k, claims(iat=NOW - 7200, nbf=NOW - 7200, exp=NOW - 3600)),
    "not valid yet": lambda k, s: sign(k, claims(nbf=NOW + 3600)),
    "no exp": lambda k, s: sign(k, claims(exp=None)),
    "no iat": lambda k, s: sign(k, claims(iat=None)),
    "no sub": lambda k, s: sign(k, claims(sub=None)),
    "unprintable sub": lambda k, s: sign(k, claims(sub="staff\n7")),
    "sub over 255 characters": lambda k, s: sign(k, claims(sub="s" * 256)),
    "payload tampered to supervisor": lambda k, s: tampered(sign(k, claims()), role="supervisor"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_every_forged_or_unfit_token_is_an_invalid_token(
    name: str, key: rsa.RSAPrivateKey, stranger: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(InvalidTokenError):
        verifier(key).verify(REFUSED[name](key, stranger))


@pytest.mark.parametrize("role", list(Role))
def test_a_valid_token_gives_its_subject_role_and_expiry(key: rsa.RSAPrivateKey, role: Role) -> None:
    verified = verifier(key).verify(sign(key, claims(role=role.value)))
    assert (verified.subject, verified.role, verified.expires_at) == ("staff-7", role, NOW + VALID_FOR)


@pytest.mark.parametrize(
    ("role_claim", "served", "expected"),
    [
        ("editor", tuple(Role), Role.EDITOR),
        ("editor", RECORDS_ROLES, None),  # the records service serves no editors: 403 there
        ("admin", tuple(Role), None),
        (["editor", "agent"], RECORDS_ROLES, Role.AGENT),  # one served role in the list
        (["editor", "agent"], tuple(Role), None),  # two served roles: which one is meant?
        (["offline_access", "supervisor"], tuple(Role), Role.SUPERVISOR),
        ([], tuple(Role), None),
        (7, tuple(Role), None),
    ],
)
def test_the_role_must_be_exactly_one_the_service_serves(
    key: rsa.RSAPrivateKey, role_claim: object, served: tuple[Role, ...], expected: Role | None
) -> None:
    token = sign(key, claims(role=role_claim))
    if expected is None:
        with pytest.raises(TokenRoleError):
            verifier(key, served).verify(token)
    else:
        assert verifier(key, served).verify(token).role == expected


def test_the_role_may_sit_at_a_dotted_path(key: rsa.RSAPrivateKey) -> None:
    token = sign(key, claims(role=None, realm_access={"roles": ["offline_access", "editor"]}))
    assert verifier(key, claim="realm_access.roles").verify(token).role == Role.EDITOR
    assert role_from_claim(["agent"], RECORDS_ROLES) == Role.AGENT


@pytest.mark.parametrize(
    ("extra", "name"),
    [
        ({"name": "Alex Agent", "preferred_username": "alex"}, "Alex Agent"),
        ({"preferred_username": "alex"}, "alex"),
        ({"name": "bad\u0007name"}, None),
        ({}, None),
    ],
)
def test_a_display_name_comes_from_name_or_preferred_username(
    key: rsa.RSAPrivateKey, extra: dict[str, str], name: str | None
) -> None:
    assert verifier(key).verify(sign(key, claims(**extra))).name == name


def test_an_id_token_is_checked_for_the_client_and_the_nonce(key: rsa.RSAPrivateKey) -> None:
    check = verifier(key)
    id_token = sign(key, claims(aud=CLIENT_ID, role=None, nonce="n-123", name="Alex"))
    identity = check.verify_id_token(id_token, audience=CLIENT_ID, nonce="n-123")
    assert (identity.subject, identity.name) == ("staff-7", "Alex")
    with pytest.raises(InvalidTokenError):
        check.verify_id_token(id_token, audience=CLIENT_ID, nonce="n-456")
    with pytest.raises(InvalidTokenError):
        check.verify_id_token(sign(key, claims(aud=CLIENT_ID)), audience=CLIENT_ID, nonce="n-123")
    with pytest.raises(InvalidTokenError):  # an access token is not an ID token for the client
        check.verify_id_token(sign(key, claims(nonce="n-123")), audience=CLIENT_ID, nonce="n-123")


def test_an_unreachable_jwks_is_unavailable_not_invalid(key: rsa.RSAPrivateKey) -> None:
    keys = JwksUrlKeySource("http://127.0.0.1:9/certs", timeout_seconds=0.5, cache_seconds=60)
    with pytest.raises(KeySetUnavailableError):
        TokenVerifier(keys, ISSUER, AUDIENCE).verify(sign(key, claims()))


MAX_LIFETIME = 12 * 3600
LIFETIMES = {
    # name: (iat, exp, accepted)
    "an hour": (NOW, NOW + 3600, True),
    "exactly the maximum": (NOW, NOW + MAX_LIFETIME, True),
    "one second over the maximum": (NOW, NOW + MAX_LIFETIME + 1, False),
    "exp = 10^12 (the pen test's token)": (NOW, 10**12, False),
    "issued long ago for long, expiring in an hour": (NOW - 3 * 86400, NOW + 3600, False),
}


@pytest.mark.parametrize("name", sorted(LIFETIMES))
def test_a_token_issued_for_longer_than_the_maximum_lifetime_is_invalid(
    name: str, key: rsa.RSAPrivateKey
) -> None:
    issued, expires = LIFETIMES[name][:2]
    token = sign(key, claims(iat=issued, nbf=issued, exp=expires))
    keys = StaticKeySource({"keys": [jwk_of(key)]})
    limited = TokenVerifier(keys, ISSUER, AUDIENCE, max_lifetime_seconds=MAX_LIFETIME)
    if LIFETIMES[name][2]:
        assert limited.verify(token).expires_at == expires
    else:
        with pytest.raises(InvalidTokenError, match="maximum"):
            limited.verify(token)
    assert verifier(key).verify(token).expires_at == expires  # no maximum given: the bot's verifier as before


def test_a_refused_role_names_the_tokens_subject_and_the_role_it_carries(key: rsa.RSAPrivateKey) -> None:
    records = verifier(key, RECORDS_ROLES)
    named = {}
    for claim in ("editor", "admin", ["resident", "agent"]):
        with pytest.raises(TokenRoleError) as refused:
            records.verify(sign(key, claims(sub="staff-9", role=claim)))
        named[str(claim)] = (refused.value.subject, refused.value.role)
    assert named == {
        "editor": ("staff-9", "editor"),
        "admin": ("staff-9", None),
        "['resident', 'agent']": ("staff-9", None),
    }
