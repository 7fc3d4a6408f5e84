"""A parser process (`python -m ingest.parsers.worker MEMORY_MB`), started and fed by `ingest.isolation`.

It limits its own address space, answers `{"status": "ready"}`, then reads one JSON request per line on
stdin and writes one JSON answer per line on stdout. Answers are JSON, never pickle: a parser library
fooled by a hostile file cannot hand the ingest process code to run. It exits when stdin closes (the
ingest process ended or was killed) and after running out of memory (so the next file gets a fresh one).

    request  {"path", "kind", "max_file_bytes", "max_unpacked_bytes", "max_ratio", "cpu_seconds"}
    answer   {"status": "ok", "items": [{"parsed": {...}} | {"error": "line 3: ..."}, ...]}
             {"status": "failed", "reason": "..."}  |  {"status": "memory"}
             (with "recycle": true when the worker ends after this answer)
"""

from __future__ import annotations

import json
import logging
import resource
import signal
import sys
import warnings
from pathlib import Path
from typing import Any, TextIO

from ingest.errors import IngestError, OversizedFileError, UnsupportedFormatError
from ingest.parsers.archive import ArchiveLimits
from ingest.parsers.formats import SINGLE_PARSERS, parse_docx, parse_jsonl


def parse_file(request: dict[str, Any]) -> dict[str, Any]:
    """Parse one file; every failure becomes an answer with a reason for the person running the ingest."""
    path, kind = Path(str(request["path"])), str(request["kind"])
    try:
        with path.open("rb") as handle:
            data = handle.read(int(request["max_file_bytes"]) + 1)
        if len(data) > int(request["max_file_bytes"]):
            raise OversizedFileError(f"over the {int(request['max_file_bytes']):,}-byte limit")
        if kind == ".jsonl":
            items = [
                {"error": str(item)} if isinstance(item, IngestError) else {"parsed": item.to_json()}
                for item in parse_jsonl(data)
            ]
            return {"status": "ok", "items": items}
        if kind == ".docx":
            limits = ArchiveLimits(int(request["max_unpacked_bytes"]), float(request["max_ratio"]))
            parsed = parse_docx(data, limits)
        elif kind in SINGLE_PARSERS:
            parsed = SINGLE_PARSERS[kind](data)
        else:
            raise UnsupportedFormatError(f"unsupported file type {kind or '(none)'}")
        return {"status": "ok", "items": [{"parsed": parsed.to_json()}]}
    except IngestError as exc:
        return {"status": "failed", "reason": str(exc)}
    except MemoryError:
        raise
    except OSError as exc:
        return {"status": "failed", "reason": f"cannot read the file ({exc.strerror or type(exc).__name__})"}
    except Exception as exc:  # a parser library failing on damaged bytes must not stop the batch
        if near_memory_limit():  # a C library out of memory reports it its own way ("unknown error")
            raise MemoryError from exc
        return {"status": "failed", "reason": f"damaged or not a valid {kind} file ({type(exc).__name__})"}


def near_memory_limit() -> bool:
    """This process's peak address space came within 10% of its limit (Linux; False elsewhere).
    A worker that got this close is replaced after its answer, so the peak always belongs to this file."""
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    if limit == resource.RLIM_INFINITY:
        return False
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("VmPeak:"):
            return int(line.split()[1]) * 1024 >= 0.9 * limit
    return False


def _answer(out: TextIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def _cpu_backstop(seconds: float) -> None:
    """Stop this process by SIGXCPU if one file takes far longer than the parent allows: the parent kills
    it on time, but a parent that was itself killed cannot."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(spent + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def main() -> None:
    memory = int(sys.argv[1]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the ingest's to handle: it stops busy workers
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported, not logged
    warnings.simplefilter("ignore")
    out = sys.stdout
    _answer(out, {"status": "ready"})
    for line in sys.stdin:
        request = json.loads(line)
        _cpu_backstop(float(request.get("cpu_seconds", 600)))
        try:
            answer = parse_file(request)
        except MemoryError:
            _answer(out, {"status": "memory"})
            sys.exit(3)
        if near_memory_limit():
            answer["recycle"] = True
        _answer(out, answer)
        if answer.get("recycle"):
            sys.exit(0)


if __name__ == "__main__":
    main()
