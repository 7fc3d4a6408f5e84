"""Editors' audit rows appended at the same time are all kept (SQLite, as the demo runs, and PostgreSQL):
the appends lock the chain's head row, so none extends a head another has already extended, and a
conflict is tried again. An append that still fails is not silent: the action's answer says the row is
missing and a metric counts it (the chain itself verifies without the row)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.api.editor_audit import APPEND_TRIES, EditorAuditMiddleware, note_target
from bot.editors.audit import EditorAction, EditorAuditLog
from knowledge_base.store import MetadataStore

WRITERS = 4
ROUNDS = 10


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetadataStore]:
    """An empty, migrated knowledge-base database: no head row yet, as before the first action."""
    url = (
        request.getfixturevalue("postgres_url")
        if request.param == "postgres"
        else f"sqlite:///{tmp_path}/kb.sqlite3"
    )
    database = MetadataStore(url)
    database.migrate()
    yield database
    database.close()


def _at_once(work: list[tuple[str, str]], append: object) -> list[BaseException]:
    """Run `append(actor, target)` for each item from its own thread, released together."""
    start = threading.Barrier(len(work))
    failures: list[BaseException] = []

    def one(actor: str, target: str) -> None:
        start.wait()
        try:
            append(actor, target)  # type: ignore[operator]
        except BaseException as exc:  # collected for the assertion
            failures.append(exc)

    threads = [threading.Thread(target=one, args=item) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return failures


def test_appends_made_at_the_same_time_are_all_kept_and_the_chain_verifies(
    store: MetadataStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    def append(actor: str, target: str) -> None:
        EditorAuditLog(store).append(EditorAction(actor, "editor", "upload", target, {"files": target}))

    targets: list[str] = []
    for round_ in range(ROUNDS):  # the first round races for the head row itself (none exists yet)
        work = [(f"dev-editor-{i}", f"par{round_}-{i}") for i in range(WRITERS)]
        targets += [target for _, target in work]
        assert _at_once(work, append) == []
    audit = EditorAuditLog(store)
    check = audit.verify()
    assert check.intact and check.rows == WRITERS * ROUNDS, check
    entries = audit.entries(limit=1000)
    assert sorted(e.target for e in entries) == sorted(targets)
    assert sorted(e.seq for e in entries) == list(range(1, WRITERS * ROUNDS + 1))
    # the head lock serialised them: no append had to be tried again
    assert not [r for r in caplog.records if "conflicted" in r.getMessage()]


@pytest.mark.postgres
def test_a_serialisation_failure_is_tried_again(postgres_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """The first insert fails as a serialisation conflict would (a sequence is not rolled back, so only
    the first try fails): the append is tried again and kept."""
    database = MetadataStore(postgres_url)
    database.migrate()
    try:
        with database.engine.begin() as conn:
            conn.execute(sa.text("CREATE SEQUENCE audit_tries"))
            conn.execute(
                sa.text(
                    "CREATE FUNCTION fail_first() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "IF nextval('audit_tries') = 1 THEN "
                    "RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END IF; "
                    "RETURN NEW; END $$"
                )
            )
            conn.execute(
                sa.text(
                    "CREATE TRIGGER fail_first BEFORE INSERT ON kb_editor_audit "
                    "FOR EACH ROW EXECUTE FUNCTION fail_first()"
                )
            )
        caplog.set_level(logging.WARNING)
        seq = EditorAuditLog(database).append(EditorAction("dev-editor-1", "editor", "upload", "par2")).seq
        assert seq == 1
        assert [r for r in caplog.records if "conflicted" in r.getMessage()]
        check = EditorAuditLog(database).verify()
        assert check.intact and check.rows == 1
    finally:
        database.close()


# ---- through the middleware: what the action's answer says ----------------------------------------


def _app(store: MetadataStore) -> Starlette:
    """The audit middleware around a route standing for the upload (the staff guard leaves the signed-in
    editor on the request; the route names the job it queued)."""

    async def upload(request: Request) -> JSONResponse:
        request.state.staff_principal = SimpleNamespace(subject=request.headers["x-who"], role="editor")
        note_target(request, request.headers["x-job"], files=request.headers["x-job"])
        return JSONResponse({"job_id": request.headers["x-job"]}, status_code=202)

    app = Starlette(routes=[Route("/api/v1/staff/documents", upload, methods=["POST"])])
    app.state.runtime = SimpleNamespace(kb=SimpleNamespace(store=store))
    app.add_middleware(EditorAuditMiddleware)
    return app


async def _post_all(app: Starlette, jobs: list[str]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://askcity.test") as client:
        return list(
            await asyncio.gather(
                *(
                    client.post("/api/v1/staff/documents", headers={"x-who": "dev-editor-1", "x-job": job})
                    for job in jobs
                )
            )
        )


def test_uploads_at_the_same_time_each_get_their_row_and_say_so(store: MetadataStore) -> None:
    jobs = ["par0", "par1", "par2", "retire-x"] * 3
    jobs = [f"{job}-{i}" for i, job in enumerate(jobs)]
    responses = asyncio.run(_post_all(_app(store), jobs))
    assert [r.status_code for r in responses] == [202] * len(jobs)
    said = sorted(int(r.headers["x-askcity-audit"].removeprefix("recorded; seq=")) for r in responses)
    assert said == list(range(1, len(jobs) + 1))
    audit = EditorAuditLog(store)
    assert sorted(e.target for e in audit.entries(limit=100)) == sorted(jobs)
    assert audit.verify().intact


def _failures(action: str) -> float:
    return REGISTRY.get_sample_value("askcity_bot_editor_audit_failures_total", {"action": action}) or 0.0


def test_an_append_that_keeps_failing_is_counted_and_the_answer_says_the_row_is_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = MetadataStore(f"sqlite:///{tmp_path}/kb.sqlite3")
    store.migrate()
    try:
        with store.engine.begin() as conn:  # every insert of an audit row fails, as a full disk would
            conn.execute(
                sa.text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON kb_editor_audit "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        before = _failures("upload")
        caplog.set_level(logging.WARNING)
        (response,) = asyncio.run(_post_all(_app(store), ["par2"]))
        assert response.status_code == 202  # the upload was queued: it takes effect
        assert response.headers["x-askcity-audit"] == "missing"
        assert _failures("upload") == before + 1
        tries = [r for r in caplog.records if "conflicted" in r.getMessage()]
        assert len(tries) == APPEND_TRIES - 1
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert errors and "'par2'" in errors[0].getMessage() and "dev-editor-1" in errors[0].getMessage()
        assert EditorAuditLog(store).verify().rows == 0
    finally:
        store.close()
