"""Signed checkpoints anchor the audit chain outside the database: deleting, truncating or rewriting
the chain is reported against them, and the service never signs a damaged chain (issue 11 §6)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from records_harness import Harness
from sqlalchemy import select, text, update
from structlog.testing import capture_logs

from records_api.audit import ChainReport, row_digest, verify_chain
from records_api.audit_anchor import CHAIN_NAME, AuditAnchor, latest_checkpoint
from records_api.errors import AuditIntegrityError
from records_api.models import AuditEvent, AuditHead
from trust.audit_chain import GENESIS_HASH, verify_checkpoint
from trust.checkpoint_store import load_signing_key


def _reads(h: Harness, n: int) -> None:
    person = h.add_person(cases=1)
    headers = h.bearer(h.resident_token(person))
    for _ in range(n):
        h.client.get(f"/v1/cases/{person.references[0]}", headers=headers)


def _verify(h: Harness, use_checkpoint: bool = True) -> ChainReport:
    anchor = h.runtime.maintenance.anchor
    checkpoint = latest_checkpoint(anchor.store, anchor.public_key) if use_checkpoint else None
    with h.runtime.database.sessions() as session:
        return verify_chain(session, checkpoint=checkpoint)


def test_a_fresh_service_anchors_its_empty_chain_and_each_checkpoint_extends_the_last(pg: Harness) -> None:
    first = pg.checkpoints()
    assert [(c.seq, c.head_hash) for c in first] == [(0, GENESIS_HASH)]
    _reads(pg, 4)
    written = pg.runtime.maintenance.anchor.checkpoint(force=True)
    assert written is not None and written.seq == 4
    assert pg.runtime.maintenance.anchor.checkpoint(force=True) is None  # nothing new, nothing written
    for checkpoint in pg.checkpoints():
        verify_checkpoint(checkpoint, pg.runtime.maintenance.anchor.public_key, CHAIN_NAME)
    _reads(pg, 2)  # rows may only be added after a checkpoint
    report = _verify(pg)
    assert (report.rows, report.first_bad, report.checkpoint) == (6, None, written)


def test_deleting_every_row_and_resetting_the_head_is_reported_against_the_checkpoint(pg: Harness) -> None:
    _reads(pg, 5)
    pg.runtime.maintenance.anchor.checkpoint(force=True)
    with pg.runtime.database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))
        connection.execute(update(AuditHead).values(seq=0, row_hash=GENESIS_HASH))
    assert _verify(pg, use_checkpoint=False).first_bad is None  # the chain alone: "intact, 0 rows"
    bad = _verify(pg).first_bad
    assert bad is not None and bad.seq == 5 and "rows were deleted" in bad.reason
    with pytest.raises(AuditIntegrityError, match="behind the checkpoint"):
        pg.runtime.maintenance.anchor.checkpoint(force=True)


def test_cutting_rows_from_the_end_and_moving_the_head_back_is_reported(pg: Harness) -> None:
    _reads(pg, 6)
    pg.runtime.maintenance.anchor.checkpoint(force=True)
    with pg.runtime.database.sessions.begin() as session:
        third = session.scalars(select(AuditEvent).where(AuditEvent.seq == 3)).one()
        session.execute(text("DELETE FROM audit_events WHERE seq > 3"))
        session.execute(update(AuditHead).values(seq=3, row_hash=third.row_hash))
    bad = _verify(pg).first_bad
    assert bad is not None and "ends at seq 3" in bad.reason


def test_a_consistent_rewrite_is_caught_by_the_checkpoint_and_never_signed(pg: Harness) -> None:
    _reads(pg, 4)
    pg.runtime.maintenance.anchor.checkpoint(force=True)
    lines_before = pg.checkpoints()
    with pg.runtime.database.sessions.begin() as session:
        prev = GENESIS_HASH
        for row in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            if row.seq == 2:
                row.outcome = "not_found"
            row.prev_hash = prev
            row.row_hash = prev = row_digest(row, prev)
        session.execute(update(AuditHead).values(row_hash=prev))
    _reads(pg, 1)  # the service goes on appending to the rewritten chain
    assert _verify(pg, use_checkpoint=False).first_bad is None  # consistent: the chain alone cannot tell
    bad = _verify(pg).first_bad
    assert bad is not None and bad.seq == 4 and "checkpoint" in bad.reason
    with pytest.raises(AuditIntegrityError, match="does not follow"):
        pg.runtime.maintenance.anchor.checkpoint(force=True)
    assert pg.checkpoints() == lines_before


def test_an_integrity_alarm_is_logged_once_not_on_every_tick(pg: Harness) -> None:
    _reads(pg, 2)
    pg.runtime.maintenance.anchor.checkpoint(force=True)
    with pg.runtime.database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))
        connection.execute(update(AuditHead).values(seq=0, row_hash=GENESIS_HASH))
    with capture_logs() as logs:
        results = [pg.runtime.maintenance.checkpoint() for _ in range(3)]
    assert results == [False, False, False]
    alarms = [entry for entry in logs if entry["event"] == "records.audit.integrity_alarm"]
    assert len(alarms) == 1 and alarms[0]["log_level"] == "error"


def test_the_maintenance_thread_checkpoints_after_every_n_rows(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(records_audit_checkpoint_rows=5, records_audit_checkpoint_seconds=3600)
    _reads(h, 12)
    deadline = time.monotonic() + 30
    while h.checkpoints()[-1].seq < 12 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [c.seq for c in h.checkpoints()] == [0, 12]


def test_a_replayed_older_checkpoint_does_not_let_a_shortened_chain_pass(pg: Harness) -> None:
    _reads(pg, 3)
    anchor = pg.runtime.maintenance.anchor
    at_three = anchor.checkpoint(force=True)
    _reads(pg, 3)
    assert at_three is not None and anchor.checkpoint(force=True) is not None
    with pg.runtime.database.sessions.begin() as session:  # back to seq 3, which that checkpoint holds
        session.execute(text("DELETE FROM audit_events WHERE seq > 3"))
        session.execute(update(AuditHead).values(seq=at_three.seq, row_hash=at_three.head_hash))
    with anchor.store.path.open("a") as handle:
        handle.write(at_three.to_line() + "\n")
    with pytest.raises(AuditIntegrityError, match="never go back"):
        latest_checkpoint(anchor.store, anchor.public_key)
    with pytest.raises(AuditIntegrityError, match="went back"):
        anchor.checkpoint(force=True)  # the running writer refuses to extend it, too


def test_checkpoint_times_never_go_back_even_when_the_clock_does(pg: Harness) -> None:
    _reads(pg, 2)
    anchor = pg.runtime.maintenance.anchor
    first = anchor.checkpoint(force=True)
    assert first is not None
    slow_clock = AuditAnchor(
        pg.runtime.database.sessions,
        load_signing_key(pg.settings.generated_audit_signing_key_file),
        anchor.store,
        every_rows=1,
        every_seconds=60,
        clock=lambda: first.at - timedelta(hours=1),  # another host, an hour behind
    )
    _reads(pg, 1)
    second = slow_clock.checkpoint(force=True)
    assert second is not None and second.seq > first.seq and second.at == first.at
    assert latest_checkpoint(anchor.store, anchor.public_key) == second
