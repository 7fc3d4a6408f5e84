"""The checkpoint file (append-only JSON lines) and the Ed25519 key files, on a real filesystem."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, datetime, timedelta
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


CHAIN = "records-audit"


def _history(tmp_path: Path, seqs: list[int]) -> tuple[CheckpointFile, list[str]]:
    """A file of genuine checkpoints, one a minute; its lines."""
    key = load_or_create_signing_key(tmp_path / "key.pem")
    store = CheckpointFile(tmp_path / "checkpoints.jsonl")
    for minute, seq in enumerate(seqs):
        store.append(sign_checkpoint(key, CHAIN, seq, f"{seq:064x}", AT + timedelta(minutes=minute)))
    return store, store.path.read_text().splitlines()


def _stranger_line(tmp_path: Path, seq: int, minute: int) -> str:
    stranger = load_or_create_signing_key(tmp_path / "stranger.pem")
    return sign_checkpoint(stranger, CHAIN, seq, f"{seq:064x}", AT + timedelta(minutes=minute)).to_line()


# What is appended to a file of genuine checkpoints at seq 0, 5, 9 (minutes 0, 1, 2): refused, and why.
APPENDED = {
    "the first line again (the pen test: a replayed checkpoint of the empty chain)": (
        lambda lines, tmp: lines[0],
        "line 4: .*sequence numbers never go back",
    ),
    "an older middle line again": (lambda lines, tmp: lines[1], "line 4: .*sequence numbers never go back"),
    "a higher seq signed by another key": (
        lambda lines, tmp: _stranger_line(tmp, 20, 3),
        "line 4: .*another key",
    ),
    "a line that is not a checkpoint": (lambda lines, tmp: '{"v":1,"seq":0}', "line 4: "),
}


@pytest.mark.parametrize("name", sorted(APPENDED))
def test_every_line_is_checked_so_an_appended_older_or_foreign_line_is_refused(
    tmp_path: Path, name: str
) -> None:
    store, lines = _history(tmp_path, [0, 5, 9])
    key = load_signing_key(tmp_path / "key.pem")
    latest = store.verified_latest(key.public_key(), CHAIN)
    assert latest is not None and latest.seq == 9
    make, refused = APPENDED[name]
    with store.path.open("a") as handle:
        handle.write(make(lines, tmp_path) + "\n")
    with pytest.raises(CheckpointError, match=refused):
        store.verified_latest(key.public_key(), CHAIN)


def test_a_bad_line_in_the_middle_is_refused_even_when_the_last_line_is_good(tmp_path: Path) -> None:
    store, lines = _history(tmp_path, [0, 5, 9])
    key = load_signing_key(tmp_path / "key.pem")
    variants = {
        "another key's line": _stranger_line(tmp_path, 7, 1),
        "a line from the future": lines[2].replace('"seq":9', '"seq":99'),  # its signature fails
        "garbage": "{not a checkpoint",
        "time going back": sign_checkpoint(key, CHAIN, 6, "6" * 64, AT - timedelta(days=1)).to_line(),
    }
    for name, middle in variants.items():
        store.path.write_text("\n".join([lines[0], lines[1], middle, lines[2]]) + "\n")
        with pytest.raises(CheckpointError, match="line 3: "):
            store.verified_latest(key.public_key(), CHAIN)
        assert store.last() is not None, name  # the last line alone looks fine


def test_a_well_formed_history_gives_its_newest_checkpoint(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path / "key.pem")
    empty = CheckpointFile(tmp_path / "none.jsonl")
    assert empty.verified_latest(key.public_key(), CHAIN) is None
    store, lines = _history(tmp_path, [0, 5, 9])
    store.path.write_text("\n".join([lines[0], "", lines[1], lines[2], lines[2]]) + "\n\n")  # blank, repeat
    latest = store.verified_latest(key.public_key(), CHAIN)
    assert latest is not None and (latest.seq, latest.at) == (9, AT + timedelta(minutes=2))


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
