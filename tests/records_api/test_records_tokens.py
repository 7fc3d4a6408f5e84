"""Bearer tokens: every classic JWT attack is a 401, and a real issuer's JWKS is used with care."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from records_harness import Harness, Person, start_harness

from records_api.dev_identity import public_jwk
from records_api.enums import Role
from records_api.errors import ConfigurationError


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, object], claims: dict[str, object], signature: bytes = b"") -> str:
    parts = [json.dumps(header).encode(), json.dumps(claims).encode()]
    return ".".join([*(b64(p) for p in parts), b64(signature)])


def hs256_with_public_key(h: Harness, claims: dict[str, object]) -> str:
    """The classic key-confusion forgery: HMAC keyed with the issuer's public key PEM."""
    pem = h.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": h.kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def tamper_payload(token: str, **changes: object) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def tamper_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    return f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"


Attack = Callable[[Harness, Person, rsa.RSAPrivateKey], str | None]
NOW = int(time.time())

ATTACKS: dict[str, Attack] = {
    "no Authorization header": lambda h, p, k: None,
    "Basic credentials": lambda h, p, k: "Basic dXNlcjpwYXNzd29yZA==",
    "empty bearer": lambda h, p, k: "Bearer ",
    "not a JWT": lambda h, p, k: "Bearer not.a.jwt",
    "10 kB of junk": lambda h, p, k: "Bearer " + "A" * 10_000,
    "alg none": lambda h, p, k: (
        "Bearer " + unsigned({"alg": "none", "typ": "JWT", "kid": h.kid}, h.claims(p.subject, Role.RESIDENT))
    ),
    "alg None, with the real signature": lambda h, p, k: (
        "Bearer "
        + ".".join(
            [
                b64(json.dumps({"alg": "None", "kid": h.kid}).encode()),
                *h.token(p.subject, Role.RESIDENT).split(".")[1:],
            ]
        )
    ),
    "HS256 keyed with the public key": lambda h, p, k: (
        "Bearer " + hs256_with_public_key(h, h.claims(p.subject, Role.RESIDENT))
    ),
    "RS512 with the right key": lambda h, p, k: (
        "Bearer " + h.sign(h.claims(p.subject, Role.RESIDENT), algorithm="RS512")
    ),
    "PS256 with the right key": lambda h, p, k: (
        "Bearer " + h.sign(h.claims(p.subject, Role.RESIDENT), algorithm="PS256")
    ),
    "wrong issuer": lambda h, p, k: (
        "Bearer " + h.token(p.subject, Role.RESIDENT, iss="https://evil.example/idp")
    ),
    "wrong audience": lambda h, p, k: "Bearer " + h.token(p.subject, Role.RESIDENT, aud="some-other-service"),
    "audience list without ours": lambda h, p, k: (
        "Bearer " + h.token(p.subject, Role.RESIDENT, aud=["billing", "parking"])
    ),
    "expired an hour ago": lambda h, p, k: (
        "Bearer " + h.token(p.subject, Role.RESIDENT, iat=NOW - 7200, nbf=NOW - 7200, exp=NOW - 3600)
    ),
    "not valid for another hour": lambda h, p, k: (
        "Bearer " + h.token(p.subject, Role.RESIDENT, nbf=NOW + 3600)
    ),
    "exp = 10^12 (a token that never expires)": lambda h, p, k: (
        "Bearer " + h.token(p.subject, Role.RESIDENT, iat=NOW, nbf=NOW, exp=10**12)
    ),
    "issued for 13 hours (the maximum is 12)": lambda h, p, k: (
        "Bearer " + h.token(p.subject, Role.RESIDENT, iat=NOW, nbf=NOW, exp=NOW + 13 * 3600)
    ),
    "no exp claim": lambda h, p, k: "Bearer " + h.token(p.subject, Role.RESIDENT, exp=None),
    "no sub claim": lambda h, p, k: "Bearer " + h.token(p.subject, Role.RESIDENT, sub=None),
    "no iss claim": lambda h, p, k: "Bearer " + h.token(p.subject, Role.RESIDENT, iss=None),
    "payload tampered to supervisor": lambda h, p, k: (
        "Bearer " + tamper_payload(h.token(p.subject, Role.RESIDENT), role="supervisor")
    ),
    "payload tampered to another subject": lambda h, p, k: (
        "Bearer " + tamper_payload(h.token(p.subject, Role.RESIDENT), sub="someone-else")
    ),
    "signature tampered": lambda h, p, k: "Bearer " + tamper_signature(h.token(p.subject, Role.RESIDENT)),
    "unknown kid, stranger's key": lambda h, p, k: (
        "Bearer " + h.sign(h.claims(p.subject, Role.RESIDENT), key=k, kid="stranger-key-1")
    ),
    "our kid, stranger's key": lambda h, p, k: "Bearer " + h.sign(h.claims(p.subject, Role.RESIDENT), key=k),
    "no kid": lambda h, p, k: (
        "Bearer " + jwt.encode(h.claims(p.subject, Role.RESIDENT), h.private_key, algorithm="RS256")
    ),
    "stranger's key embedded as jwk header": lambda h, p, k: (
        "Bearer "
        + jwt.encode(
            h.claims(p.subject, Role.RESIDENT),
            k,
            algorithm="RS256",
            headers={"kid": public_jwk(k)["kid"], "jwk": public_jwk(k)},
        )
    ),
    "jku pointing at the attacker": lambda h, p, k: (
        "Bearer "
        + jwt.encode(
            h.claims(p.subject, Role.RESIDENT),
            k,
            algorithm="RS256",
            headers={"kid": h.kid, "jku": "http://127.0.0.1:9/jwks.json"},
        )
    ),
}


@pytest.fixture(scope="module")
def stranger_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_every_token_attack_is_refused_with_the_same_401(
    pg: Harness, stranger_key: rsa.RSAPrivateKey
) -> None:
    person = pg.add_person(cases=1)
    url = f"/v1/cases/{person.references[0]}"
    control = pg.client.get(url, headers=pg.bearer(pg.resident_token(person)))
    assert control.status_code == 200

    answers: dict[str, tuple[int, str, str]] = {}
    for name, attack in ATTACKS.items():
        authorization = attack(pg, person, stranger_key)
        headers = {"Authorization": authorization} if authorization is not None else {}
        response = pg.client.get(url, headers=headers)
        answers[name] = (
            response.status_code,
            response.headers.get("www-authenticate", "")[:6],
            response.json()["error"],
        )
    accepted = {name: a for name, a in answers.items() if a != (401, "Bearer", "unauthenticated")}
    assert accepted == {}
    assert len(answers) == len(ATTACKS)


def test_a_refusal_says_nothing_about_why(pg: Harness) -> None:
    person = pg.add_person(cases=1)
    url = f"/v1/cases/{person.references[0]}"
    expired = pg.token(person.subject, Role.RESIDENT, exp=NOW - 3600, iat=NOW - 7200, nbf=NOW - 7200)
    bodies = {
        pg.client.get(url, headers=pg.bearer(expired)).content,
        pg.client.get(url, headers=pg.bearer(pg.token(person.subject, "resident", aud="x"))).content,
        pg.client.get(url, headers=pg.bearer("garbage")).content,
    }
    assert len(bodies) == 1
    assert b"expired" not in bodies.pop().lower()


class _JwksServer:
    def __init__(self, jwks: dict[str, object]) -> None:
        self.hits = 0
        payload = json.dumps(jwks).encode()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/realms/city/certs"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def issuer(tmp_path: Path, dev_key_pem: Path) -> Iterator[_JwksServer]:
    from records_api.dev_identity import load_or_create_private_key

    key = load_or_create_private_key(dev_key_pem.parent)
    server = _JwksServer({"keys": [public_jwk(key)]})
    yield server
    server.close()


def test_tokens_are_checked_against_the_issuers_jwks_fetched_once(
    tmp_path: Path, dev_key_pem: Path, sqlite_url: str, issuer: _JwksServer
) -> None:
    h = start_harness(
        tmp_path,
        dev_key_pem,
        sqlite_url,
        dev_identity=False,
        jwks_url=issuer.url,
        jwt_issuer="https://login.city.example/realms/city",
    )
    try:
        person = h.add_person(cases=1)
        for _ in range(3):
            ok = h.client.get("/v1/me/cases", headers=h.bearer(h.resident_token(person)))
            assert ok.status_code == 200
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = h.sign(h.claims(person.subject, Role.RESIDENT), key=stranger, kid="rotated-key")
        assert h.client.get("/v1/me/cases", headers=h.bearer(forged)).status_code == 401
        assert issuer.hits == 1  # cached, and an unknown kid cannot force refetches
        assert h.client.post("/dev/token", json={"username": "a", "password": "b"}).status_code == 404
        assert h.client.get("/.well-known/jwks.json").status_code == 404
    finally:
        h.__exit__(None, None, None)


def test_an_unreachable_issuer_is_a_503_not_a_401_or_a_crash(
    tmp_path: Path, dev_key_pem: Path, sqlite_url: str
) -> None:
    h = start_harness(
        tmp_path,
        dev_key_pem,
        sqlite_url,
        dev_identity=False,
        jwks_url="http://127.0.0.1:9/certs",
        jwks_timeout_seconds=0.5,
    )
    try:
        response = h.client.get("/v1/me/cases", headers=h.bearer(h.token("someone", "resident")))
        assert response.status_code == 503
        assert response.json()["error"] == "unavailable"
    finally:
        h.__exit__(None, None, None)


def test_without_a_jwks_url_or_the_dev_provider_the_service_refuses_to_start(
    tmp_path: Path, dev_key_pem: Path, sqlite_url: str
) -> None:
    with pytest.raises(ConfigurationError, match="ASKCITY_JWKS_URL"):
        start_harness(tmp_path, dev_key_pem, sqlite_url, dev_identity=False)
