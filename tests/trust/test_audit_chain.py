"""Hash chains and signed checkpoints, without a database."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trust.audit_chain import (
    GENESIS_HASH,
    ChainLink,
    Checkpoint,
    canonical_json,
    chain_hash,
    check_succession,
    parse_checkpoint,
    sign_checkpoint,
    verify_checkpoint,
    walk_chain,
)
from trust.errors import CheckpointError

AT = datetime(2025, 1, 9, 14, 30, 0, 123456, tzinfo=UTC)


def _chain(n: int) -> list[ChainLink]:
    links, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        content = {"seq": seq, "who": f"user-{seq}", "what": "read_case"}
        row_hash = chain_hash(content, prev)
        links.append(ChainLink(seq, prev, row_hash, content, row_id=100 + seq))
        prev = row_hash
    return links


def test_canonical_json_is_sorted_compact_ascii() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == b'{"a":"\\u00e9","b":1}'


def test_an_intact_chain_walks_to_its_head_and_sees_a_recorded_hash() -> None:
    links = _chain(5)
    walk = walk_chain(links, anchor=links[2].row_hash, pins={4: links[3].row_hash})
    assert (walk.last_seq, walk.head_hash, walk.first_bad) == (5, links[-1].row_hash, None)
    assert walk.anchor_seen is True
    assert walk_chain(links, anchor="f" * 64).anchor_seen is False


def _edited(links: list[ChainLink]) -> list[ChainLink]:
    return [*links[:2], replace(links[2], content={**links[2].content, "what": "nothing"}), *links[3:]]


def _deleted(links: list[ChainLink]) -> list[ChainLink]:
    return [*links[:2], *links[3:]]


def _relinked(links: list[ChainLink]) -> list[ChainLink]:
    forged = replace(links[3], seq=3)
    return [*links[:2], forged]


BREAKS = {
    "edited content": (_edited, 103, "content does not match its hash"),
    "deleted row": (_deleted, 104, "expected sequence number 3"),
    "row moved into a gap": (_relinked, 104, "does not follow"),
}


@pytest.mark.parametrize("name", list(BREAKS))
def test_the_first_broken_row_is_named(name: str) -> None:
    damage, row_id, reason = BREAKS[name]
    bad = walk_chain(damage(_chain(5))).first_bad
    assert bad is not None and bad.row_id == row_id and reason in bad.reason


def test_a_consistently_rewritten_chain_fails_at_a_pinned_position() -> None:
    original = _chain(5)
    rewritten, prev = [], GENESIS_HASH
    for link in original:
        content = {**link.content, "who": "someone else"} if link.seq == 2 else link.content
        row_hash = chain_hash(content, prev)
        rewritten.append(ChainLink(link.seq, prev, row_hash, content, link.row_id))
        prev = row_hash
    assert walk_chain(rewritten).first_bad is None
    bad = walk_chain(rewritten, pins={4: original[3].row_hash}).first_bad
    assert bad is not None and bad.seq == 4 and "checkpoint" in bad.reason


def test_a_walk_can_start_from_a_checkpoint() -> None:
    links = _chain(6)
    walk = walk_chain(links[3:], start_seq=3, start_hash=links[2].row_hash)
    assert (walk.last_seq, walk.first_bad) == (6, None)
    wrong_start = walk_chain(links[3:], start_seq=3, start_hash=links[1].row_hash)
    assert wrong_start.first_bad is not None and wrong_start.first_bad.seq == 4


def test_a_checkpoint_line_round_trips_and_verifies() -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = sign_checkpoint(key, "records-audit", 42, "a" * 64, AT)
    line = checkpoint.to_line()
    assert "\n" not in line and '"seq":42' in line
    parsed = parse_checkpoint(line)
    assert parsed == checkpoint
    verify_checkpoint(parsed, key.public_key(), "records-audit")


def test_a_checkpoint_with_any_member_changed_does_not_verify() -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = sign_checkpoint(key, "records-audit", 42, "a" * 64, AT)
    for changed in (
        replace(checkpoint, seq=41),
        replace(checkpoint, head_hash="b" * 64),
        replace(checkpoint, at=AT.replace(second=1)),
    ):
        with pytest.raises(CheckpointError, match="does not verify"):
            verify_checkpoint(parse_checkpoint(changed.to_line()), key.public_key(), "records-audit")


def test_a_checkpoint_of_another_key_or_chain_is_refused() -> None:
    key, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    forged = sign_checkpoint(stranger, "records-audit", 1, "a" * 64, AT)
    with pytest.raises(CheckpointError, match="another key"):
        verify_checkpoint(forged, key.public_key(), "records-audit")
    # a forger who copies the real key id still cannot make the signature verify
    with pytest.raises(CheckpointError, match="does not verify"):
        copied_kid = replace(forged, kid=sign_checkpoint(key, "x", 0, "a" * 64, AT).kid)
        verify_checkpoint(copied_kid, key.public_key(), "records-audit")
    other_chain = sign_checkpoint(key, "bot-audit", 1, "a" * 64, AT)
    with pytest.raises(CheckpointError, match="chain"):
        verify_checkpoint(other_chain, key.public_key(), "records-audit")


GOOD_LINE = {
    "v": 1,
    "chain": "records-audit",
    "seq": 1,
    "head": "a" * 64,
    "at": "2025-01-09T14:30:00.000000Z",
}


@pytest.mark.parametrize(
    "line",
    [
        "",
        "not json",
        "[]",
        json.dumps({**GOOD_LINE, "v": 2, "kid": "k", "sig": "s"}),
        json.dumps({**GOOD_LINE, "seq": -1, "kid": "k", "sig": "s"}),
        json.dumps({**GOOD_LINE, "seq": True, "kid": "k", "sig": "s"}),
        json.dumps({**GOOD_LINE, "head": "nothex", "kid": "k", "sig": "s"}),
        json.dumps({**GOOD_LINE, "at": "yesterday", "kid": "k", "sig": "s"}),
        json.dumps(GOOD_LINE),  # unsigned
    ],
)
def test_lines_that_are_not_checkpoints_are_refused_clearly(line: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(line)
    assert parse_checkpoint(json.dumps({**GOOD_LINE, "kid": "k", "sig": "s"})).seq == 1


KEY = Ed25519PrivateKey.generate()


def _at(seq: int, minute: int, head: str | None = None) -> Checkpoint:
    return sign_checkpoint(KEY, "records-audit", seq, head or f"{seq:064x}", AT + timedelta(minutes=minute))


SUCCESSIONS = {
    # name: (earlier, later, refused because ...)
    "seq and time move on": (_at(5, 1), _at(9, 2), None),
    "the same checkpoint again": (_at(5, 1), _at(5, 1), None),
    "seq goes back (an older checkpoint appended again)": (_at(9, 2), _at(0, 0), "sequence numbers"),
    "seq goes back, time moves on": (_at(9, 2), _at(5, 3), "sequence numbers"),
    "time goes back, seq moves on": (_at(5, 2), _at(9, 1), "times never go back"),
    "two heads at one seq": (_at(5, 1), _at(5, 2, "b" * 64), "different heads"),
}


@pytest.mark.parametrize("name", sorted(SUCCESSIONS))
def test_a_checkpoint_may_follow_another_only_forward(name: str) -> None:
    earlier, later, refused = SUCCESSIONS[name]
    if refused is None:
        check_succession(earlier, later)
    else:
        with pytest.raises(CheckpointError, match=refused):
            check_succession(earlier, later)
