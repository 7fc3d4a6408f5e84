"""The checkpoint file (append-only JSON lines) and the Ed25519 key files, on a real filesystem."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from trust.audit_chain import sign_checkpoint, verify_checkpoint
from trust.checkpoint_store import (
    CheckpointFile,
    load_or_create_signing_key,
    load_signing_key,
    load_verify_key,
    public_key_pem,
)
from trust.errors import CheckpointError, KeyFileError

AT = datetime(2025, 1, 9, 14, 30, tzinfo=UTC)


def test_the_last_line_is_the_latest_checkpoint_however_long_the_file(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path / "key.pem")
    store = CheckpointFile(tmp_path / "checkpoints.jsonl")
    assert store.last() is None
    for seq in range(200):  # well past one 4 KiB tail block
        store.append(sign_checkpoint(key, "records-audit", seq, f"{seq:064x}", AT))
    last = store.last()
    assert last is not None and last.seq == 199
    verify_checkpoint(last, key.public_key(), "records-audit")
    assert len(store.path.read_text().splitlines()) == 200
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_a_file_that_ends_in_something_else_is_an_error_not_an_older_checkpoint(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path / "key.pem")
    store = CheckpointFile(tmp_path / "checkpoints.jsonl")
    store.append(sign_checkpoint(key, "records-audit", 1, "a" * 64, AT))
    with store.path.open("a") as handle:
        handle.write('{"v":1,"seq":0}\n')
    with pytest.raises(CheckpointError):
        store.last()


def test_writers_of_one_file_take_turns(tmp_path: Path) -> None:
    store = CheckpointFile(tmp_path / "checkpoints.jsonl")
    inside: list[int] = []
    overlaps: list[int] = []

    def writer(n: int) -> None:
        with store.locked():
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(n)
            inside.remove(n)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []


def test_a_signing_key_is_created_once_private_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.pem"
    first = load_or_create_signing_key(path)
    again = load_or_create_signing_key(path)
    assert public_key_pem(first.public_key()) == public_key_pem(again.public_key())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = tmp_path / "audit.pub.pem"
    public.write_text(public_key_pem(first.public_key()))
    assert public_key_pem(load_verify_key(public)) == public_key_pem(load_verify_key(path))


def test_key_files_that_are_missing_or_of_another_kind_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="no key file"):
        load_signing_key(tmp_path / "absent.pem")
    rsa_pem = tmp_path / "rsa.pem"
    rsa_pem.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
    )
    with pytest.raises(KeyFileError, match="Ed25519"):
        load_signing_key(rsa_pem)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("hello")
    for loader in (load_signing_key, load_verify_key):
        with pytest.raises(KeyFileError):
            loader(garbage)  # type: ignore[operator]
