"""Tracing as a city would switch it on: the records service as a process with `ASKCITY_OTEL_ENABLED=1`
and `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a collector (here a local HTTP server that keeps what it
receives); the spans arrive over OTLP/HTTP by the time the service has stopped, and no case reference
is in the bytes that left."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service_processes import OtlpReceiver, RecordsProcess

REFERENCE = "MB-7K2Q-9XW4-P3MD-Z"


@pytest.fixture
def collector() -> Iterator[OtlpReceiver]:
    server = OtlpReceiver()
    server.start()
    yield server
    server.shutdown()
    server.server_close()


def test_spans_reach_an_otlp_collector_with_no_case_reference(
    collector: OtlpReceiver, tmp_path: Path
) -> None:
    def key() -> str:
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()

    env = {
        "ASKCITY_ENV": "test",
        "ASKCITY_DEV_IDENTITY": "1",
        "ASKCITY_RECORDS_ENCRYPTION_KEY": key(),
        "ASKCITY_RECORDS_HMAC_KEY": key(),
        "ASKCITY_OTEL_ENABLED": "1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_SERVICE_NAME": "records-under-test",
    }
    with RecordsProcess(tmp_path, env) as records:
        assert httpx.get(f"{records.url}/v1/cases/{REFERENCE}").status_code == 401
    # stopped: the batch was flushed at shutdown
    paths = {path for path, _ in collector.bodies}
    assert paths == {"/v1/traces"}, paths
    assert all(REFERENCE.encode() not in body for _, body in collector.bodies)
    spans = {(service, name) for service, name, _ in collector.spans()}
    assert ("records-under-test", "GET /v1/cases/{reference}") in spans, spans
