"""The ticket repository: every change of a ticket's state is one conditional UPDATE, so the database
decides races between agents and processes.

A claim is `UPDATE ... SET status='active' WHERE id=? AND status='waiting'`: on PostgreSQL a second,
concurrent claim waits for the first to commit, re-reads the row, no longer matches, and changes
nothing (SQLite serialises writers). Exactly one claimant sees its row come back; the others get a
conflict. Message numbers come from the same kind of UPDATE (`last_seq = last_seq + 1 ... RETURNING`),
and a partial unique index allows one open ticket per session.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.staff.errors import TicketConflictError, TicketNotFoundError
from bot.staff.tickets import (
    OPEN,
    AgentLoad,
    MessageRole,
    NewMessage,
    Outcome,
    QueueOverview,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from bot.storage.tables import TicketMessageRow, TicketRow

T: sa.Table = TicketRow.__table__  # type: ignore[assignment]
M: sa.Table = TicketMessageRow.__table__  # type: ignore[assignment]
_OPEN = [s.value for s in OPEN]


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _ticket(row: sa.Row[tuple[object, ...]] | sa.RowMapping) -> Ticket:
    r = row._mapping if isinstance(row, sa.Row) else row
    return Ticket(
        id=r["id"],
        session_ref=r["session_ref"],
        status=TicketStatus(r["status"]),
        department=r["department"],
        language=r["language"],
        logged_in=bool(r["logged_in"]),
        queued_at=utc(r["queued_at"]),
        asked_at=utc(r["asked_at"]),
        claimed_at=utc(r["claimed_at"]) if r["claimed_at"] else None,
        closed_at=utc(r["closed_at"]) if r["closed_at"] else None,
        agent_subject=r["agent_subject"],
        agent_name=r["agent_name"],
        outcome=Outcome(r["outcome"]) if r["outcome"] else None,
        transfers=int(r["transfers"]),
        case_references=tuple(r["case_references"] or ()),
        last_seq=int(r["last_seq"]),
    )


def _message(row: sa.Row[tuple[object, ...]]) -> TicketMessage:
    r = row._mapping
    return TicketMessage(
        r["ticket_id"],
        int(r["seq"]),
        MessageRole(r["role"]),
        r["author"],
        r["text"],
        utc(r["created_at"]),
        r["helpful"],
        r["comment"] or "",
    )


class TicketStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # ---- opening --------------------------------------------------------------------------------------
    def open(
        self,
        session_ref: str,
        department: str,
        language: str,
        logged_in: bool,
        case_references: Sequence[str],
        transcript: Sequence[NewMessage],
        now: datetime,
    ) -> tuple[Ticket, bool]:
        """(the session's open ticket, whether it is new): a session has at most one open ticket."""
        ticket_id = uuid.uuid4().hex
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    sa.insert(T).values(
                        id=ticket_id,
                        session_ref=session_ref,
                        status=TicketStatus.WAITING.value,
                        department=department,
                        language=language,
                        logged_in=logged_in,
                        queued_at=now,
                        asked_at=now,
                        transfers=0,
                        case_references=list(case_references),
                        last_seq=len(transcript),
                    )
                )
                if transcript:
                    conn.execute(
                        sa.insert(M),
                        [
                            {
                                "ticket_id": ticket_id,
                                "seq": seq,
                                "role": m.role.value,
                                "author": m.author,
                                "text": m.text,
                                "created_at": now,
                            }
                            for seq, m in enumerate(transcript, start=1)
                        ],
                    )
        except sa.exc.IntegrityError:
            existing = self.open_for_session(session_ref)
            if existing is None:
                raise
            return existing, False
        return self.get(ticket_id), True

    # ---- reading --------------------------------------------------------------------------------------
    def get(self, ticket_id: str) -> Ticket:
        if len(ticket_id) > 32:
            raise TicketNotFoundError(ticket_id[:32])
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(T).where(T.c.id == ticket_id)).first()
        if row is None:
            raise TicketNotFoundError(ticket_id)
        return _ticket(row)

    def open_for_session(self, session_ref: str) -> Ticket | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(T).where(T.c.session_ref == session_ref, T.c.status.in_(_OPEN))
            ).first()
        return _ticket(row) if row is not None else None

    def latest_for_session(self, session_ref: str) -> Ticket | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(T).where(T.c.session_ref == session_ref).order_by(T.c.queued_at.desc()).limit(1)
            ).first()
        return _ticket(row) if row is not None else None

    def messages(self, ticket_id: str, after_seq: int = 0) -> list[TicketMessage]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(M).where(M.c.ticket_id == ticket_id, M.c.seq > after_seq).order_by(M.c.seq)
            ).all()
        return [_message(r) for r in rows]

    def latest_resident_texts(self, ticket_ids: Sequence[str], per_ticket: int = 5) -> dict[str, list[str]]:
        """The last `per_ticket` resident messages (redacted, oldest first) of each ticket: one query."""
        if not ticket_ids:
            return {}
        latest = (
            sa.func.row_number().over(partition_by=M.c.ticket_id, order_by=M.c.seq.desc()).label("latest")
        )
        recent = (
            sa.select(M.c.ticket_id, M.c.seq, M.c.text, latest)
            .where(M.c.ticket_id.in_(list(ticket_ids)), M.c.role == MessageRole.RESIDENT.value)
            .subquery()
        )
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(recent.c.ticket_id, recent.c.text)
                .where(recent.c.latest <= per_ticket)
                .order_by(recent.c.ticket_id, recent.c.seq)
            ).all()
        out: dict[str, list[str]] = {}
        for ticket_id, text in rows:
            out.setdefault(ticket_id, []).append(text)
        return out

    def listed(
        self,
        statuses: Sequence[TicketStatus],
        department: str | None = None,
        agent_subject: str | None = None,
        limit: int = 200,
    ) -> list[Ticket]:
        """Tickets in `statuses`, in the order their residents asked for a person (`asked_at`: a
        transferred ticket keeps its place among those who asked after it)."""
        query = sa.select(T).where(T.c.status.in_([s.value for s in statuses]))
        if department is not None:
            query = query.where(T.c.department == department)
        if agent_subject is not None:
            query = query.where(T.c.agent_subject == agent_subject)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(T.c.asked_at, T.c.id).limit(limit)).all()
        return [_ticket(r) for r in rows]

    def position(self, ticket: Ticket) -> int:
        """1 for the first in its department's queue (the order of `listed`: who asked first)."""
        with self.engine.connect() as conn:
            ahead = conn.execute(
                sa.select(sa.func.count())
                .select_from(T)
                .where(
                    T.c.status == TicketStatus.WAITING.value,
                    T.c.department == ticket.department,
                    sa.or_(
                        T.c.asked_at < ticket.asked_at,
                        sa.and_(T.c.asked_at == ticket.asked_at, T.c.id < ticket.id),
                    ),
                )
            ).scalar_one()
        return int(ahead) + 1

    def waiting_count(self) -> int:
        with self.engine.connect() as conn:
            count = conn.execute(
                sa.select(sa.func.count()).select_from(T).where(T.c.status == TicketStatus.WAITING.value)
            ).scalar_one()
        return int(count)

    def recent_handle_seconds(self, limit: int = 50) -> list[float]:
        """How long the latest resolved tickets were handled (claim to resolve), newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(T.c.claimed_at, T.c.closed_at)
                .where(T.c.status == TicketStatus.RESOLVED.value, T.c.claimed_at.is_not(None))
                .order_by(T.c.closed_at.desc())
                .limit(limit)
            ).all()
        return [(utc(closed) - utc(claimed)).total_seconds() for claimed, closed in rows if closed]

    def agents_since(self, since: datetime) -> int:
        """Agents holding a ticket now or who claimed one since `since`."""
        with self.engine.connect() as conn:
            count = conn.execute(
                sa.select(sa.func.count(sa.distinct(T.c.agent_subject))).where(
                    T.c.agent_subject.is_not(None),
                    sa.or_(T.c.status == TicketStatus.ACTIVE.value, T.c.claimed_at >= since),
                )
            ).scalar_one()
        return int(count)

    def overview(self, now: datetime) -> QueueOverview:
        with self.engine.connect() as conn:
            waiting = conn.execute(
                sa.select(T.c.department, sa.func.count(), sa.func.min(T.c.queued_at))
                .where(T.c.status == TicketStatus.WAITING.value)
                .group_by(T.c.department)
            ).all()
            loads = conn.execute(
                sa.select(T.c.agent_subject, sa.func.max(T.c.agent_name), sa.func.count())
                .where(T.c.status == TicketStatus.ACTIVE.value)
                .group_by(T.c.agent_subject)
                .order_by(sa.func.count().desc(), T.c.agent_subject)
            ).all()
        oldest = min((utc(first) for _, _, first in waiting), default=None)
        return QueueOverview(
            waiting=sum(int(n) for _, n, _ in waiting),
            active=sum(int(n) for _, _, n in loads),
            longest_wait_seconds=int((now - oldest).total_seconds()) if oldest else 0,
            waiting_by_department={d: int(n) for d, n, _ in sorted(waiting)},
            agents=tuple(AgentLoad(s, n or s, int(c)) for s, n, c in loads),
        )

    # ---- changing state: one conditional UPDATE each ----------------------------------------------------
    def _change(
        self, conn: Connection, ticket_id: str, where: sa.ColumnElement[bool], values: dict[str, object]
    ) -> Ticket | None:
        row = conn.execute(
            sa.update(T).where(T.c.id == ticket_id, where).values(**values).returning(*T.c)
        ).first()
        return _ticket(row) if row is not None else None

    def _refused(self, ticket_id: str, code: str, message: str) -> TicketConflictError:
        self.get(ticket_id)  # TicketNotFoundError first
        return TicketConflictError(code, message)

    def claim(self, ticket_id: str, agent_subject: str, agent_name: str, now: datetime) -> Ticket:
        with self.engine.begin() as conn:
            ticket = self._change(
                conn,
                ticket_id,
                T.c.status == TicketStatus.WAITING.value,
                {
                    "status": TicketStatus.ACTIVE.value,
                    "agent_subject": agent_subject,
                    "agent_name": agent_name,
                    "claimed_at": now,
                },
            )
        if ticket is None:
            raise self._refused(ticket_id, "ticket_not_waiting", "This ticket is no longer waiting.")
        return ticket

    def _holder(self, agent_subject: str, any_agent: bool, waiting: bool = True) -> sa.ColumnElement[bool]:
        """Open, and held by this agent (any open ticket, for a supervisor), or, with `waiting`, waiting."""
        held = sa.true() if any_agent else T.c.agent_subject == agent_subject
        if waiting:
            held = sa.or_(T.c.status == TicketStatus.WAITING.value, held)
        return sa.and_(T.c.status.in_(_OPEN), held)

    def transfer(
        self,
        ticket_id: str,
        department: str,
        agent_subject: str,
        any_agent: bool,
        now: datetime | None = None,
    ) -> Ticket:
        """Back to a department's queue, queued again at `now` (the transfer): its wait and the abandon
        timer count from the transfer (`queued_at`). Its place in the queue does not: it keeps
        `asked_at`, when the resident asked for a person, so it goes before those who asked after it
        (they have waited less) and behind those who asked before. `transfers` counts the moves."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            ticket = self._change(
                conn,
                ticket_id,
                self._holder(agent_subject, any_agent),
                {
                    "status": TicketStatus.WAITING.value,
                    "department": department,
                    "agent_subject": None,
                    "agent_name": None,
                    "claimed_at": None,
                    "queued_at": now,
                    "transfers": T.c.transfers + 1,
                },
            )
        if ticket is None:
            raise self._refused(
                ticket_id, "ticket_not_yours", "This ticket is closed or another agent is handling it."
            )
        return ticket

    def resolve(
        self, ticket_id: str, outcome: Outcome, agent_subject: str, any_agent: bool, now: datetime
    ) -> Ticket:
        with self.engine.begin() as conn:
            ticket = self._change(
                conn,
                ticket_id,
                # a waiting ticket is anyone's to pass on, but only a supervisor closes one unclaimed
                self._holder(agent_subject, any_agent, waiting=False),
                {
                    "status": TicketStatus.RESOLVED.value,
                    "outcome": outcome.value,
                    "closed_at": now,
                    "case_references": [],
                },
            )
        if ticket is None:
            raise self._refused(
                ticket_id, "ticket_not_yours", "This ticket is closed or another agent is handling it."
            )
        return ticket

    def withdraw(self, ticket_id: str, now: datetime) -> Ticket | None:
        """The resident takes back a request nobody has claimed: the ticket ends `withdrawn` only while
        it is still waiting (None once an agent has claimed it, or it ended otherwise)."""
        with self.engine.begin() as conn:
            return self._change(
                conn,
                ticket_id,
                T.c.status == TicketStatus.WAITING.value,
                {
                    "status": TicketStatus.RESOLVED.value,
                    "outcome": Outcome.WITHDRAWN.value,
                    "closed_at": now,
                    "case_references": [],
                },
            )

    def leave(self, session_ref: str, now: datetime) -> Ticket | None:
        """The resident leaves: their open ticket ends (outcome `resident_left`)."""
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.update(T)
                .where(T.c.session_ref == session_ref, T.c.status.in_(_OPEN))
                .values(
                    status=TicketStatus.RESOLVED.value,
                    outcome=Outcome.RESIDENT_LEFT.value,
                    closed_at=now,
                    case_references=[],
                )
                .returning(*T.c)
            ).first()
        return _ticket(row) if row is not None else None

    def abandon_overdue(self, queued_before: datetime, now: datetime) -> list[Ticket]:
        """Waiting tickets queued before `queued_before` are abandoned (each by exactly one caller); a
        transferred ticket counts from its transfer (`transfer` queues it again)."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.update(T)
                .where(T.c.status == TicketStatus.WAITING.value, T.c.queued_at < queued_before)
                .values(
                    status=TicketStatus.ABANDONED.value,
                    outcome=Outcome.ABANDONED.value,
                    closed_at=now,
                    case_references=[],
                )
                .returning(*T.c)
            ).all()
        return [_ticket(r) for r in rows]

    def add_message(
        self,
        ticket_id: str,
        message: NewMessage,
        now: datetime,
        agent_subject: str | None = None,
        any_agent: bool = False,
    ) -> TicketMessage:
        """Number and store a message. With `agent_subject`, only while that agent holds the ticket (any
        agent, for a supervisor: `any_agent`)."""
        where: sa.ColumnElement[bool] = T.c.status.in_(_OPEN)
        if agent_subject is not None:
            held = sa.true() if any_agent else T.c.agent_subject == agent_subject
            where = sa.and_(T.c.status == TicketStatus.ACTIVE.value, held)
        with self.engine.begin() as conn:
            seq = conn.execute(
                sa.update(T)
                .where(T.c.id == ticket_id, where)
                .values(last_seq=T.c.last_seq + 1)
                .returning(T.c.last_seq)
            ).scalar()
            if seq is not None:
                conn.execute(
                    sa.insert(M).values(
                        ticket_id=ticket_id,
                        seq=int(seq),
                        role=message.role.value,
                        author=message.author,
                        text=message.text,
                        created_at=now,
                    )
                )
        if seq is None:
            raise self._refused(
                ticket_id,
                "ticket_not_yours",
                "Claim this ticket before replying: it is closed, waiting, or another agent's.",
            )
        return TicketMessage(ticket_id, int(seq), message.role, message.author, message.text, now)

    def rate(self, ticket_id: str, seq: int, helpful: bool, comment: str, now: datetime) -> bool:
        """The resident's verdict on an agent's reply (message `seq`), with the rules of the bot's own
        feedback (`BotDatabase.feedback`): a changed verdict replaces the comment, the same one keeps it
        when it brings none. One UPDATE; False when there is no such agent reply."""
        keeps_comment = (
            sa.and_(M.c.helpful.is_not(None), M.c.helpful == helpful) if not comment else sa.false()
        )
        with self.engine.begin() as conn:
            changed = conn.execute(
                sa.update(M)
                .where(M.c.ticket_id == ticket_id, M.c.seq == seq, M.c.role == MessageRole.AGENT.value)
                .values(
                    helpful=helpful,
                    comment=sa.case((keeps_comment, M.c.comment), else_=sa.literal(comment)),
                    rated_at=now,
                )
            ).rowcount
        return bool(changed)

    def add_closing_message(self, ticket_id: str, message: NewMessage, now: datetime) -> TicketMessage:
        """A system line on a ticket that has just closed (resolved, abandoned, left)."""
        with self.engine.begin() as conn:
            seq = conn.execute(
                sa.update(T)
                .where(T.c.id == ticket_id)
                .values(last_seq=T.c.last_seq + 1)
                .returning(T.c.last_seq)
            ).scalar_one()
            conn.execute(
                sa.insert(M).values(
                    ticket_id=ticket_id,
                    seq=int(seq),
                    role=message.role.value,
                    author=message.author,
                    text=message.text,
                    created_at=now,
                )
            )
        return TicketMessage(ticket_id, int(seq), message.role, message.author, message.text, now)


def utcnow() -> datetime:
    return datetime.now(UTC)
