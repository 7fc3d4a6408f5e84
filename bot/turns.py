"""Where a resident's turn runs: in the serving process, or in a pool of turn processes, one per core.

A turn (limits, session, handoff, the answering pipeline, the transcript) is CPU work of about 10 ms
that holds Python's GIL for most of it, so one process answers on one core. uvicorn's `--workers N`
gives N processes, but a keep-alive connection stays with the process that accepted it: when one
process holds most of the connections (or a reverse proxy keeps a few upstream connections), the
machine runs at one core's speed (issue 16). With `turn_processes` set (`askcity serve --workers N`),
one process serves HTTP and hands each turn to whichever of N turn processes is free next, so every
core gets work whatever the clients' connections do; the turn processes share sessions, limits and
events through Redis and the transcript through the database, as uvicorn workers did.

    LocalTurns   the turn in this process, on a bounded thread pool (the embedded default, tests)
    TurnPool     the turn in a pool process (`concurrent.futures.ProcessPoolExecutor`, spawned, each
                 with its own runtime built once); a pool process that dies is replaced, and the
                 turns it held fail with ServiceNotReadyError (503) instead of hanging

Both return the same `TurnOutcome` and raise the same `BotError`s, so routes do not know which runs.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Protocol

import anyio.to_thread
from anyio import CapacityLimiter

from bot import tracing
from bot.errors import ServiceNotReadyError

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.service import BotService, TurnOutcome
    from bot.settings import BotSettings

log = logging.getLogger(__name__)


class Turns(Protocol):
    def start(self) -> None: ...

    async def turn(
        self, session_id: str, message: str, address: str, token: str | None, stream: str | None = None
    ) -> TurnOutcome: ...

    def ready(self) -> bool: ...

    def close(self) -> None: ...


class LocalTurns:
    """Turns in this process, at most `threads` at once (more would only fight over the GIL)."""

    def __init__(self, service: BotService, threads: int) -> None:
        self.service = service
        self._limiter = CapacityLimiter(threads)

    def start(self) -> None:
        return None

    async def turn(
        self, session_id: str, message: str, address: str, token: str | None, stream: str | None = None
    ) -> TurnOutcome:
        return await anyio.to_thread.run_sync(
            self.service.turn, session_id, message, address, token, stream, limiter=self._limiter
        )

    def ready(self) -> bool:
        return True

    def close(self) -> None:
        return None


# ---- the turn processes' side -----------------------------------------------------------------------
_runtime: Runtime | None = None


def _start_process(settings: BotSettings) -> None:
    """Initializer of each turn process: its own runtime (model, index, stores), built once."""
    global _runtime  # one runtime per turn process, built by the pool's initializer
    from bot.logs import configure_logging
    from bot.runtime import build_runtime

    # Ctrl-C reaches the whole process group: the serving process shuts the pool down, and a turn
    # process must not die mid-turn on its own (the pool would count it as a crash)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging()
    _runtime = build_runtime(settings)
    if settings.otel_enabled:  # this process's own provider: OTLP from the inherited OTEL_* variables
        from trust.tracing import build_tracer_provider

        _runtime.start_tracing(build_tracer_provider(settings.otel_service_name))


def _turn(
    session_id: str,
    message: str,
    address: str,
    token: str | None,
    trace: dict[str, str],
    stream: str | None = None,
) -> TurnOutcome:
    assert _runtime is not None, "the turn process was not initialised"
    with tracing.continued(trace):  # the serving process's request span is the parent of our steps
        return _runtime.service.turn(session_id, message, address, token, stream)


def _hello(wait: float) -> int:
    """A start-up task: waits a little so that each process of the pool gets one, and says who ran it."""
    time.sleep(wait)
    return os.getpid()


class TurnPool:
    """Turns in `processes` spawned processes; each turn goes to the next free one."""

    def __init__(self, settings: BotSettings, processes: int, start_seconds: float = 300.0) -> None:
        if processes < 1:
            raise ValueError("a turn pool needs at least one process")
        self.settings = settings
        self.processes = processes
        self.start_seconds = start_seconds
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._restarting = False

    def start(self) -> None:
        """Spawn the processes and wait until each has built its runtime (blocking: call off the loop)."""
        executor = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_process,
            initargs=(self.settings,),
        )
        deadline = time.monotonic() + self.start_seconds
        seen: set[int] = set()
        try:
            while len(seen) < self.processes:
                if time.monotonic() > deadline:
                    raise ServiceNotReadyError("the turn processes did not start in time")
                hellos = [executor.submit(_hello, 0.2) for _ in range(self.processes)]
                seen.update(f.result(timeout=max(1.0, deadline - time.monotonic())) for f in hellos)
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        self._executor = executor
        log.info("turn processes ready", extra={"processes": sorted(seen)})

    def ready(self) -> bool:
        return self._executor is not None and not self._restarting

    async def turn(
        self, session_id: str, message: str, address: str, token: str | None, stream: str | None = None
    ) -> TurnOutcome:
        executor = self._executor
        if executor is None:
            raise ServiceNotReadyError("the turn processes are starting")
        try:
            trace = tracing.carrier()
            future: Future[TurnOutcome] = executor.submit(
                _turn, session_id, message, address, token, trace, stream
            )
            return await asyncio.wrap_future(future)
        except BrokenProcessPool as exc:
            # a turn process died (killed, out of memory): every turn it held is lost; start new ones
            log.error("a turn process died; starting new ones")
            self._replace(executor)
            raise ServiceNotReadyError("restarting after a failure; please send your message again") from exc
        except RuntimeError as exc:  # submitted while the pool was being shut down or replaced
            if executor is not self._executor or self._executor is None:
                raise ServiceNotReadyError("restarting; please send your message again") from exc
            raise

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is not broken or self._restarting:
                return  # another turn already saw it
            self._restarting = True
            self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

        def restart() -> None:
            try:
                self.start()
            except Exception:
                log.exception("the turn processes could not be restarted")
            finally:
                self._restarting = False

        threading.Thread(target=restart, name="turn-pool-restart", daemon=True).start()

    def pids(self) -> list[int]:
        """The turn processes' ids (for operators and tests)."""
        executor = self._executor
        processes = getattr(executor, "_processes", None) or {}
        return sorted(processes)

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def local_threads() -> int:
    """Turns one process runs at once: its cores, and a few more to cover waits on Redis and SQL."""
    return max(4, 2 * (os.cpu_count() or 1))


def for_runtime(runtime: Runtime, settings: BotSettings) -> Turns:
    """The turns of an app (not started): a pool when `turn_processes` is set, else this process."""
    if settings.turn_processes > 0:
        return TurnPool(settings, settings.turn_processes)
    return LocalTurns(runtime.service, local_threads())
