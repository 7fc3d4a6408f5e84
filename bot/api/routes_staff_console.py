"""The agent console's API (`/api/v1/staff/...`): tickets (list, claim, transfer, resolve, messages, live
events), suggested replies, knowledge-base search, departments, the supervisor's overview, cases
through the records service with the staff member's own token, and curated-answer drafts.

Every route declares its roles (`StaffAccess`); the route-table test walks them all. Desk errors become
HTTP in `bot/api/errors.py`: unknown ticket 404, a claimed or someone else's ticket 409, a reply over
the limit 413, an unknown department 422.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from bot.answering.normalise import normalise
from bot.answering.replies import load_routes
from bot.api.deps import RuntimeDep, SettingsDep
from bot.api.routes_staff_auth import STAFF_API_ERRORS
from bot.api.schemas import ErrorBody
from bot.api.schemas_staff import (
    AssistRequest,
    AssistResponse,
    DepartmentOut,
    DraftCreated,
    DraftRequest,
    MessageOut,
    MessageRequest,
    OverviewOut,
    ResolveRequest,
    SearchResponse,
    SearchResult,
    TicketDetail,
    TicketList,
    TicketOut,
    TransferRequest,
    UnmaskRequest,
)
from bot.api.sse import event_stream
from bot.api.staff_deps import StaffAccess
from bot.events import Event
from bot.staff.assist import Assistant, Said
from bot.staff.auth import StaffPrincipal
from bot.staff.desk import Agent, HandoffDesk
from bot.staff.errors import CaseLookupError, StaffMessageTooLongError
from bot.staff.records import StaffCase, StaffRecords
from bot.staff.roles import Role
from bot.staff.tickets import MessageRole, Outcome, TicketStatus

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])
_bearer = HTTPBearer(auto_error=False)

AGENTS = StaffAccess(Role.AGENT, Role.SUPERVISOR)
READERS = StaffAccess(Role.AGENT, Role.SUPERVISOR, Role.EDITOR)
SUPERVISORS = StaffAccess(Role.SUPERVISOR)
AgentDep = Annotated[StaffPrincipal, Depends(AGENTS)]
ReaderDep = Annotated[StaffPrincipal, Depends(READERS)]
SupervisorDep = Annotated[StaffPrincipal, Depends(SUPERVISORS)]

ERRORS: dict[int | str, dict[str, object]] = {
    **STAFF_API_ERRORS,
    404: {"model": ErrorBody, "description": "No such ticket (or case)"},
    409: {"model": ErrorBody, "description": "Claimed by someone else, another agent's, or closed"},
    413: {"model": ErrorBody, "description": "A reply over the length limit"},
    422: {"model": ErrorBody, "description": "Malformed request, or an unknown department"},
}
Listing = Literal["waiting", "active", "mine", "open", "closed"]
_LISTINGS: dict[str, tuple[TicketStatus, ...]] = {
    "waiting": (TicketStatus.WAITING,),
    "active": (TicketStatus.ACTIVE,),
    "mine": (TicketStatus.ACTIVE,),
    "open": (TicketStatus.WAITING, TicketStatus.ACTIVE),
    "closed": (TicketStatus.RESOLVED, TicketStatus.ABANDONED),
}


def desk_of(runtime: RuntimeDep) -> HandoffDesk:
    if runtime.desk is None:
        raise CaseLookupError(503, "handoff_disabled", "Live handoff is switched off on this server.")
    return runtime.desk


def assistant_of(runtime: RuntimeDep) -> Assistant:
    if runtime.assistant is None:
        raise CaseLookupError(503, "not_ready", "Suggestions are not available yet.")
    return runtime.assistant


DeskDep = Annotated[HandoffDesk, Depends(desk_of)]
AssistantDep = Annotated[Assistant, Depends(assistant_of)]


def agent_of(principal: StaffPrincipal) -> Agent:
    return Agent(principal.subject, principal.display_name, principal.role == Role.SUPERVISOR)


def now() -> datetime:
    return datetime.now(UTC)


def no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


@router.get("/tickets", response_model=TicketList, responses=ERRORS, dependencies=[Depends(no_store)])
def list_tickets(
    who: AgentDep,
    desk: DeskDep,
    status: Annotated[Listing, Query(description="Which tickets; `mine`: those you hold.")] = "waiting",
    department: Annotated[str | None, Query(max_length=200)] = None,
) -> TicketList:
    """Tickets in the order their residents asked for a person (`asked_at`; a transfer keeps it):
    waiting (the queue), active, yours, open or closed."""
    desk.sweep()
    mine = who.subject if status == "mine" else None
    tickets = desk.store.listed(_LISTINGS[status], department=department, agent_subject=mine)
    at = now()
    questions = desk.questions(tickets)
    return TicketList(tickets=[TicketOut.of(t, at, questions.get(t.id)) for t in tickets])


@router.get("/tickets/{ticket_id}", response_model=TicketDetail, responses=ERRORS)
def ticket_detail(ticket_id: str, who: AgentDep, desk: DeskDep, response: Response) -> TicketDetail:
    """A ticket with its redacted transcript and the resident's case references."""
    no_store(response)
    after = desk.broker.last_id(f"ticket:{ticket_id}")  # read first: a later event is never missed
    ticket = desk.store.get(ticket_id)
    return TicketDetail(
        ticket=TicketOut.of(ticket, now(), desk.question(ticket)),
        messages=[MessageOut.of(m) for m in desk.store.messages(ticket.id)],
        case_references=list(ticket.case_references),
        events_after=after,
    )


@router.post("/tickets/{ticket_id}/claim", response_model=TicketOut, responses=ERRORS)
def claim(ticket_id: str, who: AgentDep, desk: DeskDep) -> TicketOut:
    """Take a waiting ticket. Of two agents claiming one ticket, exactly one gets it; the other a 409."""
    ticket = desk.claim(ticket_id, agent_of(who))
    return TicketOut.of(ticket, now(), desk.question(ticket))


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketOut, responses=ERRORS)
def transfer(ticket_id: str, body: TransferRequest, who: AgentDep, desk: DeskDep) -> TicketOut:
    """Put a ticket you hold (or a waiting one) in another department's queue, with an optional internal
    note for the next agent (stored redacted, shown on the ticket, never sent to the resident)."""
    ticket = desk.transfer(ticket_id, body.department, agent_of(who), body.note)
    return TicketOut.of(ticket, now(), desk.question(ticket))


@router.post("/tickets/{ticket_id}/resolve", response_model=TicketOut, responses=ERRORS)
def resolve(ticket_id: str, body: ResolveRequest, who: AgentDep, desk: DeskDep) -> TicketOut:
    """End the chat with an outcome code; the assistant answers the resident again."""
    ticket = desk.resolve(ticket_id, Outcome(body.outcome), agent_of(who))
    return TicketOut.of(ticket, now(), desk.question(ticket))


@router.post("/tickets/{ticket_id}/messages", status_code=201, response_model=MessageOut, responses=ERRORS)
def send_message(ticket_id: str, body: MessageRequest, who: AgentDep, desk: DeskDep) -> MessageOut:
    """Reply to the resident (on a ticket you hold). Stored redacted; delivered as written."""
    return MessageOut.of(desk.send(ticket_id, agent_of(who), body.text))


@router.get(
    "/tickets/{ticket_id}/events",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "Events"}},
)
async def ticket_events(
    ticket_id: str,
    who: AgentDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=48)] = None,
    after: Annotated[str | None, Query(alias="last_event_id", max_length=48)] = None,
) -> EventSourceResponse:
    """The ticket's live events (`message`, `status`) for the console; resume with Last-Event-ID."""
    desk = desk_of(runtime)
    start = last_event_id or after or None

    def backlog() -> list[Event]:
        desk.store.get(ticket_id)
        return desk.broker.history(f"ticket:{ticket_id}", start)

    events = await run_in_threadpool(backlog)
    return event_stream(
        desk.broker,
        f"ticket:{ticket_id}",
        start,
        events,
        settings.events_heartbeat_seconds,
        settings.events_stream_seconds,
    )


@router.post("/assist", response_model=AssistResponse, responses=ERRORS)
def assist(
    body: AssistRequest, who: AgentDep, assistant: AssistantDep, settings: SettingsDep
) -> AssistResponse:
    """Three suggested replies to the latest resident message, each a different excerpt of a passage
    (no sentence in two of them) or a curated answer, with citations and confidence. Also for a question
    typed during a phone call."""
    # each message within the limit of who wrote it: an agent's replies may be longer than residents'
    for m in body.conversation:
        limit = settings.max_message_chars if m.role == "resident" else settings.staff_message_max_chars
        if len(m.text) > limit:
            raise StaffMessageTooLongError(len(m.text), limit)
    conversation = [Said(m.role, m.text) for m in body.conversation]
    return AssistResponse.of(assistant.suggest(conversation))


@router.get("/search", response_model=SearchResponse, responses=ERRORS)
def search(
    who: ReaderDep,
    assistant: AssistantDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="What to look for.")],
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> SearchResponse:
    """The knowledge base's best passages for a query, with citations."""
    query, hits = assistant.search(q, limit)
    return SearchResponse(query=query, results=[SearchResult.of(h) for h in hits])


@router.get("/departments", response_model=list[DepartmentOut], responses=ERRORS)
def departments(who: AgentDep, desk: DeskDep) -> list[DepartmentOut]:
    """The queues a ticket may be transferred to."""
    return [DepartmentOut(name=d.name, contact=d.contact) for d in desk.directory.all()]


@router.get("/overview", response_model=OverviewOut, responses=ERRORS, dependencies=[Depends(no_store)])
def overview(who: SupervisorDep, desk: DeskDep) -> OverviewOut:
    """Supervisors: the queue's size, its longest wait, and each agent's load."""
    desk.sweep()
    return OverviewOut.of(desk.overview())


def records_of(runtime: RuntimeDep) -> StaffRecords:
    if runtime.staff_records is None:
        raise CaseLookupError(503, "records_not_configured", "Case lookups are not set up on this server.")
    return runtime.staff_records


RecordsDep = Annotated[StaffRecords, Depends(records_of)]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def staff_token(principal: StaffPrincipal, bearer: HTTPAuthorizationCredentials | None) -> str:
    """The staff member's own token: the session's, or the bearer token the request came with."""
    if principal.session is not None:
        return principal.session.tokens.access_token
    if bearer is None:
        raise CaseLookupError(403, "records_refused", "Sign in again to look up cases.")
    return bearer.credentials


@router.get(
    "/cases/{reference}", response_model=StaffCase, responses=ERRORS, dependencies=[Depends(no_store)]
)
def case(reference: str, who: AgentDep, records: RecordsDep, bearer: BearerDep) -> StaffCase:
    """A case through the records service with your own token, masked as it decides for your role."""
    return records.case(staff_token(who, bearer), reference)


@router.post(
    "/cases/{reference}/unmask", response_model=StaffCase, responses=ERRORS, dependencies=[Depends(no_store)]
)
def unmask(
    reference: str, body: UnmaskRequest, who: SupervisorDep, records: RecordsDep, bearer: BearerDep
) -> StaffCase:
    """Supervisors: the case's personal data, with a category and a written reason (checked and audited
    by the records service)."""
    return records.unmask(staff_token(who, bearer), reference, body.category, body.reason)


@router.post("/curated-drafts", status_code=201, response_model=DraftCreated, responses=ERRORS)
def save_draft(body: DraftRequest, who: AgentDep, runtime: RuntimeDep) -> DraftCreated:
    """Save a reply and the question it answered as a curated-answer draft, for an editor to approve
    (`askcity curated drafts` lists them). Both texts are stored redacted. From a ticket, a question
    with nothing to answer in it ("I want to talk to a person", "yes") gives way to the resident's
    latest message that asks something."""
    question = normalise(body.question)
    routes = load_routes()
    if body.ticket_id is not None and runtime.desk is not None:
        store = runtime.desk.store
        ticket = store.get(body.ticket_id)  # 404 for an unknown ticket
        if routes.asks_nothing(question):
            residents = [m.text for m in store.messages(ticket.id) if m.role == MessageRole.RESIDENT]
            latest = routes.latest_question(residents)
            question = residents[latest] if latest >= 0 else question
    redact = runtime.service.redactor.redact
    draft_id = runtime.service.database.add_curated_draft(
        redact(question).text,
        redact(normalise(body.answer)).text,
        list(body.citations),
        body.ticket_id,
        who.subject,
        who.display_name,
    )
    return DraftCreated(id=draft_id)
