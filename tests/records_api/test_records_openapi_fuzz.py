"""The records service's OpenAPI schema under schemathesis: generated valid and invalid requests to
every operation, anonymous or with a stranger's token; no server error, every response as documented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from records_harness import start_harness
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
]


@pytest.fixture(scope="module")
def records_api(tmp_path_factory: pytest.TempPathFactory, dev_key_pem: Path) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("records-fuzz")
    harness = start_harness(folder, dev_key_pem, f"sqlite:///{folder / 'records.sqlite3'}")
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", harness.app)
    finally:
        harness.__exit__(None, None, None)


schema = schemathesis.pytest.from_fixture("records_api")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_records_operation_answers_as_documented(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
