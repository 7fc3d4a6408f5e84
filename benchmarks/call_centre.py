"""Figures of the call-centre handoff (issue 12). Prints one JSON object.

1. assist: `POST /api/v1/staff/assist` in-process (FastAPI's TestClient, a real staff token from the dev
   identity provider), one request per labelled sample question with its conversation: p50/p95 ms.
2. delivery: an agent's message to the resident's screen with two bot processes sharing Redis and
   PostgreSQL. The resident's widget (Debian's Chromium, demo page) runs on process A; the agent sends
   through process B's API. Latency = the time a MutationObserver in the widget's shadow root sees the
   message (`Date.now()`) minus the time just before the agent's POST (same machine clock): p50/p95 ms.
3. load: 50 residents ask for a person at once (alternating processes, each reading its event stream on
   the other process) while 10 agents (alternating processes) all race for the oldest waiting ticket,
   send 5 numbered messages and resolve it. Counted: tickets claimed twice, messages lost, duplicated
   or delivered to the wrong resident, out of order.

`python -m benchmarks.call_centre [--data-dir DIR] [--database-url URL] [--redis-url URL] [--phases ...]`.
The data dir gets the sample knowledge base when it has none. A fresh PostgreSQL database is created on
the server of `--database-url` (default: the test server) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from evaluation.questions import load_questions
from evaluation.retrieval import percentile
from ingest.pipeline import Ingestor
from knowledge_base.factory import open_knowledge_base
from knowledge_base.settings import KnowledgeBaseSettings
from tests.bot.staff.bot_processes import BotProcess, start_bots
from tests.web_widget.harness import CHROMIUM, CHROMIUM_ARGS, RecordsService, bot_settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "ingest" / "sample_kb"

AGENT_MESSAGES = """
window.__agent = [];
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  const root = attach.call(this, init);
  new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) {
      if (node.classList && node.classList.contains("ac-msg--agent")) {
        window.__agent.push({ at: Date.now(), text: node.querySelector(".ac-text").textContent });
      }
    }
  }).observe(root, { childList: true, subtree: true });
  return root;
};
"""


def prepare(data_dir: Path) -> None:
    """The sample knowledge base (unchanged documents are not embedded again)."""
    kb = open_knowledge_base(KnowledgeBaseSettings(data_dir=data_dir))
    Ingestor(kb).ingest([SAMPLE / "documents"])
    kb.close()


def dev_token(records: RecordsService, role: str, subject: str | None = None) -> str:
    """A token as the dev identity provider issues it (signed with its key), for `subject`."""
    import jwt

    from records_api.dev_identity import load_or_create_private_key, public_jwk

    key = load_or_create_private_key(Path(records.env["ASKCITY_DATA_DIR"]))
    now = int(time.time())
    claims = {
        "sub": subject or f"bench-{role}",
        "role": role,
        "iss": "askcity-dev-identity",
        "aud": "askcity-records",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": public_jwk(key)["kid"]})


# ---- 1. assist in-process -----------------------------------------------------------------------------
def assist(data_dir: Path, records: RecordsService) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from bot.api.app import create_app
    from bot.runtime import build_runtime

    with tempfile.TemporaryDirectory() as tmp:
        settings = bot_settings(data_dir, Path(tmp), staff_dev_identity_url=records.url)
        runtime = build_runtime(settings)
        headers = {"Authorization": f"Bearer {dev_token(records, 'agent')}"}
        latencies: list[float] = []
        counts: Counter[int] = Counter()
        with TestClient(create_app(settings, runtime)) as client:
            questions = load_questions(SAMPLE / "questions.jsonl")
            for round_ in range(2):  # the first round warms caches (and the token's key set)
                for q in questions:
                    conversation = [
                        {"role": "resident" if t.role == "user" else "agent", "text": t.text}
                        for t in q.history
                    ] + [{"role": "resident", "text": q.question}]
                    started = time.perf_counter()
                    response = client.post(
                        "/api/v1/staff/assist", json={"conversation": conversation}, headers=headers
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    response.raise_for_status()
                    if round_:
                        latencies.append(elapsed)
                        counts[len(response.json()["suggestions"])] += 1
        runtime.close()
    return {
        "requests": len(latencies),
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        "suggestions": dict(sorted(counts.items())),
    }


# ---- shared: two bot processes -------------------------------------------------------------------------
@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    base = sa.make_url(server_url)
    name = f"askcity_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def two_bots(
    data_dir: Path, database_url: str, redis_url: str, records: RecordsService
) -> Iterator[list[BotProcess]]:
    prefix = f"askcity-bench:{uuid.uuid4().hex[:8]}:"
    with fresh_database(database_url) as url:
        bots = start_bots(2, data_dir, url, redis_url, prefix, staff_dev_identity_url=records.url)
        try:
            yield bots
        finally:
            for bot in bots:
                bot.stop()
            import redis

            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(match=f"{prefix}*", count=500))
            if keys:
                client.delete(*keys)
            client.close()


def waiting_ids(client: httpx.Client) -> set[str]:
    return {t["id"] for t in client.get("/api/v1/staff/tickets").json()["tickets"]}


# ---- 2. agent message to the resident's screen ------------------------------------------------------------
def delivery(bots: list[BotProcess], records: RecordsService, messages: int = 30) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    one, two = bots
    agent = httpx.Client(base_url=two.url, headers={"Authorization": f"Bearer {dev_token(records, 'agent')}"})
    latencies: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context().new_page()
        page.add_init_script(AGENT_MESSAGES)
        page.goto(f"{one.url}/")
        page.locator("#askcity-widget .ac-launcher").click()
        before = waiting_ids(agent)
        page.locator("#askcity-widget .ac-tool", has_text="Talk to a person").click()
        page.locator("#askcity-widget .ac-handoff").filter(has_text="in the queue").wait_for()
        (ticket,) = waiting_ids(agent) - before
        agent.post(f"/api/v1/staff/tickets/{ticket}/claim").raise_for_status()
        page.locator("#askcity-widget .ac-handoff").filter(has_text="chatting with").wait_for()
        for n in range(messages + 3):  # three to warm up
            sent_at = time.time() * 1000
            agent.post(
                f"/api/v1/staff/tickets/{ticket}/messages", json={"text": f"latency {n}"}
            ).raise_for_status()
            # functions, not expression strings: Playwright evals those, which the page's CSP forbids
            page.wait_for_function("(n) => window.__agent.length > n", arg=n, timeout=30_000)
            seen = page.evaluate("(n) => window.__agent[n]", n)
            assert seen["text"] == f"latency {n}", seen
            if n >= 3:
                latencies.append(seen["at"] - sent_at)
            time.sleep(random.uniform(0.05, 0.2))
        browser.close()
    agent.close()
    return {
        "messages": len(latencies),
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        "max_ms": round(max(latencies), 1),
    }


# ---- 3. 50 tickets, 10 agents, two processes -----------------------------------------------------------
async def load(
    bots: list[BotProcess], records: RecordsService, tickets: int = 50, agents: int = 10
) -> dict[str, Any]:
    per_ticket = 5
    supervisor_token = dev_token(records, "supervisor")
    claims: Counter[str] = Counter()
    conflicts = 0
    resolved: set[str] = set()
    handled_by: dict[str, int] = {}
    received: dict[int, list[str]] = {}
    timeout = httpx.Timeout(120, connect=10)
    limits = httpx.Limits(max_connections=200)

    async def resident(n: int, ready: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=bots[n % 2].url, timeout=timeout) as client:
            session = (await client.post("/api/v1/sessions")).json()["session_id"]
            said = await client.post(
                "/api/v1/chat", json={"session_id": session, "message": "talk to a person"}
            )
            assert said.json()["handoff"]["state"] == "waiting", said.text
            got: list[str] = []
            received[n] = got
            ready.set()
            # the stream from the other process: every event goes through Redis
            url = f"{bots[(n + 1) % 2].url}/api/v1/sessions/{session}/events"
            last: str | None = None
            while True:
                headers = {"Last-Event-ID": last} if last else {}
                async with client.stream("GET", url, headers=headers) as response:
                    event, data, event_id = "", "", ""
                    async for line in response.aiter_lines():
                        if line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:"):
                            data = line[5:].strip()
                        elif line.startswith("id:"):
                            event_id = line[3:].strip()
                        elif line == "" and data:
                            last = event_id or last
                            if event == "message":
                                got.append(json.loads(data)["text"])
                            if event == "resolved":
                                return
                            event, data = "", ""

    async def agent(n: int) -> None:
        nonlocal conflicts
        headers = {"Authorization": f"Bearer {dev_token(records, 'agent', f'bench-agent-{n}')}"}
        async with httpx.AsyncClient(
            base_url=bots[n % 2].url, timeout=timeout, headers=headers, limits=limits
        ) as c:
            while len(resolved) < tickets:
                waiting = (await c.get("/api/v1/staff/tickets")).json()["tickets"]
                if not waiting:
                    await asyncio.sleep(0.02)
                    continue
                ticket = waiting[0]["id"]  # everyone goes for the oldest: as many races as possible
                claim = await c.post(f"/api/v1/staff/tickets/{ticket}/claim")
                if claim.status_code == 409:
                    conflicts += 1
                    continue
                claim.raise_for_status()
                claims[ticket] += 1
                handled_by[ticket] = n
                for k in range(per_ticket):
                    sent = await c.post(
                        f"/api/v1/staff/tickets/{ticket}/messages", json={"text": f"{ticket}:{k}"}
                    )
                    sent.raise_for_status()
                done = await c.post(f"/api/v1/staff/tickets/{ticket}/resolve", json={"outcome": "answered"})
                done.raise_for_status()
                resolved.add(ticket)

    started = time.perf_counter()
    ready = [asyncio.Event() for _ in range(tickets)]
    residents = [asyncio.create_task(resident(n, ready[n])) for n in range(tickets)]
    await asyncio.gather(*(r.wait() for r in ready))
    await asyncio.wait_for(asyncio.gather(*(agent(n) for n in range(agents))), 600)
    await asyncio.wait_for(asyncio.gather(*residents), 120)
    elapsed = time.perf_counter() - started
    async with httpx.AsyncClient(
        base_url=bots[0].url, headers={"Authorization": f"Bearer {supervisor_token}"}
    ) as sup:
        overview = (await sup.get("/api/v1/staff/overview")).json()

    lost = duplicated = misdelivered = out_of_order = 0
    owners: Counter[str] = Counter()
    for texts in received.values():
        prefixes = {t.split(":")[0] for t in texts}
        misdelivered += max(0, len(prefixes) - 1)
        ticket = next(iter(prefixes), "")
        owners[ticket] += 1
        numbers = [int(t.split(":")[1]) for t in texts if t.startswith(ticket)]
        duplicated += len(numbers) - len(set(numbers))
        lost += per_ticket - len(set(numbers))
        out_of_order += numbers != sorted(numbers)
    return {
        "tickets": tickets,
        "agents": agents,
        "bot_processes": 2,
        "tickets_resolved": len(resolved),
        "tickets_claimed_twice": sum(1 for c in claims.values() if c > 1),
        "claim_conflicts_409": conflicts,
        "messages_sent": per_ticket * len(claims),
        "messages_received": sum(len(t) for t in received.values()),
        "messages_lost": lost,
        "messages_duplicated": duplicated,
        "messages_to_the_wrong_resident": misdelivered,
        "residents_out_of_order": out_of_order,
        "residents_sharing_a_ticket": sum(1 for c in owners.values() if c > 1),
        "seconds": round(elapsed, 1),
        "tickets_per_agent": sorted(Counter(who for who in handled_by.values()).values()),
        "queue_after": {"waiting": overview["waiting"], "active": overview["active"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--phases", nargs="*", default=["assist", "delivery", "load"])
    args = parser.parse_args()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="askcity-bench-cc-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        prepare(data_dir)
        with RecordsService(Path(tmp) / "records", cors_origin="http://127.0.0.1:9", residents=3) as records:
            if "assist" in args.phases:
                out["assist_in_process"] = assist(data_dir, records)
            if {"delivery", "load"} & set(args.phases):
                with two_bots(data_dir, args.database_url, args.redis_url, records) as bots:
                    if "delivery" in args.phases:
                        out["agent_message_to_resident_screen"] = delivery(bots, records)
                    if "load" in args.phases:
                        out["load_50_tickets_10_agents"] = asyncio.run(load(bots, records))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
