"""OpenTelemetry traces (issue 14, `ASKCITY_OTEL_ENABLED=1`): one chat turn that looks up a case is one
trace, from the bot's request span through its answering steps and its records call into the records
service's own request span, with the SDK's in-memory exporter in each service. The records service is
the real app served over a real socket; the bot is its real app and runtime."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from bot.api.app import create_app
from bot.runtime import build_runtime
from records_api.api.app import create_app as create_records_app
from records_api.dev_identity import DevIdentityProvider, load_or_create_private_key
from records_api.enums import Role
from records_api.seed import seed_from_settings
from tests.bot.conftest import make_settings
from tests.records_api.records_harness import make_settings as records_settings
from tests.service_processes import OtlpReceiver
from tests.web_widget.harness import ServedApp


@dataclass
class Records:
    url: str
    spans: InMemorySpanExporter
    token: str
    reference: str


@pytest.fixture
def records(tmp_path: Path) -> Iterator[Records]:
    data_dir = tmp_path / "records"
    data_dir.mkdir()
    settings = records_settings(data_dir, f"sqlite:///{data_dir / 'records.sqlite3'}", otel_enabled=True)
    seed_from_settings(settings, 1, seed=7)
    engine = sa.create_engine(settings.database_url)
    with engine.connect() as connection:
        subject, reference = connection.execute(
            sa.text("SELECT r.subject, c.reference FROM residents r JOIN cases c ON c.owner_id = r.id")
        ).first()  # type: ignore[misc]
    engine.dispose()
    identity = DevIdentityProvider(
        load_or_create_private_key(data_dir), settings.jwt_issuer, settings.jwt_audience, 600
    )
    spans = InMemorySpanExporter()
    with ServedApp(create_records_app(settings, span_exporter=spans)) as served:
        yield Records(served.origin, spans, identity.issue(subject, Role.RESIDENT).access_token, reference)


def by_kind(spans: tuple[ReadableSpan, ...], kind: SpanKind) -> list[ReadableSpan]:
    return [s for s in spans if s.kind == kind]


def _store(span: ReadableSpan) -> str:
    """The database system a client span talks to ('sqlite', 'redis' ...), '' for an HTTP call."""
    attributes = span.attributes or {}
    return str(attributes.get("db.system.name") or attributes.get("db.system") or "")


def _statement(span: ReadableSpan) -> str:
    attributes = span.attributes or {}
    return str(attributes.get("db.query.text") or attributes.get("db.statement") or "")


def test_a_status_lookup_is_one_trace_across_the_bot_and_the_records_service(
    records: Records, sample_kb_dir: Path, tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    settings = make_settings(
        sample_kb_dir,
        f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        records_api_url=records.url,
        otel_enabled=True,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
    )
    bot_spans = InMemorySpanExporter()
    runtime = build_runtime(settings)
    try:
        with TestClient(create_app(settings, runtime, span_exporter=bot_spans)) as client:
            sid = client.post("/api/v1/sessions").json()["session_id"]
            response = client.post(
                "/api/v1/chat",
                json={"session_id": sid, "message": f"what is the status of {records.reference}?"},
                headers={"Authorization": f"Bearer {records.token}"},
            )
    finally:
        runtime.close()
    assert response.status_code == 200 and records.reference in response.json()["text"]

    spans = bot_spans.get_finished_spans()
    chat = [s for s in by_kind(spans, SpanKind.SERVER) if s.name == "POST /api/v1/chat"]
    assert len(chat) == 1, [s.name for s in spans]
    trace_id = chat[0].context.trace_id
    steps = {s.name for s in spans if s.context.trace_id == trace_id and s.name.startswith("answering.")}
    assert {"answering.redact", "answering.route", "answering.status"} <= steps, steps
    in_trace = [s for s in by_kind(spans, SpanKind.CLIENT) if s.context.trace_id == trace_id]
    calls = [s for s in in_trace if not _store(s)]  # the records call
    assert len(calls) == 1, [s.name for s in calls]
    # the turn's own stores: the transcript written in SQL, the session kept in Redis
    assert any(_store(s) == "sqlite" and "INSERT" in _statement(s) for s in in_trace), [
        s.name for s in in_trace
    ]
    assert any(_store(s) == "redis" for s in in_trace), [s.name for s in in_trace]
    status_step = next(s for s in spans if s.name == "answering.status")
    assert calls[0].parent is not None and calls[0].parent.span_id == status_step.context.span_id

    deadline = time.monotonic() + 5  # the server span ends just after the response was sent
    while not by_kind(records.spans.get_finished_spans(), SpanKind.SERVER) and time.monotonic() < deadline:
        time.sleep(0.02)
    served = by_kind(records.spans.get_finished_spans(), SpanKind.SERVER)
    assert [s.name for s in served] == ["GET /v1/me/cases/{reference}"]
    assert served[0].context.trace_id == trace_id, "the records span is in the bot's trace"
    assert served[0].parent is not None and served[0].parent.span_id == calls[0].context.span_id
    assert served[0].resource.attributes["service.name"] == "askcity-records"
    reads = [s for s in records.spans.get_finished_spans() if s.context.trace_id == trace_id and _store(s)]
    assert any("INSERT" in _statement(s) for s in reads), "the read's audit row, in the same trace"
    assert chat[0].resource.attributes["service.name"] == "askcity-bot"

    # case references are personal data: no span of either service carries one (SQL keeps its
    # placeholders, Redis commands their names only)
    everything = [*spans, *records.spans.get_finished_spans()]
    for span in everything:
        for value in (span.attributes or {}).values():
            assert records.reference not in str(value), (span.name, span.attributes)
        assert records.reference not in span.name


def test_tracing_is_off_by_default_and_loads_no_sdk(tmp_path: Path) -> None:
    """Off by default: building both apps imports nothing of the OpenTelemetry SDK."""
    code = (
        "import sys\n"
        "from bot.api.app import create_app\n"
        "from records_api.api.app import create_app as records_app\n"
        "from bot.settings import BotSettings\n"
        "from tests.records_api.records_harness import make_settings\n"
        f"create_app(BotSettings(env='test', data_dir={str(tmp_path)!r}))\n"
        f"records_app(make_settings({str(tmp_path)!r}, 'sqlite://'))\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk', "
        "'opentelemetry.instrumentation')))\n"
        "print(loaded)\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[3],
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_a_turn_in_a_turn_process_continues_the_request_trace(
    records: Records,
    sample_kb_dir: Path,
    tmp_path: Path,
    redis_url: str,
    redis_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`askcity serve --workers N`: the steps run in a turn process, whose spans (sent over OTLP by
    that process's own provider) belong to the serving process's request trace."""
    receiver = OtlpReceiver()
    receiver.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)  # inherited by the spawned process
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "200")
    settings = make_settings(
        sample_kb_dir,
        f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        records_api_url=records.url,
        otel_enabled=True,
        turn_processes=1,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
    )
    bot_spans = InMemorySpanExporter()
    runtime = build_runtime(settings)
    try:
        with TestClient(create_app(settings, runtime, span_exporter=bot_spans)) as client:
            sid = client.post("/api/v1/sessions").json()["session_id"]
            response = client.post(
                "/api/v1/chat",
                json={"session_id": sid, "message": f"what is the status of {records.reference}?"},
                headers={"Authorization": f"Bearer {records.token}"},
            )
            assert response.status_code == 200 and records.reference in response.json()["text"]
            chat = next(s for s in bot_spans.get_finished_spans() if s.name == "POST /api/v1/chat")
            trace_id = chat.context.trace_id
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if any(n == "answering.status" and t == trace_id for _, n, t in receiver.spans()):
                    break
                time.sleep(0.2)
    finally:
        runtime.close()
        receiver.shutdown()
        receiver.server_close()
    in_trace = {name for _, name, t in receiver.spans() if t == trace_id}
    assert {"answering.redact", "answering.status", "GET"} <= in_trace, receiver.spans()
    served = by_kind(records.spans.get_finished_spans(), SpanKind.SERVER)
    assert [s.context.trace_id for s in served] == [trace_id]
