"""A transferred conversation waits in its new queue from the transfer: the abandon timer and the wait
shown start again, and it keeps its place by when the resident asked for a person (before those who
asked after it, behind those who asked before). Real SQLite and PostgreSQL; the desk with a real
broker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.answering.replies import load_replies
from bot.api.schemas_staff import TicketOut
from bot.events import InMemoryEventBroker
from bot.privacy import PiiDetector, Redactor
from bot.staff.departments import Department, Directory
from bot.staff.desk import Agent, HandoffDesk, HandoffPolicy
from bot.staff.hours import OfficeHours
from bot.staff.tickets import MessageRole, NewMessage, TicketStatus
from bot.storage.database import BotDatabase
from bot.storage.tickets import TicketStore

ASKED = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
TRANSFERRED = ASKED + timedelta(seconds=899)  # claimed at once, 15 minutes of chat, then passed on
ABANDON = 900


@dataclass(frozen=True)
class Doc:
    """A published document's owner, as the directory reads it."""

    id: str
    department: str
    contact: str


def opened(store: TicketStore, ref: str, department: str, at: datetime) -> str:
    ticket, created = store.open(
        ref,
        department,
        "en",
        False,
        (),
        (NewMessage(MessageRole.RESIDENT, "I want to talk to a person"),),
        at,
    )
    assert created
    return ticket.id


def test_a_transfer_queues_the_ticket_again_at_the_transfer(database: BotDatabase) -> None:
    store = TicketStore(database.engine)
    talked = opened(store, "resident-talked", "Parking", ASKED)
    store.claim(talked, "agent-1", "Alex", ASKED + timedelta(seconds=5))
    # already waiting in the waste queue: one before the chat began, one during it
    early = opened(store, "resident-early", "Waste", ASKED - timedelta(seconds=60))
    during = opened(store, "resident-during", "Waste", ASKED + timedelta(seconds=600))

    moved = store.transfer(talked, "Waste", "agent-1", any_agent=False, now=TRANSFERRED)
    assert (moved.status, moved.department, moved.transfers) == (TicketStatus.WAITING, "Waste", 1)
    assert moved.queued_at == TRANSFERRED
    # the wait the console shows counts from the transfer, not from when the resident first asked
    assert TicketOut.of(moved, TRANSFERRED + timedelta(seconds=16)).waiting_seconds == 16
    # fair: behind the one who asked before it, before the one who asked during its chat (it went to
    # the back of the queue before: it waited twice)
    assert moved.asked_at == ASKED
    assert store.position(moved) == 2
    assert [t.id for t in store.listed([TicketStatus.WAITING], department="Waste")] == [early, talked, during]
    # when the resident first asked stays on the ticket: its first message
    assert store.messages(talked)[0].created_at == ASKED

    # 16 s later the sweep takes only the one waiting since before the chat (the defect: this one too,
    # 899 + 16 s after the resident first asked) ...
    later = TRANSFERRED + timedelta(seconds=16)
    assert [t.id for t in store.abandon_overdue(later - timedelta(seconds=ABANDON), later)] == [early]
    assert store.get(talked).status == TicketStatus.WAITING
    # ... and it goes a full timeout after the transfer
    overdue = TRANSFERRED + timedelta(seconds=ABANDON + 1)
    gone = {t.id for t in store.abandon_overdue(overdue - timedelta(seconds=ABANDON), overdue)}
    assert gone == {talked, during}


def test_the_desk_keeps_a_transferred_conversation_waiting_and_tells_the_next_agent(
    database: BotDatabase,
) -> None:
    now = [ASKED]
    parking = Department("Parking", "the parking office")
    waste = Department("Waste collection", "the waste line")
    documents = [Doc("permits", parking.name, parking.contact), Doc("bins", waste.name, waste.contact)]
    directory = Directory(lambda: documents, Department("Contact centre", "311"))
    broker = InMemoryEventBroker(100, 3600)
    redactor = Redactor(PiiDetector())
    redactor.warm_up()
    desk = HandoffDesk(
        TicketStore(database.engine),
        broker,
        directory,
        HandoffPolicy(hours=OfficeHours("mon-sun 00:00-24:00", "UTC"), abandon_seconds=ABANDON),
        load_replies(),
        redactor,
        clock=lambda: now[0],
    )
    ticket = opened(desk.store, "resident-transferred", parking.name, ASKED)
    desk.claim(ticket, Agent("agent-1", "Alex"))
    now[0] = TRANSFERRED
    moved = desk.transfer(ticket, waste.name, Agent("agent-1", "Alex"), note="Asked about a missed bin")
    assert moved.queued_at == TRANSFERRED

    now[0] = TRANSFERRED + timedelta(seconds=16)
    assert desk.sweep() == []
    assert desk.store.get(ticket).status == TicketStatus.WAITING
    # the next agent claims it and reads the note
    claimed = desk.claim(ticket, Agent("agent-2", "Bea"))
    assert claimed.department == waste.name
    notes = [m.text for m in desk.store.messages(ticket) if m.role == MessageRole.NOTE]
    assert notes == ["Asked about a missed bin"]
