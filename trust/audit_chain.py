"""Hash-chained audit rows and signed checkpoints that anchor a chain outside its database.

A row's hash is `SHA-256(canonical JSON of its content || prev_hash)`, row 1 following 64 zeros.
`walk_chain` checks a sequence of rows and names the first that breaks (sequence gap, a link that
does not follow, content that does not match its hash, a checkpointed position that holds another
hash).

The hash is unkeyed, so whoever can write the database can rewrite a whole chain consistently, or
delete it and reset its head. A **checkpoint** closes that gap: `(chain, seq, head hash, time)`,
signed with an Ed25519 key that the database does not hold and appended as one JSON line to a
file kept elsewhere. A chain that no longer holds the checkpointed hash at the checkpointed
sequence number, or that is shorter than a checkpoint says it was, has been tampered with.

A checkpoint line (keys sorted, one line, UTF-8):

    {"at":"2025-01-09T14:30:00.123456Z","chain":"records-audit","head":"<64 hex>",
     "kid":"<16 hex>","seq":1234,"sig":"<base64url Ed25519 signature>","v":1}

`sig` signs the canonical JSON of every other member; `kid` is the first 16 hex digits of the
SHA-256 of the raw public key. File and key handling are in `trust.checkpoint_store`.

Each line of a file must follow the one before it (`check_succession`): its `seq` and its time never
go back, and one `seq` never records two heads. A genuine signed line appended again later (a
replay: the checkpoint of the empty chain after the chain was emptied) is therefore refused, not
taken for the latest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from trust.errors import CheckpointError

GENESIS_HASH = "0" * 64
CHECKPOINT_VERSION = 1
_HEX = frozenset("0123456789abcdef")


def canonical_json(content: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, ASCII only: the bytes that are hashed or signed."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def chain_hash(content: Mapping[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical_json(content) + prev_hash.encode("ascii")).hexdigest()


def is_hash(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def timestamp_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---- walking a chain ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainLink:
    """One stored row, as the walk sees it. `row_id` only names the row in a report."""

    seq: int
    prev_hash: str
    row_hash: str
    content: Mapping[str, Any]
    row_id: int | None = None


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None
    row_id: int | None
    reason: str


@dataclass(frozen=True)
class ChainWalk:
    last_seq: int
    head_hash: str
    first_bad: ChainBreak | None
    anchor_seen: bool = False


def walk_chain(
    links: Iterable[ChainLink],
    start_seq: int = 0,
    start_hash: str = GENESIS_HASH,
    pins: Mapping[int, str] | None = None,
    anchor: str | None = None,
) -> ChainWalk:
    """Check rows `start_seq + 1, start_seq + 2, ...` in order, following `start_hash`.

    `pins` maps sequence numbers to the hash their row must carry (a checkpoint); `anchor` is a hash
    that some row must carry (`anchor_seen` says whether one did). Stops at the first broken row.
    """
    pinned_at = dict(pins or {})
    seq, prev = start_seq, start_hash
    seen = anchor is None or anchor == start_hash
    if pinned_at.get(start_seq, start_hash) != start_hash:
        return ChainWalk(seq, prev, ChainBreak(start_seq, None, "does not carry the checkpointed hash"))
    for link in links:
        expected = seq + 1
        if link.seq != expected:
            reason = f"expected sequence number {expected}, found {link.seq}"
            return ChainWalk(seq, prev, ChainBreak(link.seq, link.row_id, reason), seen)
        if link.prev_hash != prev:
            reason = "does not follow the row before it (a row was deleted, inserted or moved)"
            return ChainWalk(seq, prev, ChainBreak(link.seq, link.row_id, reason), seen)
        if chain_hash(link.content, prev) != link.row_hash:
            reason = "content does not match its hash"
            return ChainWalk(seq, prev, ChainBreak(link.seq, link.row_id, reason), seen)
        pinned = pinned_at.get(link.seq)
        if pinned is not None and pinned != link.row_hash:
            reason = "does not carry the hash a signed checkpoint recorded for it (the chain was rewritten)"
            return ChainWalk(seq, prev, ChainBreak(link.seq, link.row_id, reason), seen)
        seq, prev = link.seq, link.row_hash
        seen = seen or prev == anchor
    return ChainWalk(seq, prev, None, seen)


# ---- checkpoints -------------------------------------------------------------------------------


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    seq: int
    head_hash: str
    at: datetime
    kid: str
    signature: str

    def signed_content(self) -> dict[str, Any]:
        return {
            "v": CHECKPOINT_VERSION,
            "chain": self.chain,
            "seq": self.seq,
            "head": self.head_hash,
            "at": timestamp_text(self.at),
            "kid": self.kid,
        }

    def to_line(self) -> str:
        return canonical_json({**self.signed_content(), "sig": self.signature}).decode("ascii")


def sign_checkpoint(key: Ed25519PrivateKey, chain: str, seq: int, head_hash: str, at: datetime) -> Checkpoint:
    if seq < 0 or not is_hash(head_hash):
        raise CheckpointError("a checkpoint needs a sequence number >= 0 and a 64-hex head hash")
    unsigned = Checkpoint(chain, seq, head_hash, at.astimezone(UTC), key_id(key.public_key()), "")
    signature = key.sign(canonical_json(unsigned.signed_content()))
    text = base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii")
    return Checkpoint(unsigned.chain, seq, head_hash, unsigned.at, unsigned.kid, text)


def parse_checkpoint(line: str) -> Checkpoint:
    """A checkpoint from one line of a checkpoint file; CheckpointError when it is not one."""
    try:
        raw = json.loads(line)
    except ValueError:
        raise CheckpointError("a checkpoint line is not JSON") from None
    if not isinstance(raw, dict) or raw.get("v") != CHECKPOINT_VERSION:
        raise CheckpointError("a checkpoint line is not a version-1 checkpoint")
    chain, seq, head, at, kid, sig = (raw.get(k) for k in ("chain", "seq", "head", "at", "kid", "sig"))
    if not (isinstance(chain, str) and isinstance(kid, str) and isinstance(sig, str) and isinstance(at, str)):
        raise CheckpointError("a checkpoint line lacks chain, kid, sig or at")
    if type(seq) is not int or seq < 0 or not is_hash(head):
        raise CheckpointError("a checkpoint line has no valid seq or head")
    try:
        when = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        raise CheckpointError("a checkpoint line has no valid time") from None
    return Checkpoint(chain, seq, str(head), when, kid, sig)


def verify_checkpoint(checkpoint: Checkpoint, public_key: Ed25519PublicKey, chain: str) -> None:
    """Raise CheckpointError unless `checkpoint` belongs to `chain` and `public_key` signed it."""
    if checkpoint.chain != chain:
        raise CheckpointError(f"the checkpoint belongs to chain {checkpoint.chain[:40]!r}, not {chain!r}")
    if checkpoint.kid != key_id(public_key):
        raise CheckpointError("the checkpoint was signed by another key")
    try:
        signature = base64.urlsafe_b64decode(checkpoint.signature + "=" * (-len(checkpoint.signature) % 4))
        public_key.verify(signature, canonical_json(checkpoint.signed_content()))
    except (binascii.Error, ValueError, InvalidSignature):
        raise CheckpointError("the checkpoint's signature does not verify") from None


def check_succession(earlier: Checkpoint, later: Checkpoint) -> None:
    """Raise CheckpointError unless `later` may follow `earlier` in one file: its `seq` and time are
    not before `earlier`'s, and at the same `seq` it records the same head."""
    if later.seq < earlier.seq:
        raise CheckpointError(
            f"the checkpoint at seq {later.seq} follows one at seq {earlier.seq}: sequence numbers never go "
            "back (an older checkpoint appended again?)"
        )
    if later.at < earlier.at:
        raise CheckpointError(
            f"the checkpoint of {timestamp_text(later.at)} follows one of {timestamp_text(earlier.at)}: "
            "checkpoint times never go back (an older checkpoint appended again?)"
        )
    if later.seq == earlier.seq and later.head_hash != earlier.head_hash:
        raise CheckpointError(f"two checkpoints record different heads at seq {later.seq}")
