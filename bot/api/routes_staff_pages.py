"""The agent console's pages (`/staff/...`): the queue, a conversation, phone mode, the supervisor's view.

Server-rendered (Jinja2, autoescaped, `web_widget/staff/templates`) under the staff pages' strict CSP.
Claim, transfer and resolve are plain forms (they work without script); one small script of our own
(`/staff/static/console.js`) adds the live parts through the console's API: new messages over
server-sent events, suggested replies, sending, knowledge-base search, case lookups. It renders every
resident- and document-supplied string as text, never as HTML.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from bot.api.deps import RuntimeDep
from bot.api.routes_staff_auth import render
from bot.api.routes_staff_console import AGENTS, SUPERVISORS, agent_of
from bot.api.routes_staff_gaps import router as gaps_router
from bot.api.schemas_staff import TicketOut
from bot.runtime import Runtime
from bot.staff.auth import StaffPrincipal
from bot.staff.desk import HandoffDesk
from bot.staff.errors import DeskError, TicketConflictError, TicketNotFoundError, UnknownDepartmentError
from bot.staff.records import UNMASK_CATEGORIES
from bot.staff.roles import LABELS, Role
from bot.staff.tickets import AGENT_OUTCOMES, OUTCOME_LABELS, Outcome, TicketStatus

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
    return render(request, "problem.html", 503, title="Unavailable", message="Please try again in a minute.")


def _minutes(seconds: int) -> str:
    return "less than a minute" if seconds < 60 else f"{round(seconds / 60)} min"


@router.get("/staff/queue")
def queue_page(request: Request, who: AgentPage, runtime: RuntimeDep) -> Response:
    desk = _desk(request, runtime)
    if isinstance(desk, Response):
        return desk
    desk.sweep()
    now = datetime.now(UTC)
    waiting = [TicketOut.of(t, now) for t in desk.store.listed([TicketStatus.WAITING])]
    mine = [TicketOut.of(t, now) for t in desk.store.listed([TicketStatus.ACTIVE], agent_subject=who.subject)]
    return render(
        request,
        "queue.html",
        waiting=waiting,
        mine=mine,
        overview=desk.overview() if who.role == Role.SUPERVISOR else None,
        minutes=_minutes,
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
    return render(
        request,
        "ticket.html",
        ticket=TicketOut.of(ticket, datetime.now(UTC)),
        messages=desk.store.messages(ticket.id),
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
    except DeskError as exc:
        held = desk.store.get(ticket_id) if isinstance(exc, TicketConflictError) else None
        if held is None or held.agent_subject != who.subject or held.status != TicketStatus.ACTIVE:
            return _problem(request, exc)
        # a second click on Claim (or Back, then Claim): the agent has it already
    return RedirectResponse(f"/staff/tickets/{ticket_id}", 303)


@router.post("/staff/tickets/{ticket_id}/transfer")
def transfer_form(
    ticket_id: str,
    request: Request,
    who: AgentPage,
    runtime: RuntimeDep,
    department: Annotated[str, Form(max_length=200)],
) -> Response:
    desk = _desk(request, runtime)
    if isinstance(desk, Response):
        return desk
    try:
        desk.transfer(ticket_id, department, agent_of(who))
    except DeskError as exc:
        return _problem(request, exc)
    return RedirectResponse("/staff/queue", 303)


@router.post("/staff/tickets/{ticket_id}/resolve")
def resolve_form(
    ticket_id: str,
    request: Request,
    who: AgentPage,
    runtime: RuntimeDep,
    outcome: Annotated[str, Form(max_length=32)],
) -> Response:
    desk = _desk(request, runtime)
    if isinstance(desk, Response):
        return desk
    if outcome not in {o.value for o in AGENT_OUTCOMES}:
        return render(request, "problem.html", 422, title="Choose an outcome", message="Choose how it ended.")
    try:
        desk.resolve(ticket_id, Outcome(outcome), agent_of(who))
    except DeskError as exc:
        return _problem(request, exc)
    return RedirectResponse("/staff/queue", 303)


@router.get("/staff/assist")
def assist_page(request: Request, who: AgentPage) -> Response:
    """Phone mode: suggested answers for a question the agent types, no ticket needed."""
    return render(request, "assist.html", **_base(who))
