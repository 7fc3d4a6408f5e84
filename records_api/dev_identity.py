"""The dev identity provider: local accounts, RS256 tokens and a JWKS, for demos and tests only.

Mounted only when `ASKCITY_DEV_IDENTITY=1`. Its key material lives in the data dir, created once
with mode 0600, so tokens and demo passwords survive restarts:

- `records-dev-signing-key.pem`: the RSA-2048 signing key; its `kid` is the RFC 7638 thumbprint.
- `records-dev-password-seed`: 32 random bytes. A demo account's password is
  HMAC-SHA256(seed, username), shown as `xxxx-xxxx-xxxx-xxxx`. The database holds only argon2
  hashes; `demo-users` recomputes the passwords from the seed, so no plaintext is stored anywhere,
  and the passwords differ on every machine (the seed is random, not published).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select
from sqlalchemy.orm import Session

from records_api.enums import Role
from records_api.errors import InvalidCredentialsError
from records_api.models import DevUser, utcnow

KEY_FILE = "records-dev-signing-key.pem"
SEED_FILE = "records-dev-password-seed"


def _write_once(path: Path, data: bytes) -> None:
    """Create `path` (0600) atomically unless it exists; concurrent creators agree on one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_or_create_private_key(data_dir: Path) -> rsa.RSAPrivateKey:
    path = data_dir / KEY_FILE
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_once(path, pem)
    # We generated this key and only we can write the file (0600): the slow RSA consistency check
    # (~0.1 s) guards against nothing here; whoever can replace the file can already sign tokens.
    loaded = serialization.load_pem_private_key(
        path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA key")
    return loaded


def load_or_create_password_seed(data_dir: Path) -> bytes:
    path = data_dir / SEED_FILE
    if not path.exists():
        _write_once(path, secrets.token_bytes(32))
    return path.read_bytes()


def demo_password(seed: bytes, username: str) -> str:
    digest = hmac.new(seed, f"askcity-demo-password\x00{username}".encode(), hashlib.sha256)
    text = base64.b32encode(digest.digest()).decode("ascii").lower()[:16]
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def password_hasher() -> PasswordHasher:
    """argon2id at OWASP's minimum (19 MiB, t=2): dev accounts, not a bank."""
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def public_jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    members = {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}
    thumb = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    kid = base64.urlsafe_b64encode(thumb.digest()).rstrip(b"=").decode("ascii")
    return {**members, "kid": kid, "alg": "RS256", "use": "sig"}


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    role: Role


class DevIdentityProvider:
    def __init__(
        self,
        private_key: rsa.RSAPrivateKey,
        issuer: str,
        audience: str,
        token_ttl_seconds: int,
    ) -> None:
        self._key = private_key
        self._jwk = public_jwk(private_key)
        self.issuer = issuer
        self.audience = audience
        self.token_ttl = token_ttl_seconds
        self._hasher = password_hasher()
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    @property
    def kid(self) -> str:
        return self._jwk["kid"]

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [dict(self._jwk)]}

    def issue(self, subject: str, role: Role, now: datetime | None = None) -> IssuedToken:
        issued = now or utcnow()
        claims = {
            "sub": subject,
            "role": role.value,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": int(issued.timestamp()),
            "nbf": int(issued.timestamp()),
            "exp": int((issued + timedelta(seconds=self.token_ttl)).timestamp()),
            "jti": secrets.token_urlsafe(12),
        }
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
        return IssuedToken(access_token=token, expires_in=self.token_ttl, role=role)

    def hash_password(self, password: str) -> str:
        return self._hasher.hash(password)

    def authenticate(self, session: Session, username: str, password: str) -> DevUser:
        """The account, or InvalidCredentialsError; unknown users cost the same argon2 work."""
        user = session.scalars(select(DevUser).where(DevUser.username == username)).first()
        stored = user.password_hash if user else self._dummy_hash
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError) as exc:
            raise InvalidCredentialsError("bad username or password") from exc
        if user is None:
            raise InvalidCredentialsError("bad username or password")
        return user
