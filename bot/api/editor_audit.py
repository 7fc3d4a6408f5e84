"""The editors' audit log for the console's other editor actions (issue 13): uploads, retiring documents
(and undoing a retirement still only in the draft), metadata edits and curated-answer changes are
appended by one ASGI middleware, from one table, after the route answered with success; the review desk
logs its own actions (`bot/editors/desk.py`).

The route's guard (`StaffAccess`) leaves the signed-in principal on the request's state, and a route may
leave what changed there too (`request.state.editor_audit_detail`, e.g. a metadata edit's fields) and,
when its path names none, what it made (`note_target`: an upload's job, a new curated answer); a request
that no editor or supervisor made (an agent's curated-answer draft), that failed (4xx/5xx), or whose
path is not in the table is not logged.

The row is appended (in the threadpool) when the route has answered and before its answer is sent, and
the answer says what became of it: `X-Askcity-Audit: recorded; seq=N`, or `missing`. Appends lock the
chain's head row (`EditorAuditLog.append`, `trust.chain_head.lock_head`: several requests append at
once) and run again on a conflict, a few times; one that still fails is counted
(`askcity_bot_editor_audit_failures_total{action}`) and logged with its target, besides the header:
the action has already taken effect, so it cannot be refused any more.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import sqlalchemy as sa
from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.editors.audit import Action, EditorAction, EditorAuditLog

log = logging.getLogger(__name__)

AUDITED: tuple[tuple[str, str, Action], ...] = (
    ("POST", "/api/v1/staff/documents", "upload"),
    ("POST", "/staff/documents", "upload"),
    ("POST", "/api/v1/staff/documents/{document_id}/retire", "retire"),
    ("POST", "/staff/documents/{document_id}/retire", "retire"),
    ("POST", "/api/v1/staff/documents/{document_id}/restore", "undo_retire"),
    ("POST", "/staff/documents/{document_id}/restore", "undo_retire"),
    ("POST", "/api/v1/staff/documents/{document_id}/confirm", "confirm"),
    ("POST", "/staff/documents/{document_id}/confirm", "confirm"),
    ("PUT", "/api/v1/staff/documents/{document_id}", "edit_metadata"),
    ("PATCH", "/api/v1/staff/documents/{document_id}", "edit_metadata"),
    ("POST", "/staff/documents/{document_id}", "edit_metadata"),
    ("POST", "/api/v1/staff/curated", "curated_add"),
    ("POST", "/staff/curated", "curated_add"),
    ("POST", "/api/v1/staff/curated/drafts/{draft_id}/approve", "curated_add"),
    ("POST", "/staff/curated/drafts/{draft_id}", "curated_add"),
    ("PUT", "/api/v1/staff/curated/{curated_id}", "curated_update"),
    ("POST", "/staff/curated/{curated_id}", "curated_update"),
    ("DELETE", "/api/v1/staff/curated/{curated_id}", "curated_expire"),
    ("POST", "/staff/curated/{curated_id}/expire", "curated_expire"),
    ("POST", "/staff/curated/drafts/{draft_id}/dismiss", "curated_dismiss"),
    ("POST", "/api/v1/staff/curated-drafts", "curated_draft"),
    ("POST", "/staff/gaps/curated-draft", "curated_draft"),
)
EDITOR_ROLES = frozenset({"editor", "supervisor"})
AUDIT_HEADER = b"x-askcity-audit"
APPEND_TRIES = 4

AUDIT_FAILURES = Counter(
    "askcity_bot_editor_audit_failures",
    "Editor actions that took effect but whose editors' audit row could not be written (after retries): "
    "the chain verifies without them, so any count here is a gap to reconcile by hand.",
    ("action",),
)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("^" + "([^/]+)".join(re.escape(p) for p in parts) + "$")


_TABLE = tuple((method, _pattern(path), action) for method, path, action in AUDITED)


def note_target(request: Any, target: str, **detail: str) -> None:
    """What a route made, for its audit row when its path names no id (an upload's job, a new curated
    answer), with details (the files uploaded)."""
    request.state.editor_audit_target = target
    if detail:
        request.state.editor_audit_detail = {**getattr(request.state, "editor_audit_detail", {}), **detail}


def audited_action(method: str, path: str) -> tuple[Action, str] | None:
    """The action a successful request logs, and its target (the path's ids), or None."""
    for m, pattern, action in _TABLE:
        found = pattern.match(path) if m == method else None
        if found:
            return action, "/".join(found.groups())
    return None


class EditorAuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome = await self._audit(scope, int(message["status"]))
                if outcome is not None:
                    message = {**message, "headers": [*message.get("headers", ()), (AUDIT_HEADER, outcome)]}
            await send(message)

        await self.app(scope, receive, capture)

    async def _audit(self, scope: Scope, status: int) -> bytes | None:
        """Append the request's row, if it logs one; what the answer's header says of it."""
        found = audited_action(scope["method"], scope["path"])
        principal: Any = scope.get("state", {}).get("staff_principal")
        if found is None or principal is None or not 200 <= status < 400:
            return None
        role = getattr(principal.role, "value", str(principal.role))
        if role not in EDITOR_ROLES:
            return None
        runtime = getattr(scope["app"].state, "runtime", None)
        if runtime is None:
            return None
        action, target = found
        state = scope.get("state", {})
        target = str(state.get("editor_audit_target") or "") or target  # what the route made, if it says
        detail = {"path": scope["path"], "status": str(status)}
        detail |= state.get("editor_audit_detail") or {}  # what changed, if the route says
        entry = EditorAction(principal.subject, role, action, target, detail)
        try:
            seq = (await run_in_threadpool(EditorAuditLog(runtime.kb.store).append, entry, APPEND_TRIES)).seq
        except sa.exc.SQLAlchemyError:  # the action happened; say loudly that its log row did not
            AUDIT_FAILURES.labels(action).inc()
            log.exception(
                "editors' audit log: could not append %s of %r by %s after %d tries: the action took effect "
                "without its audit row",
                action,
                target,
                principal.subject,
                APPEND_TRIES,
            )
            return b"missing"
        return f"recorded; seq={seq}".encode("ascii")
