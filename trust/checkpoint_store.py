"""Where checkpoints live: an append-only JSON-lines file, and the Ed25519 key files that sign them.

The file is only ever appended to (`O_APPEND`, one `write` per line, then `fsync`); its last line is
the latest checkpoint. Appending is also what an attacker can do, so `verified_latest` (what
`audit verify` trusts) reads every line: each must be a checkpoint of the chain signed by the key,
and follow the line before it (`audit_chain.check_succession`: `seq` and time never go back). A
genuine older line appended again is refused, not taken for the latest. That costs about 0.1 ms a
line (one Ed25519 verification): a year of one checkpoint a minute is about a minute.

Writers of one file serialise through an advisory lock on `<file>.lock`, so two processes never
append for the same head. Keep the file where the database's users cannot write (another host, a
volume mounted append-only, a log shipper): it is only as trustworthy as that place.

Key files are PEM: PKCS#8 for the private (signing) key, created once with mode 0600; verifying
takes either the private key file or a SubjectPublicKeyInfo PEM of the public key.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from trust.audit_chain import Checkpoint, check_succession, parse_checkpoint, verify_checkpoint
from trust.errors import CheckpointError, KeyFileError

_TAIL_BLOCK = 4096


class CheckpointFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.is_file()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the writers' advisory lock (read the last line, decide, append, then release)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def append(self, checkpoint: Checkpoint) -> None:
        line = (checkpoint.to_line() + "\n").encode("ascii")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def lines(self) -> Iterator[tuple[int, str]]:
        """Every non-blank line with its number (from 1); nothing when the file is missing."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise CheckpointError(f"cannot read the checkpoint file ({type(exc).__name__})") from exc
        with handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    yield number, raw.rstrip(b"\r\n").decode("utf-8")
                except UnicodeDecodeError:
                    raise CheckpointError(f"line {number} is not UTF-8") from None

    def verified_latest(self, public_key: Ed25519PublicKey, chain: str) -> Checkpoint | None:
        """The latest checkpoint after checking every line: each parses, belongs to `chain`, is signed
        by `public_key` and follows the line before it (`check_succession`), so the last line is the
        newest and has the highest `seq`. None when the file is missing or empty; CheckpointError
        naming the first line that fails."""
        latest: Checkpoint | None = None
        for number, line in self.lines():
            try:
                checkpoint = parse_checkpoint(line)
                verify_checkpoint(checkpoint, public_key, chain)
                if latest is not None:
                    check_succession(latest, checkpoint)
            except CheckpointError as exc:
                raise CheckpointError(f"line {number}: {exc}") from None
            latest = checkpoint
        return latest

    def last(self) -> Checkpoint | None:
        """The last line's checkpoint, unverified; None when the file is missing or empty. Cheap (it
        reads the file's tail), for the writer and the metrics; `verified_latest` is what to trust.

        CheckpointError when the last line is not a checkpoint: a file that ends in garbage has
        been written by someone else, and an earlier line must not silently take its place."""
        line = self._last_line()
        return None if line is None else parse_checkpoint(line)

    def _last_line(self) -> str | None:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CheckpointError(f"cannot read the checkpoint file ({type(exc).__name__})") from exc
        with handle:
            end = handle.seek(0, os.SEEK_END)
            tail, position = b"", end
            while position > 0:
                position = max(0, position - _TAIL_BLOCK)
                handle.seek(position)
                tail = handle.read(min(_TAIL_BLOCK, end - position)) + tail
                stripped = tail.rstrip(b"\r\n\t ")
                if b"\n" in stripped or position == 0:
                    break
        text = tail.rstrip(b"\r\n\t ").rsplit(b"\n", 1)[-1]
        if not text:
            return None
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("the last checkpoint line is not UTF-8") from None


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


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"no key file at {path}") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read the key file {path} ({type(exc).__name__})") from None


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} does not hold an Ed25519 key")
    return key


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_once(path, pem)
    return load_signing_key(path)


def load_verify_key(path: Path) -> Ed25519PublicKey:
    """The public key from a public-key PEM, or the public half of a private-key PEM."""
    data = _read(path)
    if b"PRIVATE KEY" in data:
        return load_signing_key(path).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path} does not hold an Ed25519 key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
