"""Encryption at rest for resident fields, and keyed lookup hashes.

A field is stored as `0x01 || nonce(12) || AES-256-GCM(plaintext)`. The associated data binds
each ciphertext to its column and its resident (`"resident.national_id:<resident uuid>"`), so a
ciphertext copied into another row or column no longer decrypts. Fields that must be found by
value (national id, email) also get an HMAC-SHA256 column over a normalised form; the HMAC key is
separate from the encryption key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from records_api.errors import KeyMaterialError

_VERSION = b"\x01"
_NONCE_BYTES = 12


class FieldCipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, context: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return _VERSION + nonce + sealed

    def decrypt(self, blob: bytes, context: str) -> str:
        if blob[:1] != _VERSION or len(blob) < 1 + _NONCE_BYTES + 16:
            raise KeyMaterialError("unknown ciphertext format")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            plain = self._aead.decrypt(nonce, sealed, context.encode("utf-8"))
        except InvalidTag as exc:
            raise KeyMaterialError(f"ciphertext for {context.split(':')[0]} does not verify") from exc
        return plain.decode("utf-8")


def normalise_identifier(value: str) -> str:
    """Upper-case letters and digits only: `123-45 6789` and `123456789` hash alike."""
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


class LookupHasher:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the HMAC key needs at least 32 bytes")
        self._key = key

    def digest(self, purpose: str, value: str) -> str:
        message = f"{purpose}\x00{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def national_id(self, value: str) -> str:
        return self.digest("national_id", normalise_identifier(value))

    def email(self, value: str) -> str:
        return self.digest("email", value.strip().lower())
