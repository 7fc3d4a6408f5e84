"""`askcity kb draft|submit|approve|send-back|publish|rollback|stale` (mounted on the `kb` group by
askcity_cli) and the editors' chain of `askcity audit verify`. The command line acts as `cli:<user>`, as an
editor (draft, submit, publish) or a supervisor (approve, send back, roll back); every action is logged."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, cast, get_args

import typer
from sqlalchemy.exc import SQLAlchemyError

from bot.editors.audit import Action, EditorAction, EditorAuditLog
from bot.editors.desk import Actor, DraftDesk
from bot.editors.errors import EditorError
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.kb import KnowledgeBase

if TYPE_CHECKING:
    from bot.answering.pipeline import Pipeline


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _no_pipelines(name: str) -> Pipeline:
    raise _fail("Asking a draft needs the bot's pipeline: use the console (/staff/drafts).")


@contextmanager
def _desk() -> Iterator[DraftDesk]:
    from bot.settings import get_settings
    from knowledge_base.factory import open_knowledge_base

    get_settings.cache_clear()
    settings = get_settings()
    kb = open_knowledge_base(settings)
    try:
        yield DraftDesk(kb, EditorAuditLog(kb.store), _no_pipelines, settings.publish_requires_approval)
    except (KnowledgeBaseError, EditorError) as exc:
        raise _fail(str(exc)) from exc
    finally:
        kb.close()


def record_cli_action(kb: KnowledgeBase, action: str, target: str, detail: dict[str, str]) -> None:
    """What `askcity ingest`, `kb remove`, `kb confirm` and `kb rollback` changed (they publish
    directly: the operator's tools), in the editors' audit log as `cli:<user>` with the role `operator`."""
    if action not in get_args(Action):
        raise ValueError(f"not an editors' audit action: {action!r}")
    entry = EditorAction(f"cli:{getpass.getuser()}", "operator", cast(Action, action), target, detail)
    EditorAuditLog(kb.store).append(entry)


def _actor(role: str) -> Actor:
    return Actor(f"cli:{getpass.getuser()}", role)


def draft_command() -> None:
    """Build the draft from the working set (`askcity ingest --no-publish` saves there): not served."""
    with _desk() as desk:
        draft = desk.build(_actor("editor"))
        changes = desk.document_changes(draft)
    serving = draft.base_version or "nothing"
    typer.echo(f"draft {draft.version} (serving {serving}): {len(changes)} document(s) changed")
    for change in changes:
        typer.echo(f"  {change.change:8} {change.document_id}")


def submit_command(
    note: Annotated[str, typer.Option("--note", help="What changed, for the reviewer.")],
) -> None:
    """Submit the open draft for a supervisor's review."""
    with _desk() as desk:
        draft = desk.submit(_actor("editor"), note)
    typer.echo(f"draft {draft.version} submitted for review")


def approve_command() -> None:
    """Approve the submitted draft and publish it (as a supervisor)."""
    with _desk() as desk:
        manifest = desk.approve(_actor("supervisor"))
    typer.echo(f"approved and published {manifest.name}: {manifest.documents} documents")


def send_back_command(
    comment: Annotated[str, typer.Option("--comment", help="What the editor should change.")],
) -> None:
    """Send the submitted draft back to its editor with a comment (as a supervisor)."""
    with _desk() as desk:
        draft = desk.send_back(_actor("supervisor"), comment)
    typer.echo(f"draft {draft.version} sent back")


def publish_command(
    supervisor: Annotated[
        bool, typer.Option("--supervisor", help="Publish without review, as a supervisor.")
    ] = False,
) -> None:
    """Publish the open draft without review (an editor only where ASKCITY_PUBLISH_REQUIRES_APPROVAL=0)."""
    with _desk() as desk:
        manifest = desk.publish(_actor("supervisor" if supervisor else "editor"))
    typer.echo(f"published {manifest.name}: {manifest.documents} documents")


def publish_due_command() -> None:
    """Publish the documents whose effective date has come (run it daily); nothing when none has."""
    with _desk() as desk:
        manifest = desk.publish_due(_actor("supervisor"))
    if manifest is None:
        typer.echo("Nothing took effect since the served version was built.")
    else:
        typer.echo(f"published {manifest.name}: {manifest.documents} documents")


def rollback_to_command(
    version: Annotated[str, typer.Argument(help="A kept version (see `askcity kb status`), e.g. v000004.")],
) -> None:
    """Serve any kept version again (as a supervisor)."""
    with _desk() as desk:
        manifest = desk.rollback(_actor("supervisor"), version)
    typer.echo(f"serving {manifest.name} again: {manifest.documents} documents")


def stale_command() -> None:
    """Documents past their review-by date, and the curated answers that cite them; documents that take
    effect later (left out of versions built before their date)."""
    from bot.cli import _database

    database = _database()
    try:
        citing: dict[str, list[int]] = {}
        for answer in database.curated_answers():
            for citation in answer.citations:
                citing.setdefault(citation.document_id, []).append(answer.id)
    finally:
        database.close()
    with _desk() as desk:
        stale = desk.stale(date.today(), {k: tuple(v) for k, v in citing.items()})
        later = desk.kb.deferred()
    if not stale and not later:
        typer.echo("Nothing is past its review-by date; nothing takes effect later.")
    for s in stale:
        cited = (
            f"; cited by curated answer(s) {', '.join(map(str, s.curated_answers))}"
            if s.curated_answers
            else ""
        )
        typer.echo(f"review was due {s.review_by}: {s.document_id} ({s.title}){cited}")
    for document_id, when in later:
        typer.echo(f"takes effect {when}: {document_id} (served from the first version built on or after it)")


def verify_editors_chain() -> None:
    """Check the editors' audit chain; exit 1 naming the first bad row."""
    try:
        with _desk() as desk:
            check = desk.audit.verify()
    except SQLAlchemyError as exc:
        raise _fail(f"audit: cannot read the editors' audit table ({type(exc).__name__})", 2) from exc
    if not check.intact:
        where = f"seq {check.first_bad_seq}" if check.first_bad_seq is not None else "the chain head"
        raise _fail(f"editors' audit chain BROKEN at {where}: {check.reason}")
    typer.echo(f"editors' audit chain intact: {check.rows} rows; head {check.head_hash}")
