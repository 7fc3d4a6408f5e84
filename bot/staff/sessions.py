"""Server-side staff sessions: an opaque id in the browser's cookie, everything else on the server.

A session ends `idle_seconds` after its last use or `max_seconds` after sign-in, whichever comes first
(checked here against the session's own timestamps, so every store and every process agrees; the
store's expiry only collects what is left), or when its owner signs out.

Nothing usable is kept in the clear: a record is stored under SHA-256 of its id and sealed with
AES-256-GCM under a key derived (HKDF) from the id, which only the browser's cookie holds. Whoever
reads the store (a Redis dump, a replica) finds neither cookie values nor the staff member's bearer
token. Pending logins (OIDC state, nonce, PKCE verifier) are kept the same way under their `state`,
for `pending_seconds`, and can be taken once.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.staff.store import StaffStore
from trust.tokens import Role

_OPAQUE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_SESSION = b"askcity-staff-session-v1"
_PENDING = b"askcity-staff-login-v1"


def new_opaque_id() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def valid_opaque_id(value: str | None) -> bool:
    return bool(value) and bool(_OPAQUE.match(value or ""))


@dataclass(frozen=True)
class Tokens:
    """What the identity provider gave at sign-in (or at the last refresh)."""

    access_token: str
    expires_at: int
    refresh_token: str | None = None
    id_token: str | None = None


@dataclass(frozen=True)
class StaffSession:
    subject: str
    role: Role
    name: str | None
    method: str  # "password" (dev identity provider) or "oidc"
    csrf_token: str
    created_at: float
    last_seen_at: float
    tokens: Tokens


@dataclass(frozen=True)
class PendingLogin:
    """An OIDC login between the redirect to the issuer and its callback."""

    nonce: str
    code_verifier: str
    browser_hash: str
    return_to: str
    created_at: float


class _Sealer:
    """The store key and the cipher of one record, both derived from its secret id."""

    def __init__(self, purpose: bytes, secret: str) -> None:
        raw = secret.encode("ascii")
        label = "s" if purpose == _SESSION else "p"
        self.key = f"{label}:{hashlib.sha256(purpose + b'|id|' + raw).hexdigest()}"
        self._aead = AESGCM(HKDF(SHA256(), 32, salt=None, info=purpose + b"|key").derive(raw))

    def seal(self, payload: dict[str, object]) -> bytes:
        nonce = os.urandom(12)
        data = json.dumps(payload, separators=(",", ":")).encode()
        return nonce + self._aead.encrypt(nonce, data, self.key.encode())

    def open(self, blob: bytes) -> dict[str, object] | None:
        try:
            data = self._aead.decrypt(blob[:12], blob[12:], self.key.encode())
            loaded = json.loads(data)
        except (InvalidTag, ValueError):
            return None
        return loaded if isinstance(loaded, dict) else None


def _session_from(data: dict[str, object]) -> StaffSession | None:
    try:
        tokens = data["tokens"]
        assert isinstance(tokens, dict)
        return StaffSession(
            subject=str(data["subject"]),
            role=Role(str(data["role"])),
            name=None if data["name"] is None else str(data["name"]),
            method=str(data["method"]),
            csrf_token=str(data["csrf_token"]),
            created_at=float(str(data["created_at"])),
            last_seen_at=float(str(data["last_seen_at"])),
            tokens=Tokens(**tokens),
        )
    except (KeyError, TypeError, ValueError, AssertionError):
        return None


class StaffSessions:
    def __init__(
        self,
        store: StaffStore,
        idle_seconds: int,
        max_seconds: int,
        pending_seconds: int = 600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if idle_seconds <= 0 or max_seconds <= 0:
            raise ValueError("session lifetimes must be positive")
        self.store = store
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds
        self.pending_seconds = pending_seconds
        self.clock = clock

    def ends_at(self, session: StaffSession) -> float:
        """When the session ends if it is not used again."""
        return min(session.last_seen_at + self.idle_seconds, session.created_at + self.max_seconds)

    def latest_end(self, session: StaffSession) -> float:
        """When the session ends however much it is used."""
        return session.created_at + self.max_seconds

    def start(
        self, subject: str, role: Role, name: str | None, method: str, tokens: Tokens
    ) -> tuple[str, StaffSession]:
        """A new session under a new id (never an id the browser had before: no fixation)."""
        now = self.clock()
        session = StaffSession(subject, role, name, method, new_opaque_id(), now, now, tokens)
        session_id = new_opaque_id()
        self._save(session_id, session)
        return session_id, session

    def load(self, session_id: str | None) -> StaffSession | None:
        """The live session, its idle timer restarted; None when unknown, ended or tampered with."""
        if session_id is None or not valid_opaque_id(session_id):
            return None
        sealer = _Sealer(_SESSION, session_id)
        blob = self.store.get(sealer.key)
        data = sealer.open(blob) if blob is not None else None
        session = _session_from(data) if data is not None else None
        if session is None:
            return None
        now = self.clock()
        if now >= self.ends_at(session):
            self.store.delete(sealer.key)
            return None
        touched = replace(session, last_seen_at=now)
        self._save(session_id, touched)
        return touched

    def update(self, session_id: str, session: StaffSession) -> None:
        """Store a changed session (refreshed tokens) under the same id."""
        self._save(session_id, session)

    def end(self, session_id: str | None) -> StaffSession | None:
        """Sign out: the record is deleted; what it held is returned (for the issuer's logout)."""
        if session_id is None or not valid_opaque_id(session_id):
            return None
        sealer = _Sealer(_SESSION, session_id)
        blob = self.store.take(sealer.key)
        data = sealer.open(blob) if blob is not None else None
        return _session_from(data) if data is not None else None

    def _save(self, session_id: str, session: StaffSession) -> None:
        sealer = _Sealer(_SESSION, session_id)
        ttl = math.ceil(self.ends_at(session) - self.clock()) + 5
        self.store.put(sealer.key, sealer.seal(asdict(session)), ttl)

    def hold(self, state: str, pending: PendingLogin) -> None:
        sealer = _Sealer(_PENDING, state)
        self.store.put(sealer.key, sealer.seal(asdict(pending)), self.pending_seconds)

    def claim(self, state: str | None) -> PendingLogin | None:
        """The pending login of `state`, once; None when unknown, used, expired or tampered with."""
        if state is None or not valid_opaque_id(state):
            return None
        sealer = _Sealer(_PENDING, state)
        blob = self.store.take(sealer.key)
        data = sealer.open(blob) if blob is not None else None
        if data is None:
            return None
        try:
            pending = PendingLogin(**data)  # type: ignore[arg-type]
        except TypeError:
            return None
        if self.clock() - pending.created_at > self.pending_seconds:
            return None
        return pending
