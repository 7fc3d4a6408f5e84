"""The review desk: build a draft, ask it questions beside the published version, list the answers that
would change, submit, approve and publish, send back, roll back. Every action is appended to the
editors' audit log. Plain values in (no settings object); the API and the CLI call the same methods."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from bot.editors.audit import Action, EditorAction, EditorAuditLog
from bot.editors.compare import SideBySide, answer_changes, side_by_side
from bot.editors.errors import ApprovalRequiredError
from knowledge_base.drafts import Draft
from knowledge_base.errors import DraftStateError, NoDraftError, VersionNotFoundError
from knowledge_base.kb import Fence, KnowledgeBase
from knowledge_base.snapshot import Manifest, served_documents

if TYPE_CHECKING:
    from bot.answering.pipeline import Pipeline

PipelineFor = Callable[[str], "Pipeline"]  # a pipeline over one kept version, by its name
PIPELINES_KEPT = 4


@dataclass(frozen=True, slots=True)
class Actor:
    subject: str
    role: str  # "editor" or "supervisor" (the CLI acts as one of them)


class DocumentChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    document_id: str
    change: str  # "added", "changed" (a new version of it) or "removed"
    published_version: int | None
    draft_version: int | None


class NotInDraft(BaseModel):
    """A change saved in the working set after the open draft was built, which the draft does not hold:
    a held document confirmed after review (confirming builds nothing), a document saved or retired by
    a direct command. Rebuilding the draft takes it in."""

    model_config = ConfigDict(frozen=True)

    document_id: str
    saved_version: int | None  # None: retired in the working set
    draft_version: int | None  # None: not in the draft
    why: str  # in words, for the editor


class ReviewNote(BaseModel):
    """A note the editor submitted the draft with, or a comment the supervisor sent it back with: the
    draft keeps only the latest (`Draft.comment`); the audit log keeps them all."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    by: str
    action: str  # "submit" or "send_back"
    text: str


class StaleDocument(BaseModel):
    model_config = ConfigDict(frozen=True)

    document_id: str
    title: str
    review_by: date
    curated_answers: tuple[int, ...] = ()  # curated answers that cite it


class VersionPipelines:
    """Pipelines over kept versions, built on first use and kept for the last few versions."""

    def __init__(self, build: PipelineFor, keep: int = PIPELINES_KEPT) -> None:
        self._build = build
        self._keep = keep
        self._cache: OrderedDict[str, Pipeline] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, name: str) -> Pipeline:
        with self._lock:
            if name in self._cache:
                self._cache.move_to_end(name)
                return self._cache[name]
        pipeline = self._build(name)  # outside the lock: loading a version takes a moment
        with self._lock:
            self._cache[name] = pipeline
            while len(self._cache) > self._keep:
                self._cache.popitem(last=False)
        return pipeline


class DraftDesk:
    def __init__(
        self,
        kb: KnowledgeBase,
        audit: EditorAuditLog,
        pipelines: PipelineFor,
        requires_approval: bool = True,
    ) -> None:
        self.kb = kb
        self.audit = audit
        self.pipelines = pipelines
        self.requires_approval = requires_approval

    # ---- reading ----------------------------------------------------------------------------
    def draft(self) -> Draft | None:
        return self.kb.drafts.open_draft()

    def _open(self) -> Draft:
        draft = self.draft()
        if draft is None:
            raise NoDraftError("There is no open draft. Build one from the working set first.")
        return draft

    def document_changes(self, draft: Draft) -> list[DocumentChange]:
        return self.changes_to(draft.version)

    def changes_to(self, name: str) -> list[DocumentChange]:
        """What residents would be served differently if version `name` replaced the one served now:
        each document added, changed (another version of it) or removed."""
        root = self.kb.versions.versions_dir
        current = self.kb.versions.current()
        before = served_documents(root / current) if current else {}
        after = served_documents(root / name)
        changes = [
            DocumentChange(
                document_id=i,
                change="added" if i not in before else "removed" if i not in after else "changed",
                published_version=before.get(i),
                draft_version=after.get(i),
            )
            for i in sorted(before.keys() | after.keys())
            if before.get(i) != after.get(i)
        ]
        return changes

    def not_in_draft(self, draft: Draft, today: date | None = None) -> list[NotInDraft]:
        """What the working set holds now that the draft does not, and why: the draft is a build made
        earlier, and only building it again takes later changes in (held documents and documents that
        take effect later are left out of every build, and listed elsewhere)."""
        later = {i for i, _ in self.kb.deferred(today)}
        in_draft = served_documents(self.kb.versions.versions_dir / draft.version)
        found = []
        for s in self.kb.store.summaries():
            if s.id in later or s.review == "held":
                continue
            if s.retired:
                if s.id in in_draft:
                    why = "retired after the draft was built: the draft still holds it"
                    found.append(
                        NotInDraft(
                            document_id=s.id, saved_version=None, draft_version=in_draft[s.id], why=why
                        )
                    )
                continue
            if in_draft.get(s.id) == s.version:
                continue
            if s.review == "confirmed":
                why = "confirmed after review once the draft was built: not in the draft until it is rebuilt"
            else:
                why = f"version {s.version} saved after the draft was built: not in it until it is rebuilt"
            found.append(
                NotInDraft(
                    document_id=s.id, saved_version=s.version, draft_version=in_draft.get(s.id), why=why
                )
            )
        return found

    def review_notes(self, draft: Draft) -> list[ReviewNote]:
        """Every submission note and send-back comment of the open draft, oldest first: a resubmission
        replaces the draft's comment, never its history."""
        rows = self.audit.since(draft.created_at, ("submit", "send_back"))
        return [
            ReviewNote(
                at=r.at,
                by=r.actor,
                action=r.action,
                text=r.detail.get("note", r.detail.get("comment", "")),
            )
            for r in rows
        ]

    def _sides(self, draft: Draft) -> tuple[tuple[str, Pipeline] | None, tuple[str, Pipeline]]:
        current = self.kb.versions.current()
        published = (current, self.pipelines(current)) if current else None
        return published, (draft.version, self.pipelines(draft.version))

    def ask(self, question: str) -> SideBySide:
        published, draft = self._sides(self._open())
        return side_by_side(question, published, draft)

    def answer_changes(self, questions: list[tuple[str, str]]) -> list[SideBySide]:
        published, draft = self._sides(self._open())
        return answer_changes(questions, published, draft)

    def stale(self, today: date, citing: dict[str, tuple[int, ...]]) -> list[StaleDocument]:
        """Documents past their review-by date, with the curated answers that cite each."""
        return [
            StaleDocument(document_id=i, title=t, review_by=d, curated_answers=citing.get(i, ()))
            for i, t, d in self.kb.store.review_due(today)
        ]

    # ---- acting -----------------------------------------------------------------------------
    def _log(self, who: Actor, action: Action, target: str, **detail: str) -> None:
        self.audit.append(EditorAction(who.subject, who.role, action, target, detail))

    def build(self, who: Actor, today: date | None = None, still_held: Fence | None = None) -> Draft:
        draft = self.kb.build_draft(who.subject, today, still_held)
        self._log(who, "build_draft", draft.version, base=draft.base_version)
        return draft

    def submit(self, who: Actor, note: str = "") -> Draft:
        draft = self.kb.drafts.move(("open", "sent_back"), "submitted", who.subject, note)
        self._log(who, "submit", draft.version, note=note)
        return draft

    def send_back(self, who: Actor, comment: str) -> Draft:
        draft = self.kb.drafts.move(("submitted",), "sent_back", who.subject, comment)
        self._log(who, "send_back", draft.version, comment=comment)
        return draft

    def approve(self, who: Actor) -> Manifest:
        """A supervisor approves the submitted draft: it is published (the pointer moves) at once."""
        draft = self._open()
        if draft.state != "submitted":
            raise DraftStateError("The draft has not been submitted for review; it cannot be approved yet.")
        self._check_base(draft)
        manifest = self.kb.serve(draft.version)  # the pointer moves first: a failure leaves the draft open
        self.kb.drafts.move(("submitted",), "published", who.subject)
        self._log(who, "approve", draft.version, previous=draft.base_version)
        return manifest

    def publish(self, who: Actor) -> Manifest:
        """Publish the open draft without review: a supervisor, or an editor where no approval is needed."""
        draft = self._open()
        if self.requires_approval and who.role != "supervisor":
            raise ApprovalRequiredError(
                "Publishing needs a supervisor's approval here: submit the draft for review."
            )
        self._check_base(draft)
        manifest = self.kb.serve(draft.version)
        self.kb.drafts.move(("open", "sent_back", "submitted"), "published", who.subject)
        self._log(who, "publish", draft.version, previous=draft.base_version)
        return manifest

    def _check_base(self, draft: Draft) -> None:
        """A draft is published only over the version it was built on. Another version served since (a
        direct publish: `askcity kb remove`, `kb confirm`, `ingest`, a rollback) may have taken a document
        down that the draft still holds; serving the draft would bring it back."""
        current = self.kb.versions.current() or ""
        if current != draft.base_version:
            raise DraftStateError(
                f"Another version ({current or 'none'}) has been served since this draft was built on "
                f"{draft.base_version or 'no version'}: rebuild the draft so that it takes in those "
                "changes, then review it again."
            )

    def publish_due(self, who: Actor, today: date | None = None) -> Manifest | None:
        """Publish a version with the documents whose effective date has come (run daily, e.g. from cron).
        Only while no draft is open: an open draft goes through review, and takes them in when rebuilt.
        None when nothing became effective since the served version was built."""
        if self.draft() is not None:
            raise DraftStateError("A draft is open: rebuild it to take in the documents now effective.")
        day = today or date.today()
        current = self.kb.versions.current()
        served = served_documents(self.kb.versions.versions_dir / current) if current else {}
        due = [
            d.id
            for d, _ in self.kb.store.active()
            if d.effective_date is not None and d.effective_date <= day and served.get(d.id) != d.version
        ]
        if not due:
            return None
        manifest = self.kb.publish(day)
        self._log(who, "publish", manifest.name, previous=current or "", effective=", ".join(due))
        return manifest

    def _may_serve(self, name: str) -> None:
        """Refuses a version that is not kept (VersionNotFoundError) or is the open draft's build."""
        if name not in self.kb.versions.names():
            kept = ", ".join(self.kb.versions.names())
            raise VersionNotFoundError(f"Version {name!r} is not kept (kept: {kept}).")
        draft = self.draft()
        if draft is not None and draft.version == name:
            raise DraftStateError(
                f"{name} is the open draft's build, not yet reviewed: it is published when a supervisor "
                "approves the draft."
            )

    def rollback_preview(self, name: str) -> list[DocumentChange]:
        """What serving version `name` again would change for residents, before a supervisor confirms
        it; refused as `rollback` refuses, and for the version served now (nothing would change)."""
        self._may_serve(name)
        if name == self.kb.versions.current():
            raise DraftStateError(f"{name} is the version residents are served now: there is nothing to do.")
        return self.changes_to(name)

    def rollback(self, who: Actor, name: str, reason: str = "") -> Manifest:
        """Serve a kept version again; never the open draft's build, which reaches residents only by
        approval (409: published when a supervisor approves the draft). The reason (the console asks
        for one) is kept in the audit row."""
        self._may_serve(name)
        previous = self.kb.versions.current() or ""
        manifest = self.kb.serve(name)
        detail = {"previous": previous} | ({"reason": reason} if reason else {})
        self._log(who, "rollback", name, **detail)
        return manifest
