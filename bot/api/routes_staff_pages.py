"""The agent console's pages (`/staff/...`): the queue, a conversation, phone mode, the supervisor's view.

Server-rendered (Jinja2, autoescaped, `web_widget/staff/templates`) under the staff pages' strict CSP.
Claim, transfer and resolve are plain forms (they work without script); one small script of our own
(`/staff/static/console.js`) adds the live parts through the console's API: new messages over
server-sent events, suggested replies, sending, knowledge-base search, case lookups. It renders every
resident- and document-supplied string as text, never as HTML.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from bot.answering.normalise import normalise
from bot.api.deps import RuntimeDep
from bot.api.routes_staff_auth import render
from bot.api.routes_staff_console import AGENTS, SUPERVISORS, agent_of
from bot.api.routes_staff_gaps import router as gaps_router
from bot.api.schemas_staff import TicketOut
from bot.runtime import Runtime
from bot.staff.auth import StaffPrincipal
from bot.staff.desk import HandoffDesk
from bot.staff.errors import (
    DeskError,
    StaffMessageTooLongError,
    TicketConflictError,
    TicketNotFoundError,
    UnknownDepartmentError,
)
from bot.staff.records import UNMASK_CATEGORIES
from bot.staff.roles import LABELS, Role
from bot.staff.tickets import (
    AGENT_OUTCOMES,
    OUTCOME_LABELS,
    TRANSFER_NOTE_MAX_CHARS,
    MessageRole,
    Outcome,
    Ticket,
    TicketStatus,
)

router = APIRouter(include_in_schema=False)
router.include_router(gaps_router, include_in_schema=True)  # editors' content gaps (API and page)
AgentPage = Annotated[StaffPrincipal, Depends(AGENTS)]
SupervisorPage = Annotated[StaffPrincipal, Depends(SUPERVISORS)]


def _base(principal: StaffPrincipal) -> dict[str, Any]:
    session = principal.session
    return {
        "principal": principal,
        "role": LABELS[principal.role],
        "supervisor": principal.role == Role.SUPERVISOR,
        "csrf_token": session.csrf_token if session is not None else "",
    }


def _desk(request: Request, runtime: Runtime) -> HandoffDesk | Response:
    if runtime.desk is None:
        return render(
            request, "problem.html", 503, title="Unavailable", message="Live handoff is switched off."
        )
    return runtime.desk


def _problem(request: Request, exc: DeskError) -> Response:
    if isinstance(exc, TicketNotFoundError):
        return render(
            request, "problem.html", 404, title="Not found", message="There is no such conversation."
        )
    if isinstance(exc, TicketConflictError):
        return render(
            request,
            "problem.html",
            409,
            title="Not possible now",
            message=exc.message,
            back=("/staff/queue", "Back to the queue"),
        )
    if isinstance(exc, UnknownDepartmentError):
        return render(
            request, "problem.html", 422, title="Unknown queue", message="Choose a queue from the list."
        )
    if isinstance(exc, StaffMessageTooLongError):
        return render(
            request,
            "problem.html",
            413,
            title="Too long",
            message=f"The text is {exc.length:,} characters long; the limit is {exc.limit:,}. Nothing was "
            "changed: go back, shorten it and send it again.",
        )
    return render(request, "problem.html", 503, title="Unavailable", message="Please try again in a minute.")


def _minutes(seconds: int) -> str:
    return "less than a minute" if seconds < 60 else f"{round(seconds / 60)} min"


Notice = Literal["resolved", "transferred", "taken"]


def _queued(notice: str) -> RedirectResponse:
    """After a form on a ticket: to the queue, which says what happened (read back from the ticket)."""
    return RedirectResponse(f"/staff/queue?{notice}", 303)


def _notice(desk: HandoffDesk, who: StaffPrincipal, kind: Notice | None, ticket_id: str | None) -> str:
    """What the queue page says after a resolve, a transfer or a claim someone else won: built from the
    ticket as stored, never from text in the address."""
    if kind is None or not ticket_id:
        return ""
    try:
        ticket = desk.store.get(ticket_id)
    except DeskError:
        return ""
    if kind == "resolved" and ticket.status == TicketStatus.RESOLVED and ticket.outcome is not None:
        return f"Ticket resolved: {OUTCOME_LABELS[ticket.outcome]}."
    if kind == "transferred" and ticket.is_open:
        return f"Ticket transferred to {ticket.department}."
    if kind == "taken":
        return _taken(ticket, who)
    return ""


def _taken(ticket: Ticket, who: StaffPrincipal) -> str:
    if ticket.status == TicketStatus.ACTIVE and ticket.agent_subject != who.subject:
        holder = ticket.agent_name or "another agent"
        return f"You could not claim that conversation: {holder} took it first."
    if ticket.status == TicketStatus.WAITING:
        return "You could not claim that conversation. It is waiting again: try once more."
    if not ticket.is_open:
        return "You could not claim that conversation: it has ended."
    return ""


@router.get("/staff/queue")
def queue_page(
    request: Request,
    who: AgentPage,
    runtime: RuntimeDep,
    notice: Annotated[Notice | None, Query()] = None,
    ticket: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    desk = _desk(request, runtime)
    if isinstance(desk, Response):
        return desk
    desk.sweep()
    now = datetime.now(UTC)
    listed = desk.store.listed([TicketStatus.WAITING])
    questions = desk.questions(listed)
    waiting = [TicketOut.of(t, now, questions.get(t.id)) for t in listed]
    mine = [TicketOut.of(t, now) for t in desk.store.listed([TicketStatus.ACTIVE], agent_subject=who.subject)]
    return render(
        request,
        "queue.html",
        waiting=waiting,
        mine=mine,
        overview=desk.overview() if who.role == Role.SUPERVISOR else None,
        minutes=_minutes,
        notice=_notice(desk, who, notice, ticket),
        notice_kind=notice or "",
        notice_ticket=ticket or "",
        **_base(who),
    )


@router.get("/staff/overview")
def overview_page(request: Request, who: SupervisorPage, runtime: RuntimeDep) -> Response:
    desk = _desk(request, runtime)
    if isinstance(desk, Response):
        return desk
    desk.sweep()
    now = datetime.now(UTC)
    active = [TicketOut.of(t, now) for t in desk.store.listed([TicketStatus.ACTIVE])]
    return render(
        request, "overview.html", overview=desk.overview(), active=active, minutes=_minutes, **_base(who)
    )


@router.get("/staff/tickets/{ticket_id}")
def ticket_page(ticket_id: str, request: Request, who: AgentPage, runtime: RuntimeDep) -> Response:
    desk = _desk(request, runtime)
    if isinstance(desk, Response):
        return desk
    after = desk.broker.last_id(f"ticket:{ticket_id}")
    try:
        ticket = desk.store.get(ticket_id)
    except DeskError as exc:
        return _problem(request, exc)
    # an agent replies in the conversations they hold; a supervisor may step into any active one
    held = ticket.status == TicketStatus.ACTIVE and (
        ticket.agent_subject == who.subject or who.role == Role.SUPERVISOR
    )
    messages = desk.store.messages(ticket.id)
    notes = [m for m in messages if m.role == MessageRole.NOTE]
    return render(
        request,
        "ticket.html",
        ticket=TicketOut.of(ticket, datetime.now(UTC)),
        messages=messages,
        transfer_note=notes[-1] if notes else None,
        me=who.display_name,
        note_max_chars=TRANSFER_NOTE_MAX_CHARS,
        case_references=list(ticket.case_references),
        events_after=after or "",
        held=held,
        can_transfer=ticket.is_open
        and (held or ticket.status == TicketStatus.WAITING or who.role == Role.SUPERVISOR),
        departments=[d.name for d in desk.directory.all() if d.name != ticket.department],
        outcomes=[(o.value, OUTCOME_LABELS[o]) for o in AGENT_OUTCOMES],
        categories=UNMASK_CATEGORIES,
        records=runtime.staff_records is not None,
        max_chars=desk.policy.max_message_chars,
        **_base(who),
    )


@router.post("/staff/tickets/{ticket_id}/claim")
def claim_form(ticket_id: str, request: Request, who: AgentPage, runtime: RuntimeDep) -> Response:
    desk = _desk(request, runtime)
    if isinstance(desk, Response):
        return desk
    try:
        desk.claim(ticket_id, agent_of(who))
    except TicketConflictError:
        held = desk.store.get(ticket_id)
        if held.agent_subject != who.subject or held.status != TicketStatus.ACTIVE:
            # someone else was quicker (or it ended): back to the queue, which says who has it; a
            # redirect, so that reloading the page does not send the claim again
            return _queued(f"notice=taken&ticket={held.id}")
        # a second click on Claim (or Back, then Claim): the agent has it already
    except DeskError as exc:
        return _problem(request, exc)
    return RedirectResponse(f"/staff/tickets/{ticket_id}", 303)


@router.post("/staff/tickets/{ticket_id}/transfer")
def transfer_form(
    ticket_id: str,
    request: Request,
    who: AgentPage,
    runtime: RuntimeDep,
    department: Annotated[str, Form(max_length=200)],
    note: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    desk = _desk(request, runtime)
    if isinstance(desk, Response):
        return desk
    if len(normalise(note)) > TRANSFER_NOTE_MAX_CHARS:
        return render(
            request,
            "problem.html",
            413,
            title="The note is too long",
            message=f"The note for the next agent is {len(normalise(note)):,} characters long; the limit is "
            f"{TRANSFER_NOTE_MAX_CHARS:,}. Nothing was transferred: go back, shorten it and transfer again.",
            back=(f"/staff/tickets/{ticket_id}", "Back to the conversation"),
        )
    try:
        ticket = desk.transfer(ticket_id, department, agent_of(who), note)
    except DeskError as exc:
        return _problem(request, exc)
    return _queued(f"notice=transferred&ticket={ticket.id}")


@router.post("/staff/tickets/{ticket_id}/resolve")
def resolve_form(
    ticket_id: str,
    request: Request,
    who: AgentPage,
    runtime: RuntimeDep,
    outcome: Annotated[str, Form(max_length=32)] = "",
    unsent: Annotated[str, Form(max_length=100_000)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Resolve with the outcome the agent chose (there is no default: a slip would skew the figures).
    `unsent` is what the reply box still held (console.js fills it): resolving would throw it away, so
    the agent is asked first, and confirms with `confirmed`."""
    desk = _desk(request, runtime)
    if isinstance(desk, Response):
        return desk
    back = (f"/staff/tickets/{ticket_id}", "Back to the conversation")
    if outcome not in {o.value for o in AGENT_OUTCOMES}:
        return render(
            request,
            "problem.html",
            422,
            title="Choose an outcome",
            message="Choose how the conversation ended (the outcome) before resolving it. Nothing was "
            "changed: the chat goes on.",
            back=back,
        )
    if unsent.strip() and confirmed != "yes":
        try:
            ticket = desk.store.get(ticket_id)
        except DeskError as exc:
            return _problem(request, exc)
        return render(
            request,
            "resolve_confirm.html",
            ticket=ticket,
            outcome=outcome,
            outcome_label=OUTCOME_LABELS[Outcome(outcome)],
            unsent=unsent.strip(),
            **_base(who),
        )
    try:
        ticket = desk.resolve(ticket_id, Outcome(outcome), agent_of(who))
    except DeskError as exc:
        return _problem(request, exc)
    return _queued(f"notice=resolved&ticket={ticket.id}")


@router.get("/staff/assist")
def assist_page(request: Request, who: AgentPage) -> Response:
    """Phone mode: suggested answers for a question the agent types, no ticket needed."""
    return render(request, "assist.html", **_base(who))
