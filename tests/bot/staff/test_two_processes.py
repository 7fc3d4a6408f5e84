"""Two bot processes sharing real Redis and PostgreSQL: a resident on one, agents on both. Events fan out
through Redis (every message once, in order, to the stream on the other process), claims race across
processes and each ticket is claimed once, sessions and handoffs are shared."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.bot.staff.bot_processes import BotProcess, start_bots
from tests.bot.staff.console_harness import Resident, Stream, read_stream
from tests.bot.staff.staff_harness import StaffStack

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def bots(
    sample_kb_dir: Path,
    postgres_url_module: str,
    redis_module: tuple[str, str],
    dev_identity: object,
) -> Iterator[list[BotProcess]]:
    redis_url, prefix = redis_module
    started = start_bots(
        2,
        sample_kb_dir,
        postgres_url_module,
        redis_url,
        prefix,
        staff_dev_identity_url=dev_identity.url,  # type: ignore[attr-defined]
        events_heartbeat_seconds="1",
    )
    yield started
    for bot in started:
        bot.stop()


def agent(stack: StaffStack, bot: BotProcess, subject: str) -> httpx.Client:
    token = stack.token("agent", subject=subject)
    return httpx.Client(base_url=bot.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def ticket_id(client: httpx.Client) -> list[str]:
    tickets = client.get("/api/v1/staff/tickets", params={"status": "waiting"}).json()["tickets"]
    return [t["id"] for t in tickets]


def test_an_agent_on_one_process_talks_to_a_resident_on_the_other(
    stack: StaffStack, bots: list[BotProcess]
) -> None:
    one, two = bots
    resident = Resident(one.url)
    before = set(ticket_id(agent(stack, two, "x")))
    assert resident.say("I want to talk to a person")["handoff"]["state"] == "waiting"
    alex = agent(stack, two, "agent-alex")
    (ticket,) = set(ticket_id(alex)) - before
    assert alex.post(f"/api/v1/staff/tickets/{ticket}/claim").status_code == 200

    received: list[Stream] = []

    def listen() -> None:
        received.append(
            read_stream(resident.events_url, until=lambda s: s.kinds().count("message") >= 20, timeout=120)
        )

    listener = threading.Thread(target=listen)
    listener.start()
    for n in range(20):
        sent = alex.post(f"/api/v1/staff/tickets/{ticket}/messages", json={"text": f"message {n}"})
        assert sent.status_code == 201
    listener.join(130)
    (stream,) = received
    texts = [e.data["text"] for e in stream.events if e.event == "message"]
    assert texts == [f"message {n}" for n in range(20)]  # all, once, in order

    # the resident writes on the other process; the console's stream on this one sees it
    console_streams: list[Stream] = []

    def thanked(s: Stream) -> bool:
        return any(e.data.get("role") == "resident" and e.data.get("text") == "Thank you!" for e in s.events)

    def console() -> None:
        url = f"{two.url}/api/v1/staff/tickets/{ticket}/events"
        console_streams.append(read_stream(url, until=thanked, headers=dict(alex.headers), timeout=60))

    watcher = threading.Thread(target=console)
    watcher.start()
    assert resident.say("Thank you!")["relayed"] is True
    watcher.join(70)
    assert console_streams[0].status == 200 and thanked(console_streams[0])

    resolved = alex.post(f"/api/v1/staff/tickets/{ticket}/resolve", json={"outcome": "answered"})
    assert resolved.status_code == 200
    ended = read_stream(
        resident.events_url,
        until=lambda s: "resolved" in s.kinds(),
        headers={"Last-Event-ID": stream.events[-1].id},
    )
    assert ended.kinds() == ["resolved"]
    back = Resident(two.url, session_id=resident.session_id)  # the same session, through the other process
    assert back.say("How much does a residential parking permit cost?")["status"] == "answered"
    resident.close()
    back.close()


def test_claims_racing_across_processes_claim_each_ticket_once(
    stack: StaffStack, bots: list[BotProcess]
) -> None:
    residents = [Resident(bots[n % 2].url) for n in range(8)]
    watcher = agent(stack, bots[0], "watcher")
    before = set(ticket_id(watcher))
    for person in residents:
        person.say("talk to a person")
    tickets = sorted(set(ticket_id(watcher)) - before)
    assert len(tickets) == 8
    agents = [agent(stack, bots[n % 2], f"racer-{n}") for n in range(6)]
    results: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(agents))

    def race(client: httpx.Client) -> None:
        start.wait()
        for ticket in tickets:
            status = client.post(f"/api/v1/staff/tickets/{ticket}/claim").status_code
            with lock:
                results[(ticket, status)] += 1

    threads = [threading.Thread(target=race, args=(client,)) for client in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert {t: results[(t, 200)] for t in tickets} == dict.fromkeys(tickets, 1)
    assert {t: results[(t, 409)] for t in tickets} == dict.fromkeys(tickets, len(agents) - 1)
    for person in residents:
        person.close()
