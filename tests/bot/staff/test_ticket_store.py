"""The ticket repository on SQLite and PostgreSQL: the database decides every race."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.staff.errors import TicketConflictError, TicketNotFoundError
from bot.staff.tickets import MessageRole, NewMessage, Outcome, TicketStatus
from bot.storage.database import BotDatabase
from bot.storage.tickets import TicketStore

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def open_ticket(store: TicketStore, ref: str, department: str = "Parking", at: datetime = NOW) -> str:
    ticket, created = store.open(
        ref, department, "en", False, (), (NewMessage(MessageRole.RESIDENT, "help"),), at
    )
    assert created
    return ticket.id


def test_a_session_has_at_most_one_open_ticket(database: BotDatabase) -> None:
    store = TicketStore(database.engine)
    first = open_ticket(store, "session-a")
    again, created = store.open("session-a", "Waste", "en", False, (), (), NOW)
    assert (again.id, created) == (first, False)
    store.resolve(first, Outcome.ANSWERED, "x", True, NOW)
    assert store.open("session-a", "Waste", "en", False, (), (), NOW)[1]  # closed ones do not count


def test_claims_transfers_and_resolves_follow_the_rules(database: BotDatabase) -> None:
    store = TicketStore(database.engine)
    ticket = open_ticket(store, "session-b")
    claimed = store.claim(ticket, "agent-1", "Alex", NOW)
    assert (claimed.status, claimed.agent_name) == (TicketStatus.ACTIVE, "Alex")
    with pytest.raises(TicketConflictError):
        store.claim(ticket, "agent-2", "Bea", NOW)
    with pytest.raises(TicketConflictError):
        store.transfer(ticket, "Waste", "agent-2", any_agent=False)  # another agent's
    with pytest.raises(TicketConflictError):
        store.add_message(ticket, NewMessage(MessageRole.AGENT, "hi"), NOW, agent_subject="agent-2")
    moved = store.transfer(ticket, "Waste", "agent-1", any_agent=False)
    assert (moved.status, moved.department, moved.agent_subject, moved.transfers) == (
        TicketStatus.WAITING,
        "Waste",
        None,
        1,
    )
    store.claim(ticket, "agent-2", "Bea", NOW)
    done = store.resolve(ticket, Outcome.REFERRED, "agent-2", any_agent=False, now=NOW)
    assert (done.status, done.outcome) == (TicketStatus.RESOLVED, Outcome.REFERRED)
    with pytest.raises(TicketConflictError):
        store.resolve(ticket, Outcome.ANSWERED, "agent-2", any_agent=True, now=NOW)
    with pytest.raises(TicketNotFoundError):
        store.claim("0" * 32, "agent-1", "Alex", NOW)


def test_only_a_supervisor_closes_an_unclaimed_ticket_or_writes_in_anothers(database: BotDatabase) -> None:
    """Anyone may pass a waiting ticket on; resolving it unclaimed, or replying in a ticket another agent
    holds, is a supervisor's (docs/call_center.md)."""
    store = TicketStore(database.engine)
    ticket = open_ticket(store, "session-e")
    with pytest.raises(TicketConflictError):
        store.resolve(ticket, Outcome.ANSWERED, "agent-1", any_agent=False, now=NOW)
    store.claim(ticket, "agent-1", "Alex", NOW)
    with pytest.raises(TicketConflictError):
        store.add_message(ticket, NewMessage(MessageRole.AGENT, "hi", "Bea"), NOW, agent_subject="agent-2")
    said = store.add_message(
        ticket, NewMessage(MessageRole.AGENT, "Supervisor here", "Sam"), NOW, "supervisor-1", any_agent=True
    )
    assert said.text == "Supervisor here"
    other = open_ticket(store, "session-f")
    done = store.resolve(other, Outcome.NOT_RESOLVED, "supervisor-1", any_agent=True, now=NOW)
    assert done.status == TicketStatus.RESOLVED


def test_a_resident_withdraws_only_a_ticket_nobody_has_claimed(database: BotDatabase) -> None:
    """One conditional UPDATE: a claim and a withdrawal at the same instant cannot both win."""
    store = TicketStore(database.engine)
    waiting = open_ticket(store, "session-w1")
    withdrawn = store.withdraw(waiting, NOW)
    assert withdrawn is not None
    assert (withdrawn.status, withdrawn.outcome) == (TicketStatus.RESOLVED, Outcome.WITHDRAWN)
    assert store.withdraw(waiting, NOW) is None  # already ended
    with pytest.raises(TicketConflictError):
        store.claim(waiting, "agent-1", "Alex", NOW)
    claimed = open_ticket(store, "session-w2")
    store.claim(claimed, "agent-1", "Alex", NOW)
    assert store.withdraw(claimed, NOW) is None
    assert store.get(claimed).status == TicketStatus.ACTIVE


def test_messages_are_numbered_in_order_after_the_transcript(database: BotDatabase) -> None:
    store = TicketStore(database.engine)
    ticket = open_ticket(store, "session-c")
    store.claim(ticket, "agent-1", "Alex", NOW)
    store.add_message(ticket, NewMessage(MessageRole.RESIDENT, "one"), NOW)
    store.add_message(ticket, NewMessage(MessageRole.AGENT, "two", "Alex"), NOW, agent_subject="agent-1")
    assert [(m.seq, m.text) for m in store.messages(ticket)] == [(1, "help"), (2, "one"), (3, "two")]
    assert [m.seq for m in store.messages(ticket, after_seq=2)] == [3]


def test_queue_positions_are_per_department_and_oldest_first(database: BotDatabase) -> None:
    store = TicketStore(database.engine)
    ids = [open_ticket(store, f"q-{n}", "Parking", NOW + timedelta(seconds=n)) for n in range(3)]
    other = open_ticket(store, "q-other", "Waste", NOW)
    assert [store.position(store.get(i)) for i in ids] == [1, 2, 3]
    assert store.position(store.get(other)) == 1
    store.claim(ids[0], "agent-1", "Alex", NOW)
    assert store.position(store.get(ids[2])) == 2
    assert [t.id for t in store.listed([TicketStatus.WAITING], department="Parking")] == ids[1:]


def test_overdue_tickets_are_abandoned_once(database: BotDatabase) -> None:
    store = TicketStore(database.engine)
    old = open_ticket(store, "old", at=NOW - timedelta(hours=1))
    new = open_ticket(store, "new", at=NOW)
    gone = store.abandon_overdue(NOW - timedelta(minutes=15), NOW)
    assert [t.id for t in gone] == [old]
    assert store.abandon_overdue(NOW - timedelta(minutes=15), NOW) == []
    assert store.get(old).outcome == Outcome.ABANDONED and store.get(new).status == TicketStatus.WAITING


def test_the_overview_counts_queue_wait_and_load(database: BotDatabase) -> None:
    store = TicketStore(database.engine)
    a = open_ticket(store, "o-1", "Parking", NOW - timedelta(minutes=10))
    open_ticket(store, "o-2", "Waste", NOW - timedelta(minutes=2))
    store.claim(a, "agent-1", "Alex", NOW)
    overview = store.overview(NOW)
    assert (overview.waiting, overview.active, overview.longest_wait_seconds) == (1, 1, 120)
    assert overview.waiting_by_department == {"Waste": 1}
    assert [(x.agent_name, x.active_tickets) for x in overview.agents] == [("Alex", 1)]


@pytest.mark.postgres
def test_concurrent_claims_on_postgresql_never_claim_a_ticket_twice(postgres_url: str) -> None:
    """16 agents in 4 'processes' (separate engines and pools) race for 20 tickets at once."""
    databases = [BotDatabase(postgres_url) for _ in range(4)]
    databases[0].migrate()
    stores = [TicketStore(db.engine) for db in databases]
    tickets = [open_ticket(stores[0], f"race-{n}") for n in range(20)]
    wins: Counter[str] = Counter()
    conflicts = Counter[str]()
    lock = threading.Lock()
    start = threading.Barrier(16)

    def agent(n: int) -> None:
        store = stores[n % 4]
        start.wait()
        for ticket in tickets:
            try:
                store.claim(ticket, f"agent-{n}", f"Agent {n}", NOW)
            except TicketConflictError:
                with lock:
                    conflicts[ticket] += 1
            else:
                with lock:
                    wins[ticket] += 1

    threads = [threading.Thread(target=agent, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    try:
        assert wins == Counter(dict.fromkeys(tickets, 1))
        assert conflicts == Counter(dict.fromkeys(tickets, 15))
        holders = {stores[0].get(t).agent_subject for t in tickets}
        assert None not in holders
    finally:
        for db in databases:
            db.close()


def test_the_latest_resident_messages_of_many_tickets_come_in_one_query(database: BotDatabase) -> None:
    """What the queue shows of each ticket: its residents' last messages, oldest first, others' left out."""
    store = TicketStore(database.engine)
    said = [NewMessage(MessageRole.RESIDENT, f"question {n}") for n in range(1, 8)]
    talk = (*said, NewMessage(MessageRole.ASSISTANT, "an answer"), NewMessage(MessageRole.RESIDENT, "person"))
    many, _ = store.open("session-many", "Parking", "en", False, (), talk, NOW)
    few = open_ticket(store, "session-few")
    quiet, _ = store.open("session-quiet", "Parking", "en", False, (), (), NOW)
    store.add_message(few, NewMessage(MessageRole.SYSTEM, "Alex took the conversation."), NOW)
    latest = store.latest_resident_texts([many.id, few, quiet.id], per_ticket=3)
    assert latest == {many.id: ["question 6", "question 7", "person"], few: ["help"]}
    assert store.latest_resident_texts([]) == {}
