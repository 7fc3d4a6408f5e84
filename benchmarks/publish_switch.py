"""One document added to a 10,000-chunk knowledge base (issue 13): from the upload to "served by every bot
process", with residents talking to the bot all along.

Setup: a synthetic city of 1,000 service pages, 10,000 chunks (benchmarks/synthetic_city.py), ingested once
into `--data-dir` (kept and reused: building it embeds ~10,000 chunks and their sentences); the records
service's dev identity provider for a real editor token; `askcity serve --workers 2` (one HTTP process that
also runs the embedded ingest-job thread, and two turn processes) with Redis sessions, SQLite transcripts
and ASKCITY_PUBLISH_REQUIRES_APPROVAL=0, its JSON logs (each line with its process id) kept in a file.

Each run, while 20 resident sessions ask questions about the city's services (closed loop, or `--rate`
turns/s in all), one new page (a topic the city has no page on) is posted as a file to
`POST /api/v1/staff/documents`; from that moment:
- the job is polled (`GET /api/v1/staff/jobs/{id}`) for its stages and "done" (with the version published);
- two probe loops ask the new page's question, each in a new conversation, one after the other; each
  probe's `answer_id` is found in the server's log, which names the turn process that answered it. A turn
  process serves the document from its first probe answer citing it (and every later probe it answers
  must cite it too: "regressions" counts those that did not);
- `/api/v1/ready` is polled for the HTTP process's own served version;
- the server's "knowledge base version ... loaded" lines say when each process finished loading it.
"upload to served" for a process is the time from the upload request to its first citing answer; a
process is probed every ~0.1-0.3 s, so the figure is late by up to one probe. Failed resident queries are
the load's and the probes' responses other than 200 or with an `error_*` status.

`python -m benchmarks.publish_switch [--runs N] [--sessions N] [--rate R] [--jobs thread|rq] [--data-dir DIR]`
prints JSON (`--jobs rq`: ingest jobs run in an `askcity worker` process instead of the HTTP process).
The machine is shared: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bot_load import _free_port
from benchmarks.call_centre import dev_token
from benchmarks.synthetic_city import DISTRICTS, SERVICES, write_city
from evaluation.retrieval import percentile
from tests.web_widget.harness import RecordsService

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / "var" / "bench-publish-switch"
TURN_PROCESSES = 2  # askcity serve --workers 2
METADATA = {"department": "Parks and Recreation", "contact": "call 311"}

# one new page per run: topics the synthetic city has no page on
NEW_PAGES = [
    (
        "backyard-beekeeping",
        "how do i register a beehive in my backyard",
        "# Backyard beekeeping\n\n## Registering a hive\n\nEvery backyard beehive must be registered with "
        "the city's bee inspector before the first of May. Registration is free and lasts three years.\n\n"
        "## Where hives may stand\n\nA beehive must stand at least ten metres from the street and behind a "
        "fence two metres high.\n",
    ),
    (
        "ice-fishing-huts",
        "do i need a permit for an ice fishing hut on the lake",
        "# Ice fishing huts\n\n## Hut permits\n\nAn ice fishing hut left on Millbrook Lake overnight needs a "
        "hut permit; a permit costs 35 dollars a winter.\n\n## Removing huts\n\nHuts must be off the ice by "
        "the fifteenth of March, before the ice thins.\n",
    ),
    (
        "chimney-sweep-registration",
        "how does a chimney sweep register with the city",
        "# Chimney sweep registration\n\n## Who must register\n\nEvery chimney sweep working in Millbrook "
        "registers each year and shows proof of liability insurance.\n\n## Soot disposal\n\nChimney soot "
        "goes to the hazardous waste depot, never into household garbage bins.\n",
    ),
    (
        "snowmobile-trail-passes",
        "where can i buy a snowmobile trail pass",
        "# Snowmobile trail passes\n\n## Buying a pass\n\nSnowmobile trail passes are sold at the arena box "
        "office and cost 60 dollars a season.\n\n## Trail rules\n\nSnowmobiles keep to the marked trails and "
        "to 30 kilometres an hour near houses.\n",
    ),
    (
        "falconry-licences",
        "can i fly a falcon in the city parks",
        "# Falconry in city parks\n\n## Falconry licences\n\nFlying a falcon or a hawk in a city park needs "
        "a falconry licence from the parks office, free for members of a falconry club.\n\n## Where birds of "
        "prey may fly\n\nBirds of prey may fly only in the north meadow, before nine in the morning.\n",
    ),
]
LOAD_QUESTIONS = [
    "how much does a {service} cost in {district}",
    "when is the {district} service counter open",
    "how do i appeal a {service} refusal",
    "what documents do i need for a {service}",
    "how long does a {service} take in {district}",
    "who can apply for a {service} in {district}",
]


def prepare(data_dir: Path) -> dict[str, Any]:
    """The synthetic city published in `data_dir/data` (built once; reused when it is already there)."""
    from ingest.pipeline import Ingestor
    from knowledge_base.factory import open_knowledge_base
    from knowledge_base.settings import KnowledgeBaseSettings

    kb_data = data_dir / "data"
    built = (kb_data / "kb" / "CURRENT").is_file()
    started = time.perf_counter()
    if not built:
        write_city(data_dir / "documents")
        kb = open_knowledge_base(KnowledgeBaseSettings(data_dir=kb_data))
        try:
            summary = Ingestor(kb).ingest([data_dir / "documents"])
            if summary.failed:
                raise RuntimeError(f"the synthetic city did not ingest: {summary.failed[:3]}")
        finally:
            kb.close()
    return {"built_now": not built, "build_s": round(time.perf_counter() - started, 1)}


def chunk_count(data_dir: Path) -> int:
    kb = data_dir / "data" / "kb"
    name = (kb / "CURRENT").read_text().strip()
    return int(json.loads((kb / "versions" / name / "manifest.json").read_text())["chunks"])


@dataclass
class LogReader:
    """The server's JSON log lines as they come: which process answered which answer, and when each
    process loaded which version."""

    path: Path
    offset: int = 0
    answered_by: dict[str, int] = field(default_factory=dict)
    loaded: dict[tuple[int, str], str] = field(default_factory=dict)  # (pid, version) -> ISO time
    turn_pids: set[int] = field(default_factory=set)

    def read(self) -> None:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        for raw in data[:end].splitlines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(line, dict) or "pid" not in line:
                continue
            event = str(line.get("event", ""))
            if event == "answered" and "answer_id" in line:
                self.answered_by[str(line["answer_id"])] = int(line["pid"])
                self.turn_pids.add(int(line["pid"]))
            elif event.startswith("knowledge base version ") and event.endswith(" loaded"):
                version = event.split()[3]  # "knowledge base version v000002 (digest ...) loaded"
                self.loaded[(int(line["pid"]), version)] = str(line.get("timestamp", ""))


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def count(self, response: httpx.Response | None, error: str = "") -> str:
        if response is None:
            status = f"exception {error}"
        elif response.status_code != 200:
            status = str(response.status_code)
        else:
            status = str(response.json().get("status", "?"))
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if response is None or response.status_code != 200 or status.startswith("error"):
            self.failures.append(status)
        return status


async def _ask(client: httpx.AsyncClient, sid: str, message: str) -> httpx.Response:
    return await client.post("/api/v1/chat", json={"session_id": sid, "message": message})


async def _resident(
    client: httpx.AsyncClient, stop: asyncio.Event, seed: int, load: Load, pause: float
) -> None:
    rng = random.Random(seed)
    sid = ""
    turn = 0
    while not stop.is_set():
        try:
            if turn % 6 == 0:  # a resident asks a few things, then a new conversation starts
                sid = (await client.post("/api/v1/sessions")).json()["session_id"]
            question = rng.choice(LOAD_QUESTIONS).format(
                service=rng.choice(SERVICES), district=rng.choice(DISTRICTS)
            )
            started = time.perf_counter()
            response = await _ask(client, sid, question)
            load.latencies.append((time.perf_counter() - started) * 1000)
            load.count(response)
        except httpx.HTTPError as exc:
            load.count(None, type(exc).__name__)
        turn += 1
        if pause:
            await asyncio.sleep(rng.expovariate(1 / pause))


@dataclass
class Probe:
    at: float  # seconds after the upload request
    answer_id: str
    cites: bool


async def _probe_loop(
    client: httpx.AsyncClient,
    question: str,
    document_id: str,
    t0: float,
    stop: asyncio.Event,
    probes: list[Probe],
    load: Load,
) -> None:
    while not stop.is_set():
        try:
            sid = (await client.post("/api/v1/sessions")).json()["session_id"]
            response = await _ask(client, sid, question)
        except httpx.HTTPError as exc:
            load.count(None, type(exc).__name__)
            continue
        load.count(response)
        if response.status_code == 200:
            body = response.json()
            cites = any(c.get("document_id") == document_id for c in body.get("citations", []))
            probes.append(Probe(time.perf_counter() - t0, str(body.get("answer_id", "")), cites))


def _after(iso: str | None, t0_wall: float) -> float | None:
    """Seconds from the upload request to a log line's time."""
    if not iso:
        return None
    return round(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() - t0_wall, 2)


def _served_at(probes: list[Probe], answered_by: dict[str, int], pid: int) -> tuple[float | None, int]:
    """When `pid` first answered citing the document, and how many of its later answers did not."""
    mine = [p for p in probes if answered_by.get(p.answer_id) == pid]
    first = next((p.at for p in mine if p.cites), None)
    regressions = sum(1 for p in mine if first is not None and p.at > first and not p.cites)
    return first, regressions


async def one_run(
    base: str,
    token: str,
    page: tuple[str, str, str],
    logs: LogReader,
    sessions: int,
    pause: float,
    server_pid: int,
) -> dict[str, Any]:
    document_id, question, text = page
    load = Load()
    stop_load, stop_probes = asyncio.Event(), asyncio.Event()
    limits = httpx.Limits(max_connections=sessions + 8, max_keepalive_connections=sessions + 8)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        residents = [
            asyncio.create_task(_resident(client, stop_load, n + 1000 * len(document_id), load, pause))
            for n in range(sessions)
        ]
        settle = time.perf_counter() + 120
        while True:  # the load settles: every turn process has answered
            await asyncio.sleep(1)
            logs.read()
            if len(logs.turn_pids) >= TURN_PROCESSES or time.perf_counter() > settle:
                break
        turn_pids = sorted(logs.turn_pids)
        load_started, load_turns = time.perf_counter(), len(load.latencies)
        staff = {"Authorization": f"Bearer {token}"}
        probes: list[Probe] = []
        t0, t0_wall = time.perf_counter(), time.time()
        probing = [
            asyncio.create_task(_probe_loop(client, question, document_id, t0, stop_probes, probes, load))
            for _ in range(2)
        ]
        posted = await client.post(
            "/api/v1/staff/documents",
            files=[("files", (f"{document_id}.md", text.encode()))],
            data={**METADATA, "source_url": f"https://www.millbrook.example/{document_id}"},
            headers=staff,
        )
        posted.raise_for_status()
        t_posted = time.perf_counter() - t0
        job_id = posted.json()["job_id"]
        stages: dict[str, float] = {}
        version: str | None = None
        t_done = t_http = None
        served: dict[int, float] = {}
        deadline = t0 + 180
        while time.perf_counter() < deadline:
            now = time.perf_counter() - t0
            if t_done is None:
                job = (await client.get(f"/api/v1/staff/jobs/{job_id}", headers=staff)).json()
                stages.setdefault(str(job.get("stage", "")), round(now, 2))
                if job["state"] == "failed":
                    raise RuntimeError(f"the upload job failed: {job}")
                if job["state"] == "done":
                    t_done, version = now, job["published_version"]
            if version is not None and t_http is None:
                ready = (await client.get("/api/v1/ready")).json()
                if ready.get("knowledge_base") == version:
                    t_http = now
            logs.read()
            for pid in turn_pids:
                at, _ = _served_at(probes, logs.answered_by, pid)
                if at is not None:
                    served[pid] = at
            if t_http is not None and len(served) == len(turn_pids):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(2)  # a few more probes: none may go back to the old version
        stop_probes.set()
        await asyncio.gather(*probing)
        load_seconds = time.perf_counter() - load_started
        load_turns = len(load.latencies) - load_turns
        stop_load.set()
        await asyncio.gather(*residents)
    logs.read()
    by_process = {}
    regressions = 0
    for pid in turn_pids:
        at, back = _served_at(probes, logs.answered_by, pid)
        regressions += back
        by_process[f"turn process {pid}"] = {
            "upload_to_served_s": round(at, 2) if at is not None else None,
            "probes_answered": sum(1 for p in probes if logs.answered_by.get(p.answer_id) == pid),
            "loaded_s": _after(logs.loaded.get((pid, str(version))), t0_wall),
        }
    by_process["http process"] = {
        "upload_to_served_s": round(t_http, 2) if t_http else None,  # /ready, polled once the job is done
        "loaded_s": _after(logs.loaded.get((server_pid, str(version))), t0_wall),
    }
    times = [v["upload_to_served_s"] for v in by_process.values()]
    return {
        "document": document_id,
        "version": version,
        "upload_request_s": round(t_posted, 2),
        "job_stage_first_seen_s": stages,
        "upload_to_job_done_s": round(t_done, 2) if t_done is not None else None,
        "upload_to_served_by_every_process_s": max(times) if None not in times else None,  # type: ignore[type-var]
        "by_process": by_process,
        "regressions": regressions,
        "probes": len(probes),
        "failed_queries": len(load.failures),
        "failures": sorted(set(load.failures)),
        "statuses": load.statuses,
        "load_turns_per_s": round(load_turns / load_seconds, 1),
        "load_p50_ms": percentile(load.latencies, 0.5),
        "load_p95_ms": percentile(load.latencies, 0.95),
    }


def run(
    data_dir: Path, runs: int, sessions: int, rate: float | None, redis_url: str, jobs: str = "thread"
) -> dict[str, Any]:
    built = prepare(data_dir)
    chunks = chunk_count(data_dir)
    port = _free_port()
    with (
        tempfile.TemporaryDirectory() as tmp,
        RecordsService(Path(tmp) / "records", "http://127.0.0.1:9") as records,
    ):
        log_path = Path(tmp) / "server.log"
        work = Path(tmp) / "data"
        # every benchmark starts from the same knowledge base; the model cache is shared, not copied
        shutil.copytree(data_dir / "data", work, ignore=shutil.ignore_patterns("models"))
        (work / "models").symlink_to((data_dir / "data" / "models").resolve())
        env = {
            **os.environ,
            "ASKCITY_DATA_DIR": str(work),
            "ASKCITY_REDIS_URL": redis_url,
            "ASKCITY_REDIS_PREFIX": f"askcity-bench-publish-{port}:",
            "ASKCITY_BOT_DATABASE_URL": f"sqlite:///{tmp}/bot.sqlite3",
            "ASKCITY_RATE_LIMIT_SESSION": "100000/minute",
            "ASKCITY_RATE_LIMIT_ADDRESS": "1000000/minute",
            "ASKCITY_HANDOFF_ENABLED": "0",
            "ASKCITY_PUBLISH_REQUIRES_APPROVAL": "0",
            "ASKCITY_STAFF_DEV_IDENTITY_URL": records.url,
            "HF_HUB_OFFLINE": "1",
            "ASKCITY_JOBS_BACKEND": jobs,
            "ASKCITY_JOBS_QUEUE": f"askcity-bench-publish-{port}",
        }
        worker = (  # `--jobs rq`: ingest jobs run in an `askcity worker` process, not in the HTTP process
            subprocess.Popen(
                [sys.executable, "-m", "askcity_cli.main", "worker"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            if jobs == "rq"
            else None
        )
        with log_path.open("wb") as log_file:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "askcity_cli.main",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    str(TURN_PROCESSES),
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log_file,
                start_new_session=True,  # its turn processes are stopped with it
            )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 900  # a loaded machine: minutes
            while True:
                try:
                    if httpx.get(f"{base}/api/v1/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"the bot did not become ready: {log_path.read_text()[-2000:]}")
                time.sleep(0.5)
            token = dev_token(records, "editor")
            logs = LogReader(log_path)
            pause = sessions / rate if rate else 0.0
            results = []
            for n in range(runs):
                load_before = os.getloadavg()[0]
                result = asyncio.run(
                    one_run(base, token, NEW_PAGES[n % len(NEW_PAGES)], logs, sessions, pause, server.pid)
                )
                results.append({**result, "load_average_1min": round(load_before, 1)})
        finally:
            if worker is not None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=60)
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)
    served = [
        r["upload_to_served_by_every_process_s"] for r in results if r["upload_to_served_by_every_process_s"]
    ]
    return {
        "benchmark": "publish_switch: one document added, upload to served by every bot process",
        "chunks": chunks,
        "knowledge_base": built,
        "sessions": sessions,
        "jobs_backend": jobs,
        "offered_turns_per_s": rate or "as fast as answered",
        "runs": results,
        "upload_to_served_p50_s": round(percentile(served, 0.5), 2) if served else None,
        "upload_to_served_max_s": max(served) if served else None,
        "failed_queries": sum(r["failed_queries"] for r in results),
        "regressions": sum(r["regressions"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR, help="where the synthetic city is kept")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument(
        "--rate", type=float, default=None, help="turns/s offered by all sessions (default: closed loop)"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("ASKCITY_REDIS_URL")
        or os.environ.get("ASKCITY_TEST_REDIS_URL")
        or "redis://127.0.0.1:6379/15",
    )
    parser.add_argument(
        "--jobs",
        choices=["thread", "rq"],
        default="thread",
        help="thread: the HTTP process runs ingest jobs (the embedded default); rq: an `askcity worker` does",
    )
    args = parser.parse_args()
    figures = run(args.data_dir, args.runs, args.sessions, args.rate, args.redis_url, args.jobs)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
