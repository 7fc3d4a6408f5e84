"""Signed checkpoints of the audit chain, written outside the database.

`AuditAnchor.checkpoint()` reads the committed head (`audit_head`), checks that every row since the
latest checkpoint extends it (links and hashes, `audit.walk_since`), then signs
`(seq, head hash, time)` with the Ed25519 key (which the database does not hold) and appends the
line to the checkpoint file (`trust.checkpoint_store`). So each checkpoint extends the one before:
if rows were edited, deleted or the chain rewritten since, it refuses to sign, raises
AuditIntegrityError and the caller logs an alarm, instead of blessing the damage.

When: at start-up (so a fresh service writes a checkpoint of the empty chain), from the background
maintenance thread once `every_rows` rows or `every_seconds` seconds have passed since the latest
checkpoint (never inside a resident's request), at shutdown, and by `askcity audit checkpoint`.
Rows appended after the latest checkpoint are covered only by the hash chain until the next one.
The service logs each checkpoint it writes (`records.audit.checkpoint`, with the signature), so a
log shipper keeps a second copy elsewhere.

Which checkpoint counts: `latest_checkpoint` (what `askcity audit verify` uses) checks every line of
the file, its signature and that `seq` and time never go back along the file, and returns the last,
newest one; a genuine older line appended again (the signed checkpoint of the empty chain, after the
chain was emptied) is reported, never trusted. The writer, on every tick, reads only the last line
(checked against the key) and refuses to go on when it is behind the newest checkpoint this process
has already seen or written; each checkpoint it signs is timed no earlier than the one before it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session, sessionmaker

from records_api.audit import HEAD_ID, walk_since
from records_api.errors import AuditIntegrityError
from records_api.models import AuditHead, utcnow
from trust.audit_chain import (
    GENESIS_HASH,
    Checkpoint,
    check_succession,
    sign_checkpoint,
    verify_checkpoint,
)
from trust.checkpoint_store import CheckpointFile
from trust.errors import CheckpointError

CHAIN_NAME = "records-audit"


def latest_checkpoint(store: CheckpointFile, public_key: Ed25519PublicKey) -> Checkpoint | None:
    """The newest checkpoint, after checking every line of the file (signature, chain, `seq` and time
    never going back); AuditIntegrityError naming the first line that fails."""
    try:
        return store.verified_latest(public_key, CHAIN_NAME)
    except CheckpointError as exc:
        raise AuditIntegrityError(f"the checkpoint file {store.path} is not valid: {exc}") from exc


def last_checkpoint(store: CheckpointFile, public_key: Ed25519PublicKey) -> Checkpoint | None:
    """The last line only, checked against the key (cheap, for the writer's every tick)."""
    try:
        checkpoint = store.last()
        if checkpoint is not None:
            verify_checkpoint(checkpoint, public_key, CHAIN_NAME)
    except CheckpointError as exc:
        raise AuditIntegrityError(f"the latest checkpoint in {store.path} is not valid: {exc}") from exc
    return checkpoint


class AuditAnchor:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        signing_key: Ed25519PrivateKey,
        store: CheckpointFile,
        every_rows: int,
        every_seconds: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._key = signing_key
        self.store = store
        self._every_rows = every_rows
        self._every_seconds = every_seconds
        self._clock = clock
        self._seen: Checkpoint | None = None  # the newest checkpoint this process read or wrote

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def _due(self, last: Checkpoint, head_seq: int) -> bool:
        elapsed = (self._clock() - last.at).total_seconds()
        return head_seq - last.seq >= self._every_rows or elapsed >= self._every_seconds

    def _last(self) -> Checkpoint | None:
        """The file's last checkpoint, which must not be behind one this process has already seen."""
        last = last_checkpoint(self.store, self.public_key)
        seen = self._seen
        if seen is not None:
            if last is None:
                raise AuditIntegrityError(
                    f"the checkpoint file {self.store.path} is gone or empty, but held seq {seen.seq}"
                )
            try:
                check_succession(seen, last)
            except CheckpointError as exc:
                raise AuditIntegrityError(f"the checkpoint file {self.store.path} went back: {exc}") from exc
        self._seen = last
        return last

    def checkpoint(self, force: bool = False) -> Checkpoint | None:
        """Sign and append the current head if it moved (and is due, unless `force`); the new
        checkpoint, or None when there was nothing to do."""
        with self.store.locked():
            last = self._last()
            with self._sessions() as session:
                head = session.get(AuditHead, HEAD_ID, populate_existing=True)
                if head is None:
                    raise AuditIntegrityError("the audit_head row is missing")
                since_seq, since_hash = (last.seq, last.head_hash) if last else (0, GENESIS_HASH)
                if last is not None:
                    if head.seq < last.seq:
                        raise AuditIntegrityError(
                            f"the chain head is at seq {head.seq}, behind the checkpoint at seq {last.seq}"
                        )
                    if head.seq == last.seq:
                        if head.row_hash != last.head_hash:
                            problem = f"the head at seq {head.seq} is not the one checkpointed there"
                            raise AuditIntegrityError(problem)
                        return None
                    if not force and not self._due(last, head.seq):
                        return None
                walk = walk_since(session, since_seq, since_hash, head.seq)
                if walk.first_bad is not None:
                    bad = walk.first_bad
                    raise AuditIntegrityError(f"seq {bad.seq} (row id {bad.row_id}): {bad.reason}")
                if (walk.last_seq, walk.head_hash) != (head.seq, head.row_hash):
                    raise AuditIntegrityError("the chain head does not match the last row")
                head_seq, head_hash = head.seq, head.row_hash
            now = self._clock() if last is None else max(self._clock(), last.at)  # time never goes back
            checkpoint = sign_checkpoint(self._key, CHAIN_NAME, head_seq, head_hash, now)
            self.store.append(checkpoint)
            self._seen = checkpoint
        return checkpoint
