"""Tracing as a city would switch it on: the records service as a process with `ASKCITY_OTEL_ENABLED=1`
and `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a collector (here a local HTTP server that keeps what it
receives); the spans arrive over OTLP/HTTP by the time the service has stopped, and no case reference
is in the bytes that left."""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.service_processes import RecordsProcess

REFERENCE = "MB-7K2Q-9XW4-P3MD-Z"


class Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.bodies: list[tuple[str, bytes]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                collector.bodies.append((self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_spans_reach_an_otlp_collector_with_no_case_reference(collector: Collector, tmp_path: Path) -> None:
    def key() -> str:
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()

    env = {
        "ASKCITY_ENV": "test",
        "ASKCITY_DEV_IDENTITY": "1",
        "ASKCITY_RECORDS_ENCRYPTION_KEY": key(),
        "ASKCITY_RECORDS_HMAC_KEY": key(),
        "ASKCITY_OTEL_ENABLED": "1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_address[1]}",
        "OTEL_SERVICE_NAME": "records-under-test",
    }
    with RecordsProcess(tmp_path, env) as records:
        assert httpx.get(f"{records.url}/v1/cases/{REFERENCE}").status_code == 401
    # stopped: the batch was flushed at shutdown
    paths = {path for path, _ in collector.bodies}
    assert paths == {"/v1/traces"}, paths
    assert all(REFERENCE.encode() not in body for _, body in collector.bodies)
    spans = []
    for _, body in collector.bodies:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            names = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                spans += [(names.get("service.name"), s.name) for s in scope_spans.spans]
    assert ("records-under-test", "GET /v1/cases/{reference}") in spans, spans
