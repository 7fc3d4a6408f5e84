"""A small OpenID Connect provider on the loopback interface, speaking the authorization-code flow with PKCE:
discovery, authorize, token (authorization_code and refresh_token), JWKS and end-session.

A real city issuer (Keycloak, Entra ID) cannot run here, so the tests talk to this one over real HTTP,
as the bot talks to any issuer. It checks what a real one checks (registered client and redirect URI,
S256 challenge against the verifier, one-time codes, client authentication) and records what it was sent.
Whoever `user` names is "already signed in at the issuer"; `deny_next` makes it refuse the next login.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "askcity-staff"
AUDIENCE = "askcity-records"


@dataclass
class OidcProvider:
    host: str = "localhost"
    client_secret: str | None = None
    access_ttl: int = 300
    user: dict[str, Any] = field(
        default_factory=lambda: {"sub": "oidc-agent-1", "role": "agent", "name": "Olivia Agent"}
    )
    deny_next: bool = False
    id_token_nonce: str | None = None  # when set, ID tokens carry this nonce instead of the login's
    issue_refresh_tokens: bool = True
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    logouts: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.kid = "oidc-test-key"
        self.codes: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://{self.host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> OidcProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def tokens_for(self, user: dict[str, Any], nonce: str | None) -> dict[str, Any]:
        now = int(time.time())
        base = {"sub": user["sub"], "iss": self.issuer, "iat": now, "nbf": now}
        access = {**base, **user, "aud": AUDIENCE, "exp": now + self.access_ttl}
        body: dict[str, Any] = {
            "access_token": self.sign(access),
            "token_type": "Bearer",
            "expires_in": self.access_ttl,
        }
        if nonce is not None:
            body["id_token"] = self.sign(
                {
                    **base,
                    "aud": CLIENT_ID,
                    "exp": now + 300,
                    "nonce": self.id_token_nonce or nonce,
                    "name": user.get("name"),
                }
            )
        if self.issue_refresh_tokens:
            refresh = secrets.token_urlsafe(24)
            self.refresh_tokens[refresh] = dict(user)
            body["refresh_token"] = refresh
        return body

    def _discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def _authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.authorize_requests.append(query)
        redirect = query.get("redirect_uri", "")
        valid = (
            query.get("response_type") == "code"
            and query.get("client_id") == CLIENT_ID
            and urlsplit(redirect).path == "/staff/auth/callback"
            and query.get("code_challenge_method") == "S256"
            and len(query.get("code_challenge", "")) == 43
            and query.get("state")
            and query.get("nonce")
        )
        if not valid:
            return 400, {"Content-Type": "text/plain"}, b"invalid authorization request"
        if self.deny_next:
            self.deny_next = False
            params = {"error": "access_denied", "state": query["state"]}
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {**query, "user": dict(self.user)}
            params = {"code": code, "state": query["state"]}
        return 302, {"Location": f"{redirect}?{urlencode(params)}"}, b""

    def _client_ok(self, form: dict[str, str], authorization: str | None) -> bool:
        if self.client_secret is None:
            return form.get("client_id") == CLIENT_ID
        expected = base64.b64encode(f"{CLIENT_ID}:{self.client_secret}".encode()).decode()
        return authorization == f"Basic {expected}"

    def _token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        if not self._client_ok(form, authorization):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") == "refresh_token":
            user = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if user is None:
                return 400, {"error": "invalid_grant"}
            current = self.user if self.user["sub"] == user["sub"] else user  # roles changed meanwhile
            return 200, self.tokens_for(current, None)
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        if challenge != grant["code_challenge"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        return 200, self.tokens_for(grant["user"], grant["nonce"])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                self._send(status, {"Content-Type": "application/json"}, json.dumps(body).encode())

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._json(200, provider._discovery())
                elif parts.path == "/jwks":
                    jwk = RSAAlgorithm.to_jwk(provider.key.public_key(), as_dict=True)
                    self._json(200, {"keys": [{**jwk, "kid": provider.kid, "alg": "RS256", "use": "sig"}]})
                elif parts.path == "/authorize":
                    self._send(*provider._authorize(query))
                elif parts.path == "/logout":
                    provider.logouts.append(query)
                    self._send(302, {"Location": query.get("post_logout_redirect_uri", "/")}, b"")
                else:
                    self._send(404, {}, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path != "/token":
                    self._send(404, {}, b"")
                    return
                self._json(*provider._token(form, self.headers.get("Authorization")))

            def log_message(self, *args: object) -> None:
                return

        return Handler
