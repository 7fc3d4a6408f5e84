"""The audit trail's background work, off the request path: one daemon thread per process.

Every `tick` seconds it flushes coalesced lock-out refusals (when `flush_seconds` have passed) and
then asks the anchor for a checkpoint (written when enough rows or time have passed). `stop()` does
both one last time, so a clean shutdown leaves no count unwritten and no row unanchored. An
integrity alarm (the chain no longer extends its latest checkpoint) is logged as an error once per
distinct message, not on every tick; other failures (database down, disk full) are logged and
retried at the next tick. Each checkpoint written is logged (`records.audit.checkpoint`, signature
included), so a log shipper keeps a copy away from the host.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from records_api.audit_anchor import AuditAnchor
from records_api.errors import AuditIntegrityError
from records_api.refusals import RefusalLedger
from trust.audit_chain import Checkpoint, timestamp_text

log = structlog.get_logger("records_api.audit")

MAX_TICK_SECONDS = 5.0


class AuditMaintenance:
    def __init__(
        self,
        anchor: AuditAnchor,
        refusals: RefusalLedger,
        flush_seconds: float,
        tick_seconds: float = MAX_TICK_SECONDS,
    ) -> None:
        self.anchor = anchor
        self.refusals = refusals
        self._flush_seconds = flush_seconds
        self._tick = min(tick_seconds, flush_seconds)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_alarm: str | None = None

    def start(self) -> None:
        """Checkpoint at once (a fresh service anchors its empty chain), then run in the background."""
        self.checkpoint(force=True)
        self._thread = threading.Thread(target=self._run, name="records-audit-maintenance", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.run_task(self.refusals.flush)
        self.checkpoint(force=True)

    def _run(self) -> None:
        next_flush = time.monotonic() + self._flush_seconds
        while not self._stop.wait(self._tick):
            if time.monotonic() >= next_flush:
                self.run_task(self.refusals.flush)
                next_flush = time.monotonic() + self._flush_seconds
            self.checkpoint()

    def checkpoint(self, force: bool = False) -> bool:
        written: list[Checkpoint | None] = []
        done = self.run_task(lambda: written.append(self.anchor.checkpoint(force=force)))
        if done:
            self._last_alarm = None
        if written and written[0] is not None:
            checkpoint = written[0]
            log.info(
                "records.audit.checkpoint",
                seq=checkpoint.seq,
                head=checkpoint.head_hash,
                at=timestamp_text(checkpoint.at),
                kid=checkpoint.kid,
                sig=checkpoint.signature,
                file=str(self.anchor.store.path),
            )
        return done

    def run_task(self, task: Callable[[], object]) -> bool:
        """Run one task, logging instead of raising; True when it succeeded."""
        try:
            task()
        except AuditIntegrityError as exc:
            if str(exc) != self._last_alarm:
                log.error("records.audit.integrity_alarm", problem=str(exc))
                self._last_alarm = str(exc)
            return False
        except Exception as exc:
            log.error("records.audit.maintenance_failed", error=type(exc).__name__, detail=str(exc)[:200])
            return False
        return True
