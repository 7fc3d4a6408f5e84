"""The call-centre desk: tickets in department queues, and the live events that follow each change.

Everything that changes a ticket goes through here, so each change is stored first (one conditional
UPDATE in `bot.storage.tickets`) and then announced: to the resident's widget on the session's channel
(`queue`, `agent_joined`, `message`, `transferred`, `resolved`, `abandoned`, `left`, `withdrawn`) and to
the agent console on the ticket's channel (`message`, `status`). Every text that is stored is redacted;
an agent's reply reaches the resident as written (a department's phone number must survive), with an
answer id the resident rates it by (`rate`), and is stored redacted.

A resident may take back a request nobody has claimed yet ("never mind": `withdraws`, `withdraw`); once
an agent has it, such a message is relayed like any other: the resident is talking to a person.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.answering.normalise import normalise
from bot.answering.replies import Replies, RoutePatterns, load_routes
from bot.events import EventBroker
from bot.privacy import Redactor
from bot.staff.departments import Department, Directory
from bot.staff.errors import (
    EmptyStaffMessageError,
    StaffMessageTooLongError,
    TicketConflictError,
    UnknownDepartmentError,
)
from bot.staff.hours import OfficeHours
from bot.staff.tickets import (
    TRANSFER_NOTE_MAX_CHARS,
    MessageRole,
    NewMessage,
    Outcome,
    QueueOverview,
    Ticket,
    TicketMessage,
    TicketStatus,
    agent_answer_id,
    parse_agent_answer_id,
    session_channel,
    shows_masked_data,
)
from bot.storage.tickets import TicketStore
from knowledge_base.text import sentence_spans, terms

HandoffState = Literal["waiting", "active", "closed", "full", "resolved", "abandoned"]
PREVIEW_CHARS = 120  # the resident's question as the queue shows it


@dataclass(frozen=True, slots=True)
class HandoffPolicy:
    hours: OfficeHours
    capacity: int = 50
    abandon_seconds: int = 900
    handle_seconds: int = 300
    max_message_chars: int = 2000


@dataclass(frozen=True, slots=True)
class HandoffView:
    """What the resident is told about their request for a person."""

    state: HandoffState
    text: str
    position: int | None = None
    estimated_wait_seconds: int | None = None
    agent_name: str | None = None
    department: str | None = None


@dataclass(frozen=True, slots=True)
class Agent:
    subject: str
    name: str
    supervisor: bool = False


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    session_ref: str
    department: Department
    language: str
    logged_in: bool
    case_references: tuple[str, ...]
    transcript: tuple[NewMessage, ...]


def _clock() -> datetime:
    return datetime.now(UTC)


class HandoffDesk:
    def __init__(
        self,
        store: TicketStore,
        broker: EventBroker,
        directory: Directory,
        policy: HandoffPolicy,
        replies: Replies,
        redactor: Redactor,
        clock: Callable[[], datetime] = _clock,
    ) -> None:
        self.store = store
        self.broker = broker
        self.directory = directory
        self.policy = policy
        self.replies = replies
        self.redactor = redactor
        self.clock = clock

    # ---- the resident's side ---------------------------------------------------------------------------
    def live(self) -> bool:
        """Whether live events reach the widget and the agents (Redis up): without them nobody could
        join the conversation, so the bot keeps its own reply instead of opening a ticket."""
        return self.broker.ping()

    def unavailable(self, department: Department) -> HandoffView | None:
        """Why no ticket can be opened now (outside hours, queue full), or None."""
        if not self.policy.hours.is_open(self.clock()):
            text = self.replies.get(
                "handoff_closed", hours=self.policy.hours.describe(), contact=department.contact
            )
            return HandoffView("closed", text, department=department.name)
        if self.store.waiting_count() >= self.policy.capacity:
            return HandoffView(
                "full",
                self.replies.get("handoff_full", contact=department.contact),
                department=department.name,
            )
        return None

    def open(self, request: HandoffRequest, admit: Callable[[], bool] | None = None) -> HandoffView:
        """Put the conversation in its department's queue (or say why not).

        `admit` is asked once, only when a new ticket would be opened (the session has none open, the
        desk is open and the queue has room): False when the client has opened its share of tickets
        (`RateLimiter.allow_handoff`, per address), and the resident is told their requests are waiting
        (state `full`: no ticket opened)."""
        existing = self.store.open_for_session(request.session_ref)
        if existing is not None:
            return self.view(existing)
        refused = self.unavailable(request.department)
        if refused is not None:
            return refused
        if admit is not None and not admit():
            return HandoffView(
                "full",
                self.replies.get("handoff_too_many", contact=request.department.contact),
                department=request.department.name,
            )
        ticket, created = self.store.open(
            request.session_ref,
            request.department.name,
            request.language,
            request.logged_in,
            request.case_references,
            request.transcript,
            self.clock(),
        )
        view = self.view(ticket)
        if created:
            view = replace(
                view,
                text=self.replies.get(
                    "handoff_queued",
                    department=ticket.department,
                    position=view.position,
                    wait=self._wait_text(view.estimated_wait_seconds or 0),
                ),
            )
            self._status(ticket)
            self.broker.publish(ticket.session_channel, "queue", _view_data(view))
        return view

    def open_ticket(self, session_ref: str) -> Ticket | None:
        return self.store.open_for_session(session_ref)

    def view(self, ticket: Ticket) -> HandoffView:
        if ticket.status == TicketStatus.WAITING:
            position, wait = self.estimate(ticket)
            text = self.replies.get("handoff_position", position=position, wait=self._wait_text(wait))
            return HandoffView("waiting", text, position, wait, department=ticket.department)
        if ticket.status == TicketStatus.ACTIVE:
            agent = ticket.agent_name or ""
            text = self.replies.get("handoff_joined", agent=agent)
            return HandoffView("active", text, agent_name=agent, department=ticket.department)
        if ticket.status == TicketStatus.ABANDONED:
            contact = self.directory.contact(ticket.department)
            return HandoffView("abandoned", self.replies.get("handoff_abandoned", contact=contact))
        if ticket.outcome == Outcome.RESIDENT_LEFT:
            return HandoffView("resolved", self.replies.get("handoff_left"))
        if ticket.outcome == Outcome.WITHDRAWN:
            return HandoffView("resolved", self.replies.get("handoff_withdrawn"))
        ended_by = self._ended_by(ticket)
        return HandoffView("resolved", self._resolved_text(ticket, ended_by), agent_name=ended_by)

    def _resolved_text(self, ticket: Ticket, ended_by: str | None) -> str:
        """What the resident reads when the ticket is resolved: who ended the chat (a supervisor may end
        an agent's), or, when nobody had joined it (a supervisor closing a waiting ticket), that the
        request was closed."""
        if ticket.agent_name is None:
            return self.replies.get("handoff_closed_unclaimed")
        return self.replies.get("handoff_resolved", agent=ended_by or ticket.agent_name)

    def _ended_by(self, ticket: Ticket) -> str | None:
        """Who resolved the ticket: the author of its closing note (`resolve`), else the agent who held it;
        None when nobody had joined it."""
        if ticket.agent_name is None:
            return None
        closing = [m for m in self.store.messages(ticket.id) if m.role == MessageRole.SYSTEM and m.author]
        return closing[-1].author if closing else ticket.agent_name

    def last_resident_text(self, ticket: Ticket) -> str:
        """The resident's latest message on the ticket (redacted): the context the next one is
        redacted in ("My card number starts [CARD]" before "and ends 1111 1111")."""
        return next(iter(self.store.latest_resident_texts([ticket.id], per_ticket=1).get(ticket.id, [])), "")

    def relay(self, ticket: Ticket, redacted: str) -> TicketMessage:
        """A resident's message (already redacted) while a person handles the conversation."""
        message = self.store.add_message(ticket.id, NewMessage(MessageRole.RESIDENT, redacted), self.clock())
        self.broker.publish(ticket.channel, "message", _message_data(message))
        return message

    def leave(self, session_ref: str) -> HandoffView | None:
        ticket = self.store.leave(session_ref, self.clock())
        if ticket is None:
            return None
        self._close(ticket, "The resident left.")
        view = self.view(ticket)
        self.broker.publish(ticket.session_channel, "left", {"text": view.text})
        self._announce(ticket.department)
        return view

    def withdraw(self, ticket: Ticket, redacted: str) -> HandoffView | None:
        """The resident takes back a request nobody has claimed ("never mind": `withdraws`): their message
        (already redacted) and a closing line go on the ticket, which ends `withdrawn`, and the queue
        moves up. None when an agent has the ticket: the message is theirs to read (`relay`).

        The ticket ends only if it is still waiting when the database changes it (one conditional
        UPDATE, `TicketStore.withdraw`): an agent claiming it in that instant keeps it, and the message
        is relayed to them (None)."""
        if ticket.status != TicketStatus.WAITING:
            return None
        now = self.clock()
        closed = self.store.withdraw(ticket.id, now)
        if closed is None:
            return None
        said = self.store.add_closing_message(closed.id, NewMessage(MessageRole.RESIDENT, redacted), now)
        self.broker.publish(closed.channel, "message", _message_data(said))
        self._close(closed, "The resident withdrew the request before anyone took it.")
        view = self.view(closed)
        self.broker.publish(closed.session_channel, "withdrawn", {"text": view.text})
        self._announce(closed.department)
        return view

    # ---- the agent's side --------------------------------------------------------------------------------
    def claim(self, ticket_id: str, agent: Agent) -> Ticket:
        ticket = self.store.claim(ticket_id, agent.subject, agent.name, self.clock())
        self._note(ticket, f"{agent.name} took the conversation.")
        self._status(ticket)
        self.broker.publish(
            ticket.session_channel,
            "agent_joined",
            {"agent": agent.name, "text": self.replies.get("handoff_joined", agent=agent.name)},
        )
        self._announce(ticket.department)
        return ticket

    def transfer(self, ticket_id: str, department_name: str, agent: Agent, note: str = "") -> Ticket:
        """Back to a department's queue, with an optional internal note for the next agent (stored
        redacted in the transcript, role `note`; never sent to the resident). The ticket is queued again
        now, with the abandon timer restarted, in its place by when the resident asked for a person
        (`TicketStore.transfer`)."""
        department = self.directory.named(department_name)
        if department is None:
            raise UnknownDepartmentError(department_name[:200])
        written = normalise(note)
        if len(written) > TRANSFER_NOTE_MAX_CHARS:
            raise StaffMessageTooLongError(len(written), TRANSFER_NOTE_MAX_CHARS)
        before = self.store.get(ticket_id)
        if before.department == department.name:
            queue = department.name
            raise TicketConflictError("same_department", f"This ticket is already in the {queue} queue.")
        ticket = self.store.transfer(
            ticket_id, department.name, agent.subject, agent.supervisor, self.clock()
        )
        self._note(ticket, f"{agent.name} passed the conversation to {department.name}.")
        if written:
            redacted = self.redactor.redact(written).text
            self._note(ticket, redacted, role=MessageRole.NOTE, author=agent.name)
        self._status(ticket)
        position, wait = self.estimate(ticket)
        text = self.replies.get(
            "handoff_transferred", department=department.name, position=position, wait=self._wait_text(wait)
        )
        self.broker.publish(
            ticket.session_channel,
            "transferred",
            _view_data(HandoffView("waiting", text, position, wait, department=department.name)),
        )
        self._announce(before.department, department.name, skip=ticket.id)
        return ticket

    def resolve(self, ticket_id: str, outcome: Outcome, agent: Agent) -> Ticket:
        ticket = self.store.resolve(ticket_id, outcome, agent.subject, agent.supervisor, self.clock())
        self._close(ticket, f"{agent.name} ended the chat ({outcome.value}).", author=agent.name)
        text = self._resolved_text(ticket, agent.name)  # nobody had claimed it: a supervisor closed it
        ended_by = agent.name if ticket.agent_name is not None else None
        self.broker.publish(ticket.session_channel, "resolved", {"agent": ended_by, "text": text})
        self._announce(ticket.department)
        return ticket

    def send(self, ticket_id: str, agent: Agent, text: str) -> TicketMessage:
        """An agent's reply: stored redacted, delivered to the resident as written."""
        written = normalise(text)
        if not written:
            raise EmptyStaffMessageError(ticket_id)
        if len(written) > self.policy.max_message_chars:
            raise StaffMessageTooLongError(len(written), self.policy.max_message_chars)
        redacted = self.redactor.redact(written).text
        message = self.store.add_message(
            ticket_id,
            NewMessage(MessageRole.AGENT, redacted, agent.name),
            self.clock(),
            agent.subject,
            any_agent=agent.supervisor,
        )
        self.broker.publish(f"ticket:{ticket_id}", "message", _message_data(message))
        ticket = self.store.get(ticket_id)
        self.broker.publish(
            ticket.session_channel,
            "message",
            {
                "seq": message.seq,
                "agent": agent.name,
                "text": written,
                "answer_id": agent_answer_id(ticket_id, message.seq),  # the resident may rate it
            },
        )
        return message

    def rate(self, answer_id: str, helpful: bool, comment: str) -> bool:
        """The resident's verdict on an agent's reply (`agent_answer_id`), with a redacted comment;
        False when `answer_id` names no agent's reply."""
        found = parse_agent_answer_id(answer_id)
        if found is None:
            return False
        return self.store.rate(*found, helpful, comment, self.clock())

    def sweep(self) -> list[Ticket]:
        """Abandon tickets nobody claimed within the timeout; every process may call it."""
        now = self.clock()
        gone = self.store.abandon_overdue(now - timedelta(seconds=self.policy.abandon_seconds), now)
        for ticket in gone:
            self._close(ticket, "Nobody claimed the conversation in time.")
            self.broker.publish(ticket.session_channel, "abandoned", {"text": self.view(ticket).text})
        self._announce(*sorted({t.department for t in gone}))
        return gone

    # ---- figures -------------------------------------------------------------------------------------------
    def estimate(self, ticket: Ticket) -> tuple[int, int]:
        """(position in its queue, estimated wait in seconds): position x handling time / agents at work."""
        position = self.store.position(ticket)
        return position, self._wait(position)

    def _wait(self, position: int, handle: float | None = None, agents: int | None = None) -> int:
        if handle is None:
            handle, agents = self._pace()
        return math.ceil(position * handle / max(1, agents or 1))

    def _pace(self) -> tuple[float, int]:
        recent = self.store.recent_handle_seconds()
        handle = statistics.median(recent) if len(recent) >= 5 else float(self.policy.handle_seconds)
        agents = self.store.agents_since(self.clock() - timedelta(hours=1))
        return handle, max(1, agents)

    def overview(self) -> QueueOverview:
        return self.store.overview(self.clock())

    def questions(self, tickets: Iterable[Ticket]) -> dict[str, str]:
        """What each ticket's resident asks (`asked`: their latest message that asks something, without
        the sentences that only give personal data), redacted as stored, cut to about 120 characters.
        A ticket whose resident wrote nothing is left out."""
        routes = load_routes()
        return {
            ticket_id: preview(asked(routes, texts))
            for ticket_id, texts in self.store.latest_resident_texts([t.id for t in tickets]).items()
        }

    def question(self, ticket: Ticket) -> str | None:
        """What the ticket's resident asks, as the queue shows it (`questions`); None when they wrote
        nothing."""
        return self.questions([ticket]).get(ticket.id)

    def _wait_text(self, seconds: int) -> str:
        if seconds < 60:
            return self.replies.get("handoff_wait_short")
        return self.replies.get(
            "handoff_wait_minutes", wait=self.replies.minutes(max(1, round(seconds / 60)))
        )

    # ---- announcing ----------------------------------------------------------------------------------------
    def _note(
        self, ticket: Ticket, text: str, role: MessageRole = MessageRole.SYSTEM, author: str = ""
    ) -> None:
        message = self.store.add_message(ticket.id, NewMessage(role, text, author), self.clock())
        self.broker.publish(ticket.channel, "message", _message_data(message))

    def _close(self, ticket: Ticket, text: str, author: str = "") -> None:
        message = self.store.add_closing_message(
            ticket.id, NewMessage(MessageRole.SYSTEM, text, author), self.clock()
        )
        self.broker.publish(ticket.channel, "message", _message_data(message))
        self._status(ticket)

    def _status(self, ticket: Ticket) -> None:
        self.broker.publish(
            ticket.channel,
            "status",
            {
                "status": ticket.status.value,
                "department": ticket.department,
                "agent": ticket.agent_name,
                "outcome": ticket.outcome.value if ticket.outcome else None,
            },
        )

    def _announce(self, *departments: str, skip: str | None = None) -> None:
        """Tell everyone still waiting in these queues their new place."""
        handle, agents = self._pace()
        for department in dict.fromkeys(departments):
            for position, ticket in enumerate(
                self.store.listed([TicketStatus.WAITING], department=department), start=1
            ):
                if ticket.id == skip:
                    continue
                wait = self._wait(position, handle, agents)
                text = self.replies.get("handoff_position", position=position, wait=self._wait_text(wait))
                self.broker.publish(
                    session_channel(ticket.session_ref),
                    "queue",
                    _view_data(HandoffView("waiting", text, position, wait, department=department)),
                )


def _view_data(view: HandoffView) -> dict[str, object]:
    return {
        "state": view.state,
        "text": view.text,
        "position": view.position,
        "estimated_wait_seconds": view.estimated_wait_seconds,
        "department": view.department,
        "agent": view.agent_name,
    }


def _message_data(message: TicketMessage) -> dict[str, object]:
    return {
        "seq": message.seq,
        "role": message.role.value,
        "author": message.author,
        "text": message.text,
        "masked": message.masked,
        "created_at": message.created_at.isoformat(),
    }


def withdraws(routes: RoutePatterns, text: str) -> bool:
    """Whether a resident's message (normalised, redacted) only takes back their request for a person:
    it says so ("never mind", "cancel that", "I don't need a person anymore": `handoff_withdraw` in the
    routes data), and nothing is left once that and what may go with it ("thanks", "I found it":
    `handoff_withdraw_aside`) are taken out. "Never mind, how much is a dog licence?" asks something."""
    if not routes.matches("handoff_withdraw", text):
        return False
    return not terms(routes.rest("handoff_withdraw_aside", routes.rest("handoff_withdraw", text)))


def gives_data(sentence: str) -> bool:
    """A sentence that only gives personal data ("my phone is [PHONE]", "I'm [NAME]."): it shows a
    masking placeholder and asks nothing (no question mark)."""
    return shows_masked_data(sentence) and "?" not in sentence


def asked(routes: RoutePatterns, texts: Sequence[str]) -> str:
    """What a resident's messages (redacted, oldest first) ask: the latest message that asks something
    ("I want to talk to a person", "yes" give way to the question before them: `latest_question`),
    without its sentences that only give personal data (`gives_data`); a message of nothing but those
    ("my phone is [PHONE]") gives way to the one before it too. When no message asks anything: the
    latest that is not only personal data, else the latest; "" when there is none."""
    kept = [
        " ".join(s for s in (text[a:b] for a, b in sentence_spans(text)) if not gives_data(s))
        for text in texts
    ]
    says = [i for i, k in enumerate(kept) if terms(k)]
    latest = routes.latest_question([texts[i] for i in says])
    if latest >= 0:
        return kept[says[latest]]
    if says:
        return kept[says[-1]]
    return texts[-1] if texts else ""


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """`text` on one line, cut at a word before `limit` characters with an ellipsis when longer."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,.;:") + "…"


def transcript_messages(turns: Iterable[tuple[str, str]]) -> tuple[NewMessage, ...]:
    """(question, answer) pairs of the bot's transcript as ticket messages."""
    out: list[NewMessage] = []
    for question, answer in turns:
        if question.strip():
            out.append(NewMessage(MessageRole.RESIDENT, question))
        if answer.strip():
            out.append(NewMessage(MessageRole.ASSISTANT, answer, "Assistant"))
    return tuple(out)
