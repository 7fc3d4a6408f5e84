"""Bot latency and throughput.

1. In-process: `/api/v1/chat` through FastAPI's TestClient on the sample knowledge base, one session per
   labelled question (with its history), in-process sessions and SQLite transcripts: p50/p95 ms.
2. Load: `askcity serve` in its own process with Redis-backed sessions and rate limits; an asyncio +
   httpx load generator runs 32 concurrent sessions, each asking sample questions in its own random
   order for `--seconds`; reports turns/s, p50/p95 ms and status counts. Each load runs twice: with the
   sample questions repeated (their vectors come from the query cache, as popular questions do in
   production) and with every question made unique (a turn number appended), so each turn runs the model.
   - closed loop ("load_*"): each session sends its next message as soon as the answer arrives, so the
     server runs flat out: this measures capacity (turns/s), and latency is 32 / turns/s by construction;
   - paced ("paced_*"): the 32 sessions together send `--rate` messages a second (100 by default: the
     issue's target) at random, Poisson-distributed times, never two at once: this measures the latency
     residents see at that load. The achieved turns/s is reported; it falls short if the bot cannot keep up.
3. Long conversations ("doc2dial_*", when ../shared/benchmarks/doc2dial is present): the 273 doc2dial
   documents published as the knowledge base (in `<data-dir>-doc2dial`); 32 residents, each keeping ONE
   conversation and ONE keep-alive connection for the whole run (history grows to the session limit),
   sending random SSA questions closed loop and paced. How the load reaches the cores is reported: the
   CPU seconds each server process used during the phase, and the connections each held.

Prints one JSON object.
`python -m benchmarks.bot_load [--data-dir DIR] [--seconds S] [--sessions N] [--rate R] [--phases A,B]
[--runs N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from evaluation.questions import load_questions
from evaluation.retrieval import percentile
from ingest.pipeline import Ingestor
from knowledge_base.factory import open_knowledge_base
from knowledge_base.settings import KnowledgeBaseSettings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "ingest" / "sample_kb"
DOC2DIAL = ROOT.parent / "shared" / "benchmarks" / "doc2dial"


@dataclass(frozen=True)
class Workload:
    """What the load generator's residents ask, and how their conversations and connections go."""

    questions: list[str]
    unique: bool = False  # append a turn number, so no question vector comes from the query cache
    rate: float | None = None  # turns/s offered by all sessions together (None: closed loop)
    conversation_turns: int | None = 8  # a new conversation (and connection) every N turns; None: one
    # Offer live handoff to a person? In one long conversation of random questions, a "yes" after a
    # no_answer would hand the resident to a person for the rest of the run (their messages are then
    # relayed, not answered), so the long-conversation phases measure answering with handoff off.
    handoff: bool = True


def prepare(data_dir: Path, documents: Path) -> None:
    kb = open_knowledge_base(KnowledgeBaseSettings(data_dir=data_dir))
    Ingestor(kb).ingest([documents])
    kb.close()


def in_process(data_dir: Path) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from bot.api.app import create_app
    from bot.runtime import build_runtime
    from bot.settings import BotSettings

    with tempfile.TemporaryDirectory() as tmp:
        settings = BotSettings(
            data_dir=data_dir,
            bot_database_url=f"sqlite:///{tmp}/bot.sqlite3",
            rate_limit_session="100000/minute",
            rate_limit_address="100000/minute",
        )
        runtime = build_runtime(settings)
        latencies: list[float] = []
        with TestClient(create_app(settings, runtime)) as client:
            for q in load_questions(SAMPLE / "questions.jsonl"):
                sid = client.post("/api/v1/sessions").json()["session_id"]
                for turn in [t for t in q.history if t.role == "user"]:
                    client.post("/api/v1/chat", json={"session_id": sid, "message": turn.text})
                started = time.perf_counter()
                response = client.post("/api/v1/chat", json={"session_id": sid, "message": q.question})
                latencies.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
        runtime.close()
    return {
        "turns": len(latencies),
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _session(
    client: httpx.AsyncClient,
    work: Workload,
    deadline: float,
    seed: int,
    out: dict[str, Any],
    interval: float | None,
) -> None:
    rng = random.Random(seed)
    sid = (await client.post("/api/v1/sessions")).json()["session_id"]
    order = work.questions[:]
    rng.shuffle(order)
    i = 0
    due = time.perf_counter()
    every = work.conversation_turns
    while time.perf_counter() < deadline:
        if interval is not None:
            # open loop: messages are due at random (Poisson) times; one still unanswered delays the next
            due += rng.expovariate(1 / interval)
            if due >= deadline:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if every and i and i % every == 0:  # a resident asks a few things, then a new conversation starts
            sid = (await client.post("/api/v1/sessions")).json()["session_id"]
        message = order[i % len(order)]
        if work.unique:
            message = f"{message} (question {seed}-{i})"
        # A conversation's last message closes its connection: the next resident connects anew (and the
        # kernel hands that connection to whichever worker accepts first), as browsers do. With one
        # conversation per resident, each keeps its connection for the whole run.
        headers = {"Connection": "close"} if every and i % every == every - 1 else None
        started = time.perf_counter()
        response = await client.post(
            "/api/v1/chat", json={"session_id": sid, "message": message}, headers=headers
        )
        out["latencies"].append((time.perf_counter() - started) * 1000)
        status = (
            response.json().get("status", str(response.status_code))
            if response.status_code == 200
            else str(response.status_code)
        )
        out["statuses"][status] = out["statuses"].get(status, 0) + 1
        i += 1


def _server_processes(server: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """The server's processes: the one started, then its children (workers, turn processes)."""
    parent = psutil.Process(server.pid)
    children = [parent]
    for child in parent.children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                children.append(child)
        except psutil.Error:  # gone, or a zombie
            continue
    return children


def _cpu_seconds(processes: list[psutil.Process]) -> list[float]:
    times = []
    for p in processes:
        try:
            t = p.cpu_times()
            times.append(t.user + t.system)
        except psutil.Error:
            times.append(0.0)
    return times


def _connections(processes: list[psutil.Process], port: int) -> list[int]:
    """Established client connections each process holds on the server's port."""
    counts = []
    for p in processes:
        try:
            held = p.net_connections(kind="tcp")
        except psutil.Error:
            held = []
        counts.append(
            sum(1 for c in held if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == port)
        )
    return counts


async def _load(
    base: str,
    work: Workload,
    sessions: int,
    seconds: float,
    server: subprocess.Popen[bytes] | None = None,
    port: int = 0,
) -> dict[str, Any]:
    out: dict[str, Any] = {"latencies": [], "statuses": {}}
    limits = httpx.Limits(max_connections=sessions, max_keepalive_connections=sessions)
    processes = _server_processes(server) if server is not None else []
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        for q in work.questions[:5]:  # warm-up
            sid = (await client.post("/api/v1/sessions")).json()["session_id"]
            await client.post("/api/v1/chat", json={"session_id": sid, "message": q})
        out["latencies"].clear()
        out["statuses"].clear()
        interval = sessions / work.rate if work.rate else None
        started, cpu = time.perf_counter(), time.process_time()
        server_cpu = _cpu_seconds(processes)
        deadline = started + seconds

        async def count_connections() -> list[int]:
            await asyncio.sleep(seconds / 2)
            return _connections(processes, port)

        counting = asyncio.create_task(count_connections())
        await asyncio.gather(*(_session(client, work, deadline, n, out, interval) for n in range(sessions)))
        elapsed = time.perf_counter() - started
        generator_cpu = time.process_time() - cpu
        server_cpu = [round(b - a, 1) for a, b in zip(server_cpu, _cpu_seconds(processes), strict=True)]
        connections = await counting
    lat = out["latencies"]
    return {
        "sessions": sessions,
        "offered_turns_per_s": work.rate or "as fast as answered",
        "seconds": round(elapsed, 1),
        "turns": len(lat),
        "turns_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": percentile(lat, 0.5),
        "p95_ms": percentile(lat, 0.95),
        "statuses": out["statuses"],
        "generator_cpu_s": round(generator_cpu, 1),  # CPU the load generator took from the same cores
        # how the load reached the cores: CPU seconds each server process used during the phase, and
        # the client connections each held halfway through
        "server_cpu_s_by_process": server_cpu,
        "connections_by_process": connections,
    }


def load(
    data_dir: Path,
    redis_url: str,
    sessions: int,
    seconds: float,
    work: Workload,
    workers: int = 2,
) -> dict[str, Any]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "ASKCITY_DATA_DIR": str(data_dir),
            "ASKCITY_REDIS_URL": redis_url,
            "ASKCITY_REDIS_PREFIX": f"askcity-bench-{port}:",
            "ASKCITY_BOT_DATABASE_URL": os.environ.get(
                "ASKCITY_BENCH_DATABASE_URL", f"sqlite:///{tmp}/bot.sqlite3"
            ),
            "ASKCITY_RATE_LIMIT_SESSION": "100000/minute",
            "ASKCITY_RATE_LIMIT_ADDRESS": "1000000/minute",
            "HF_HUB_OFFLINE": "1",
            "ASKCITY_HANDOFF_ENABLED": "1" if work.handoff else "0",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "askcity_cli.main",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/api/v1/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            else:
                raise RuntimeError("the bot did not become ready")
            result = asyncio.run(_load(base, work, sessions, seconds, server, port))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {**result, "unique_questions": work.unique, "workers": workers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("ASKCITY_DATA_DIR", "var")))
    parser.add_argument("--sessions", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=100, help="turns/s offered in the paced phases")
    parser.add_argument("--phases", default="", help="comma-separated phase names (default: all)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each load phase (figures per run)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--doc2dial", type=Path, default=DOC2DIAL, help="doc2dial folder (phase 3)")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("ASKCITY_REDIS_URL")
        or os.environ.get("ASKCITY_TEST_REDIS_URL")
        or "redis://127.0.0.1:6379/15",
    )
    args = parser.parse_args()
    sample = [q.question for q in load_questions(SAMPLE / "questions.jsonl")]
    phases: dict[str, tuple[Path, Workload]] = {
        "load_repeated_questions": (args.data_dir, Workload(sample)),
        "load_unique_questions": (args.data_dir, Workload(sample, unique=True)),
        "paced_repeated_questions": (args.data_dir, Workload(sample, rate=args.rate)),
        "paced_unique_questions": (args.data_dir, Workload(sample, unique=True, rate=args.rate)),
    }
    doc2dial_dir = args.data_dir.with_name(args.data_dir.name + "-doc2dial")
    if (args.doc2dial / "documents.jsonl").is_file():
        ssa = [q.question for q in load_questions(args.doc2dial / "questions_ssa.jsonl")]
        phases["doc2dial_load"] = (doc2dial_dir, Workload(ssa, conversation_turns=None, handoff=False))
        phases["doc2dial_paced"] = (
            doc2dial_dir,
            Workload(ssa, rate=args.rate, conversation_turns=None, handoff=False),
        )
    wanted = set(filter(None, args.phases.split(","))) or {"in_process", *phases}
    if wanted & {"in_process", *(n for n, (d, _) in phases.items() if d == args.data_dir)}:
        prepare(args.data_dir, SAMPLE / "documents")
    if wanted & {n for n, (d, _) in phases.items() if d == doc2dial_dir}:
        prepare(doc2dial_dir, args.doc2dial / "documents.jsonl")
    figures: dict[str, Any] = {"in_process": in_process(args.data_dir)} if "in_process" in wanted else {}
    for name, (data_dir, work) in phases.items():
        if name not in wanted:
            continue
        runs = [
            load(data_dir, args.redis_url, args.sessions, args.seconds, work, args.workers)
            for _ in range(args.runs)
        ]
        figures[name] = runs[0] if len(runs) == 1 else runs
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
