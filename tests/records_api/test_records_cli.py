"""The commands the lead mounts: `askcity records serve|seed|demo-users` and
`askcity audit verify|checkpoint|keygen`, plus `python -m records_api`, the launch path of
`askcity run`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from records_harness import random_key
from sqlalchemy import select, text
from typer.testing import CliRunner

from records_api.api.app import create_app
from records_api.cli import audit_app, records_app
from records_api.errors import ConfigurationError
from records_api.models import AuditEvent, Resident
from records_api.runtime import build_vault, check_startup, open_database
from records_api.settings import get_settings
from trust.audit_chain import sign_checkpoint
from trust.checkpoint_store import load_signing_key

runner = CliRunner()


@pytest.fixture
def dev_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    data = tmp_path / "var"
    monkeypatch.setenv("ASKCITY_ENV", "dev")
    monkeypatch.setenv("ASKCITY_DEV_IDENTITY", "1")
    monkeypatch.setenv("ASKCITY_DATA_DIR", str(data))
    get_settings.cache_clear()
    return data


def _names(data_dir: Path) -> list[str]:
    settings = get_settings()
    assert settings.data_dir == data_dir
    database = open_database(settings)
    try:
        with database.sessions() as session:
            rows = session.scalars(select(Resident).order_by(Resident.id)).all()
            return [build_vault(settings).open(row).full_name for row in rows]
    finally:
        database.close()


def test_demo_users_log_in_and_see_exactly_their_listed_cases(dev_env: Path) -> None:
    seeded = runner.invoke(records_app, ["seed", "--residents", "4"])
    assert seeded.exit_code == 0, seeded.output
    listed = runner.invoke(records_app, ["demo-users", "--json"])
    assert listed.exit_code == 0, listed.output
    users = json.loads(listed.stdout)
    assert {u["role"] for u in users} == {"resident", "agent", "editor", "supervisor"}
    assert all(set(u) == {"username", "password", "role", "case_references", "case_types"} for u in users)
    resident = next(u for u in users if u["role"] == "resident")
    with TestClient(create_app()) as client:
        login = {"username": resident["username"], "password": resident["password"]}
        token = client.post("/dev/token", data=login).json()["access_token"]
        cases = client.get("/v1/me/cases", headers={"Authorization": f"Bearer {token}"})
    assert sorted(c["reference"] for c in cases.json()["cases"]) == sorted(resident["case_references"])
    by_reference = {c["reference"]: c["case_type"] for c in cases.json()["cases"]}
    assert [by_reference[r] for r in resident["case_references"]] == resident["case_types"]
    table = runner.invoke(records_app, ["demo-users"])
    assert table.exit_code == 0 and f"({resident['case_types'][0]})" in table.stdout
    stored = b"".join(path.read_bytes() for path in dev_env.glob("records.sqlite3*"))
    assert all(user["password"].encode() not in stored for user in users)


def test_demo_users_are_refused_unless_the_dev_provider_is_on(
    dev_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASKCITY_DEV_IDENTITY", "0")
    get_settings.cache_clear()
    result = runner.invoke(records_app, ["demo-users", "--json"])
    assert result.exit_code == 2
    assert "ASKCITY_DEV_IDENTITY=1" in result.stderr
    assert result.stdout == ""


def test_seeding_is_deterministic_per_seed_and_runs_once(
    dev_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    names: dict[str, list[str]] = {}
    for label, seed in (("a", "11"), ("b", "11"), ("c", "12")):
        monkeypatch.setenv("ASKCITY_DATA_DIR", str(tmp_path / label))
        get_settings.cache_clear()
        result = runner.invoke(records_app, ["seed", "--residents", "3", "--seed", seed])
        assert result.exit_code == 0, result.output
        names[label] = _names(tmp_path / label)
    assert names["a"] == names["b"] != names["c"]
    again = runner.invoke(records_app, ["seed", "--residents", "3", "--seed", "11"])
    assert "nothing seeded" in again.stdout
    assert len(_names(tmp_path / "c")) == 3


def test_seed_refuses_published_secrets_outside_dev(dev_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKCITY_ENV", "production")
    get_settings.cache_clear()
    result = runner.invoke(records_app, ["seed"])
    assert result.exit_code == 2
    assert "ASKCITY_RECORDS_ENCRYPTION_KEY" in result.stderr


def test_audit_verify_passes_then_names_the_edited_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, postgres_url: str
) -> None:
    monkeypatch.setenv("ASKCITY_ENV", "test")
    monkeypatch.setenv("ASKCITY_DEV_IDENTITY", "1")
    monkeypatch.setenv("ASKCITY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASKCITY_RECORDS_DATABASE_URL", postgres_url)
    monkeypatch.setenv("ASKCITY_RECORDS_ENCRYPTION_KEY", random_key())
    monkeypatch.setenv("ASKCITY_RECORDS_HMAC_KEY", random_key())
    get_settings.cache_clear()
    assert runner.invoke(records_app, ["seed", "--residents", "2"]).exit_code == 0
    users = json.loads(runner.invoke(records_app, ["demo-users", "--json"]).stdout)
    with TestClient(create_app()) as client:
        for user in users:
            login = {"username": user["username"], "password": user["password"]}
            token = client.post("/dev/token", json=login).json()["access_token"]
            client.get("/v1/me/cases", headers={"Authorization": f"Bearer {token}"})

    whole = runner.invoke(audit_app, ["verify"])
    assert whole.exit_code == 0, whole.output
    assert whole.stdout.startswith("audit chain intact:")
    head = whole.stdout.split()[-1]
    assert runner.invoke(audit_app, ["verify", "--expect-head", head]).exit_code == 0

    database = open_database(get_settings())
    with database.engine.begin() as connection:
        row_id = connection.execute(text("SELECT id FROM audit_events WHERE seq = 2")).scalar_one()
        connection.execute(text("UPDATE audit_events SET actor_role = 'agent' WHERE seq = 2"))
    database.close()
    broken = runner.invoke(audit_app, ["verify"])
    assert broken.exit_code == 1
    assert f"seq 2 (row id {row_id})" in broken.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_python_dash_m_records_api_serves_seeded_demo_data(dev_env: Path) -> None:
    port = _free_port()
    env = {**os.environ, "ASKCITY_ENV": "dev", "ASKCITY_DEV_IDENTITY": "1"}
    env["ASKCITY_DATA_DIR"] = str(dev_env)
    command = [sys.executable, "-m", "records_api", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--seed-demo", "3"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        health = None
        for _ in range(100):
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health is not None and health.json()["status"] == "ok"
        users = json.loads(runner.invoke(records_app, ["demo-users", "--json"]).stdout)
        residents = [u for u in users if u["role"] == "resident"]
        assert len(residents) == 3
        login = {"username": residents[0]["username"], "password": residents[0]["password"]}
        token = httpx.post(f"http://127.0.0.1:{port}/dev/token", json=login).json()["access_token"]
        spoofed = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "192.0.2.99"}
        assert httpx.get(f"http://127.0.0.1:{port}/v1/me/cases", headers=spoofed).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    database = open_database(get_settings(), migrate_schema=False)
    with database.sessions() as session:
        audited = set(session.scalars(select(AuditEvent.client_address)))
    database.close()
    assert audited == {"127.0.0.1"}  # uvicorn no longer trusts X-Forwarded-For from localhost
    assert (dev_env / "records-audit-signing-key.pem").exists()  # the demo's generated checkpoint key
    assert (dev_env / "records-audit-checkpoints.jsonl").read_text().count("\n") >= 2  # start and stop


@pytest.fixture
def test_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, postgres_url: str) -> Path:
    """A non-dev service on PostgreSQL with real secrets; the audit key generated in the data dir."""
    monkeypatch.setenv("ASKCITY_ENV", "test")
    monkeypatch.setenv("ASKCITY_DEV_IDENTITY", "1")
    monkeypatch.setenv("ASKCITY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASKCITY_RECORDS_DATABASE_URL", postgres_url)
    monkeypatch.setenv("ASKCITY_RECORDS_ENCRYPTION_KEY", random_key())
    monkeypatch.setenv("ASKCITY_RECORDS_HMAC_KEY", random_key())
    get_settings.cache_clear()
    return tmp_path


def _use_the_service(logins: int = 2) -> None:
    """Seed, then let the demo users list their cases through the app (which writes checkpoints)."""
    assert runner.invoke(records_app, ["seed", "--residents", str(logins)]).exit_code == 0
    users = json.loads(runner.invoke(records_app, ["demo-users", "--json"]).stdout)
    with TestClient(create_app()) as client:
        for user in users:
            login = {"username": user["username"], "password": user["password"]}
            token = client.post("/dev/token", json=login).json()["access_token"]
            client.get("/v1/me/cases", headers={"Authorization": f"Bearer {token}"})


def test_audit_verify_reports_an_emptied_chain_with_a_reset_head_as_broken(test_env: Path) -> None:
    _use_the_service()
    intact = runner.invoke(audit_app, ["verify"])
    assert intact.exit_code == 0, intact.output
    assert "signed checkpoint" in intact.stdout
    database = open_database(get_settings())
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))
        connection.execute(text("UPDATE audit_head SET seq = 0, row_hash = :g"), {"g": "0" * 64})
    database.close()
    alone = runner.invoke(audit_app, ["verify", "--no-checkpoint"])
    assert alone.stdout.startswith("audit chain intact: 0 rows")  # what the issue saw
    broken = runner.invoke(audit_app, ["verify"])
    assert broken.exit_code == 1
    assert "BROKEN" in broken.stderr and "rows were deleted" in broken.stderr
    refused = runner.invoke(audit_app, ["checkpoint"])
    assert refused.exit_code == 1 and "nothing signed" in refused.stderr


def test_audit_verify_is_not_fooled_by_the_first_checkpoint_appended_again_after_the_chain_was_emptied(
    test_env: Path,
) -> None:
    """The pen test (F4): empty the chain, reset the head, append the file's own first line (the genuine
    signed checkpoint of the empty chain). Appending is what an append-only file allows."""
    _use_the_service()
    checkpoints = get_settings().audit_checkpoint_file
    lines = checkpoints.read_text().splitlines()
    assert len(lines) >= 2 and json.loads(lines[0])["seq"] == 0
    database = open_database(get_settings())
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))
        connection.execute(text("UPDATE audit_head SET seq = 0, row_hash = :g"), {"g": "0" * 64})
    database.close()
    with checkpoints.open("a") as handle:
        handle.write(lines[0] + "\n")
    result = runner.invoke(audit_app, ["verify"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("audit chain BROKEN at the checkpoint file:")
    assert f"line {len(lines) + 1}:" in result.stderr and "never go back" in result.stderr
    refused = runner.invoke(audit_app, ["checkpoint"])
    assert refused.exit_code == 1 and "nothing signed" in refused.stderr
    assert checkpoints.read_text().splitlines() == [*lines, lines[0]]


def test_audit_verify_without_a_checkpoint_or_with_a_forged_one_is_broken(test_env: Path) -> None:
    _use_the_service()
    checkpoints = get_settings().audit_checkpoint_file
    good = checkpoints.read_text()
    checkpoints.unlink()
    missing = runner.invoke(audit_app, ["verify"])
    assert missing.exit_code == 1 and "no checkpoint" in missing.stderr
    stranger = test_env / "stranger.pem"
    assert runner.invoke(audit_app, ["keygen", str(stranger)]).exit_code == 0
    forged = sign_checkpoint(load_signing_key(stranger), "records-audit", 0, "0" * 64, datetime.now(UTC))
    checkpoints.write_text(good + forged.to_line() + "\n")
    result = runner.invoke(audit_app, ["verify"])
    assert result.exit_code == 1 and "another key" in result.stderr
    checkpoints.write_text(good + "{not a checkpoint\n")
    result = runner.invoke(audit_app, ["verify"])
    assert result.exit_code == 1 and "not JSON" in result.stderr
    assert "Traceback" not in result.output


def test_audit_checkpoint_writes_then_reports_unchanged(
    test_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_the_service()
    rows = runner.invoke(audit_app, ["verify"]).stdout.split()[3]
    assert runner.invoke(audit_app, ["checkpoint"]).stdout.startswith(
        f"audit checkpoint unchanged: seq {rows};"
    )
    elsewhere = test_env / "elsewhere" / "checkpoints.jsonl"
    monkeypatch.setenv("ASKCITY_RECORDS_AUDIT_CHECKPOINT_FILE", str(elsewhere))
    get_settings.cache_clear()
    written = runner.invoke(audit_app, ["checkpoint"])
    assert written.exit_code == 0, written.output
    assert written.stdout.startswith(f"audit checkpoint written: seq {rows};")
    assert runner.invoke(audit_app, ["checkpoint"]).stdout.startswith("audit checkpoint unchanged")
    assert len(elsewhere.read_text().splitlines()) == 1


def test_production_refuses_to_start_without_an_audit_signing_key(
    test_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASKCITY_ENV", "production")
    get_settings.cache_clear()
    result = runner.invoke(records_app, ["serve", "--port", str(_free_port())])
    assert result.exit_code == 2
    assert "ASKCITY_RECORDS_AUDIT_SIGNING_KEY_FILE" in result.stderr
    assert not (test_env / "records-audit-signing-key.pem").exists()
    with pytest.raises(ConfigurationError):
        check_startup(get_settings())


def test_an_auditor_verifies_with_the_public_key_only(
    test_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = test_env / "keys"
    made = runner.invoke(
        audit_app, ["keygen", str(keys / "audit.pem"), "--public", str(test_env / "audit.pub")]
    )
    assert made.exit_code == 0, made.output
    assert runner.invoke(audit_app, ["keygen", str(keys / "audit.pem")]).exit_code == 2  # never overwritten
    monkeypatch.setenv("ASKCITY_RECORDS_AUDIT_SIGNING_KEY_FILE", str(keys / "audit.pem"))
    get_settings.cache_clear()
    _use_the_service()
    monkeypatch.setenv("ASKCITY_ENV", "production")
    monkeypatch.delenv("ASKCITY_RECORDS_AUDIT_SIGNING_KEY_FILE")
    monkeypatch.setenv("ASKCITY_RECORDS_AUDIT_VERIFY_KEY_FILE", str(test_env / "audit.pub"))
    get_settings.cache_clear()
    verified = runner.invoke(audit_app, ["verify"])
    assert verified.exit_code == 0, verified.output
    assert "signed checkpoint" in verified.stdout
    cannot_sign = runner.invoke(audit_app, ["checkpoint"])
    assert cannot_sign.exit_code == 2 and "ASKCITY_RECORDS_AUDIT_SIGNING_KEY_FILE" in cannot_sign.stderr


def test_invalid_settings_are_named_without_echoing_their_values(
    dev_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secretish = "c2hvcnQtYnV0LXNlY3JldA"
    monkeypatch.setenv("ASKCITY_RECORDS_SERVICE_KEYS", f"askcity-bot={secretish}")
    get_settings.cache_clear()
    result = runner.invoke(audit_app, ["verify"])
    assert result.exit_code == 2
    assert "ASKCITY_RECORDS_SERVICE_KEYS" in result.stderr
    assert secretish not in result.output
