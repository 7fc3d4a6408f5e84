"""Files are parsed in child processes with a time and a memory limit: a hostile file costs one process.

A pool of worker processes (`ingest.parsers.worker`) lives as long as the ingest process: each parses
one file at a time and is reused for the next, so many small files cost little. A worker that overruns
the time limit is killed; one that runs out of its address space (RLIMIT_AS, set by the worker itself)
exits; either is replaced, and the file is reported as failed with the reason. Results come back as JSON
and are handed on in the order of the files, whatever order the workers finish in.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ingest.errors import CorruptFileError, IngestError
from ingest.parsers.formats import Parsed

STARTUP_SECONDS = 120.0  # a worker that has not said "ready" by then is a broken installation


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """What one file may cost. The defaults are the settings' defaults (docs/ingest.md)."""

    max_file_bytes: int = 25 * 1024 * 1024
    max_document_chars: int = 2_000_000  # the parsed text of one document
    max_unpacked_bytes: int = 100 * 1024 * 1024
    max_unpack_ratio: float = 100.0
    timeout_seconds: float = 60.0
    memory_mb: int = 1024
    processes: int = 2


@dataclass(frozen=True, slots=True)
class ParseJob:
    path: Path
    kind: str  # the lower-cased suffix: ".pdf", ".jsonl" ...


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    """Every document a file holds (JSONL holds many, each may fail alone), or why the file failed."""

    items: tuple[Parsed | IngestError, ...] = ()
    failure: str = ""


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    buffer: bytearray = field(default_factory=bytearray)
    job: int | None = None
    deadline: float = 0.0

    @property
    def stdout(self) -> IO[bytes]:
        assert self.process.stdout is not None
        return self.process.stdout


def _ended(process: subprocess.Popen[bytes]) -> str:
    code = process.wait()
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


class ParserPool:
    """Worker processes with a memory limit each. Thread-safe: one batch at a time."""

    def __init__(self, memory_mb: int, processes: int) -> None:
        self.memory_mb = memory_mb
        self.processes = max(1, processes)
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._owner = os.getpid()

    def parse(
        self,
        jobs: Sequence[ParseJob],
        limits: ParseLimits,
        done: Callable[[int, ParseOutcome], None] | None = None,
    ) -> list[ParseOutcome]:
        """Parse every file; `done(i, outcome)` is called for each in order as soon as it is known."""
        with self._lock:
            return _Batch(self, jobs, limits, done).run()

    def close(self) -> None:
        with self._lock:
            for worker in self._workers:
                self._stop(worker, kill=False)
            self._workers.clear()

    # ---- workers -----------------------------------------------------------------------------------
    def _grow(self, wanted: int) -> None:
        """Start workers until there are `wanted` (all at once: they import their libraries in parallel)."""
        started = [self._spawn() for _ in range(wanted - len(self._workers))]
        try:
            for worker in started:
                self._await_ready(worker)
        except IngestError:
            for worker in started:
                self._stop(worker, kill=True)
            raise
        self._workers.extend(started)

    def _spawn(self) -> _Worker:
        root = str(Path(__file__).resolve().parents[1])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        }
        try:
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and module, no shell)
                [sys.executable, "-m", "ingest.parsers.worker", str(self.memory_mb)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
        except OSError as exc:
            raise IngestError(f"cannot start a parser process ({exc.strerror or exc})") from exc
        return _Worker(process)

    def _await_ready(self, worker: _Worker) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        with selectors.DefaultSelector() as selector:
            selector.register(worker.stdout, selectors.EVENT_READ)
            while b"\n" not in worker.buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left) or not self._read(worker):
                    self._stop(worker, kill=True)
                    raise IngestError(
                        f"a parser process did not start ({_ended(worker.process)}); see the messages above"
                    )
        line, _, rest = bytes(worker.buffer).partition(b"\n")
        worker.buffer = bytearray(rest)
        if json.loads(line).get("status") != "ready":
            self._stop(worker, kill=True)
            raise IngestError("a parser process did not start")

    @staticmethod
    def _read(worker: _Worker) -> bool:
        """Read what the worker has written; False at end of file (the worker ended)."""
        chunk = os.read(worker.stdout.fileno(), 1 << 20)
        worker.buffer.extend(chunk)
        return bool(chunk)

    @staticmethod
    def _stop(worker: _Worker, kill: bool) -> None:
        process = worker.process
        if process.poll() is None:
            if kill:
                process.kill()
            else:
                assert process.stdin is not None
                try:
                    process.stdin.close()
                    process.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class _Batch:
    """One call of `ParserPool.parse`: hands files to idle workers, collects answers, enforces limits."""

    def __init__(
        self,
        pool: ParserPool,
        jobs: Sequence[ParseJob],
        limits: ParseLimits,
        done: Callable[[int, ParseOutcome], None] | None,
    ) -> None:
        self.pool = pool
        self.jobs = jobs
        self.limits = limits
        self.done = done
        self.results: list[ParseOutcome | None] = [None] * len(jobs)
        self.reported = 0
        self.waiting = deque(range(len(jobs)))

    def run(self) -> list[ParseOutcome]:
        try:
            return self._run()
        except BaseException:
            # interrupted (a worker could not start, the progress hook raised, Ctrl-C): a busy worker's
            # answer would be read as the next batch's, so busy workers go
            for worker in [w for w in self.pool._workers if w.job is not None]:
                self.pool._stop(worker, kill=True)
                self.pool._workers.remove(worker)
            raise

    def _run(self) -> list[ParseOutcome]:
        pool = self.pool
        with selectors.DefaultSelector() as selector:
            while self.waiting or any(w.job is not None for w in pool._workers):
                self._assign(selector)
                busy = [w for w in pool._workers if w.job is not None]
                timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic()) if busy else 0.0
                for key, _ in selector.select(timeout):
                    self._receive(key.data, selector)
                now = time.monotonic()
                for worker in [w for w in pool._workers if w.job is not None and w.deadline <= now]:
                    seconds = self.limits.timeout_seconds
                    self._finish(
                        worker, ParseOutcome(failure=f"parsing took longer than {seconds:g} s (stopped)")
                    )
                    self._retire(worker, selector, kill=True)
                self._report()
        return [r if r is not None else ParseOutcome(failure="not parsed") for r in self.results]

    def _assign(self, selector: selectors.BaseSelector) -> None:
        pool = self.pool
        if pool._owner != os.getpid():  # this process was forked: the workers belong to the parent
            pool._workers, pool._owner = [], os.getpid()
        for worker in [w for w in pool._workers if w.job is None and w.process.poll() is not None]:
            self._retire(worker, selector, kill=True)
        if self.waiting:
            pool._grow(min(pool.processes, len(self.jobs)))
        for worker in pool._workers:
            if not self.waiting:
                break
            if worker.job is not None:
                continue
            index = self.waiting.popleft()
            job = self.jobs[index]
            request = {
                "path": str(job.path),
                "kind": job.kind,
                "max_file_bytes": self.limits.max_file_bytes,
                "max_unpacked_bytes": self.limits.max_unpacked_bytes,
                "max_ratio": self.limits.max_unpack_ratio,
                "cpu_seconds": 2 * self.limits.timeout_seconds + 5,
            }
            assert worker.process.stdin is not None
            try:
                worker.process.stdin.write(json.dumps(request).encode() + b"\n")
                worker.process.stdin.flush()
            except OSError:  # it died while idle: try the file again on a fresh worker
                self.waiting.appendleft(index)
                self._retire(worker, selector, kill=True)
                continue
            worker.job, worker.deadline = index, time.monotonic() + self.limits.timeout_seconds
            selector.register(worker.stdout, selectors.EVENT_READ, worker)

    def _receive(self, worker: _Worker, selector: selectors.BaseSelector) -> None:
        if not self.pool._read(worker):
            how = _ended(worker.process)
            self._finish(
                worker,
                ParseOutcome(
                    failure=f"the parser stopped ({how}): the file is damaged or needs more than "
                    f"{self.pool.memory_mb} MB"
                ),
            )
            self._retire(worker, selector, kill=True)
            return
        if b"\n" not in worker.buffer:
            return
        line, _, rest = bytes(worker.buffer).partition(b"\n")
        worker.buffer = bytearray(rest)
        answer = json.loads(line)
        if answer.get("status") == "memory":
            self._finish(
                worker, ParseOutcome(failure=f"parsing needed more than {self.pool.memory_mb} MB (stopped)")
            )
            self._retire(worker, selector, kill=True)
            return
        self._finish(worker, _outcome(answer))
        if answer.get("recycle"):
            self._retire(worker, selector, kill=False)
        else:
            selector.unregister(worker.stdout)

    def _finish(self, worker: _Worker, outcome: ParseOutcome) -> None:
        if worker.job is not None:
            self.results[worker.job] = outcome
            worker.job = None

    def _retire(self, worker: _Worker, selector: selectors.BaseSelector, kill: bool) -> None:
        if worker.job is not None:
            self._finish(worker, ParseOutcome(failure="the parser stopped"))
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(worker.stdout)
        self.pool._stop(worker, kill)
        self.pool._workers.remove(worker)

    def _report(self) -> None:
        while self.reported < len(self.results) and self.results[self.reported] is not None:
            outcome = self.results[self.reported]
            assert outcome is not None
            if self.done:
                self.done(self.reported, outcome)
            self.reported += 1


def _outcome(answer: dict[str, Any]) -> ParseOutcome:
    if answer.get("status") != "ok":
        return ParseOutcome(failure=str(answer.get("reason") or "the parser failed"))
    items: list[Parsed | IngestError] = []
    for item in answer.get("items", []):
        if "parsed" in item:
            items.append(Parsed.from_json(item["parsed"]))
        else:
            items.append(CorruptFileError(str(item.get("error", "unreadable"))))
    return ParseOutcome(items=tuple(items))


_shared: dict[tuple[int, int], ParserPool] = {}
_shared_lock = threading.Lock()


def shared_pool(memory_mb: int, processes: int) -> ParserPool:
    """The process-wide pool for these limits, started on first use and stopped at exit."""
    with _shared_lock:
        key = (memory_mb, processes)
        pool = _shared.get(key)
        if pool is None or pool._owner != os.getpid():
            pool = _shared[key] = ParserPool(memory_mb, processes)
        return pool


@atexit.register
def _close_shared() -> None:
    for pool in _shared.values():
        if pool._owner == os.getpid():
            pool.close()
