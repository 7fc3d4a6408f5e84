"""The real pieces behind the staff sign-in tests.

- `StaffStack`: the bot (real runtime over the sample knowledge base) whose staff sign-in points at the
  real records service's dev identity provider (`python -m records_api --seed-demo N`, a subprocess), and
  that provider's demo users and signing key, to mint real RS256 tokens (and expired, foreign-audience
  and tampered ones).
- `sign_in`: the login form as a browser fills it in (GET the page, POST the form with its token and an
  Origin header).
- `ServedApp` and `in_own_thread`: the app over real HTTP, and a thread for a Chromium scenario.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.runtime import Runtime
from bot.settings import BotSettings
from records_api.dev_identity import public_jwk
from tests.web_widget.harness import DemoUser, RecordsService

BASE_URL = "https://testserver"
ORIGIN = BASE_URL
DEV_ISSUER = "askcity-dev-identity"
DEV_AUDIENCE = "askcity-records"
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def hidden_fields(html: str) -> dict[str, str]:
    return dict(_HIDDEN.findall(html))


def tampered(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


@dataclass
class StaffStack:
    app: FastAPI
    runtime: Runtime
    settings: BotSettings
    records: RecordsService
    users: list[DemoUser]
    key: rsa.RSAPrivateKey
    clients: list[TestClient] = field(default_factory=list)

    @property
    def kid(self) -> str:
        return public_jwk(self.key)["kid"]

    def user(self, role: str) -> DemoUser:
        return next(u for u in self.users if u.role == role)

    def client(self) -> TestClient:
        """A new browser (own cookie jar) on the running app."""
        client = TestClient(self.app, base_url=BASE_URL, follow_redirects=False)
        self.clients.append(client)
        return client

    def token(self, role: str, subject: str | None = None, **overrides: Any) -> str:
        """A real token from the dev identity provider's key (what `/dev/token` would issue)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": subject or f"dev-{role}-token",
            "role": role,
            "iss": DEV_ISSUER,
            "aud": DEV_AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
        }
        claims.update(overrides)
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def bearer(self, identity: str) -> dict[str, str]:
        """Authorization for one identity of the route table."""
        now = int(time.time())
        tokens = {
            "expired": lambda: self.token("agent", iat=now - 7200, nbf=now - 7200, exp=now - 3600),
            "wrong_audience": lambda: self.token("supervisor", aud="some-other-service"),
            "tampered": lambda: tampered(self.token("resident"), role="supervisor"),
        }
        token = tokens[identity]() if identity in tokens else self.token(identity)
        return {"Authorization": f"Bearer {token}"}


def sign_in(client: TestClient, username: str, password: str, next_path: str = "") -> Any:
    """Fill in and send the login form; returns the POST's response."""
    page = client.get("/staff/login", params={"next": next_path} if next_path else None)
    assert page.status_code == 200, page.text
    fields = hidden_fields(page.text)
    form = {**fields, "username": username, "password": password}
    return client.post("/staff/login", data=form, headers={"Origin": ORIGIN})


def session_cookie(client: TestClient) -> str | None:
    return client.cookies.get("__Host-askcity-staff")


def csrf_token(stack: StaffStack, client: TestClient) -> str:
    """The session's CSRF token, as the staff pages embed it in their forms."""
    page = client.get("/staff")
    assert page.status_code == 200, page.text
    return hidden_fields(page.text)["csrf_token"]


def in_own_thread(scenario: Callable[[], None], timeout: float = 240) -> None:
    """Run a browser scenario in a thread of its own: Playwright's sync API allows one instance per
    thread, and the widget's browser tests keep theirs open in the main thread for the whole run."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            scenario()
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise AssertionError(f"the browser scenario did not finish in {timeout:.0f} s")
    if failures:
        raise failures[0]
