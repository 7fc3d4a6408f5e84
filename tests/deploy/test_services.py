"""Every service of docker-compose.yml runs outside Docker the same way: the same command and the same
environment (secrets from the operator's env file, production settings), with only what Docker itself
provides put in its place on loopback: hosts (postgres → the test PostgreSQL, redis → the test Redis,
records → 127.0.0.1), named volumes, tmpfs and secrets (→ folders and files of the test), and the ports.

The migration job runs first, then the records service and a bot replica start as processes; each
service's own healthcheck command must pass, and the bot must be ready, answer, and expose every
metric the Grafana dashboard reads.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import _clean_prefix, _fresh_postgres_database, _service_url, _unavailable
from tests.deploy.compose_file import (
    IMAGE_ROOT,
    ROOT,
    healthcheck_command,
    host_environment,
    resolved,
    service_environment,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DASHBOARD = ROOT / "deploy" / "grafana" / "askcity.json"
STARTUP_SECONDS = {"records": 120.0, "bot": 300.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Loopback:
    """What Docker provides, on this machine: where each host, volume, tmpfs and secret went."""

    root: Path
    databases: dict[str, str]  # database name in the compose URL → a fresh test database URL
    redis_url: str
    redis_prefix: str
    compose: dict[str, Any]
    ports: dict[str, int] = field(default_factory=dict)  # service → port on 127.0.0.1

    def path(self, service: str, target: str) -> str:
        """Where a container path of `service` lives here (its volume, tmpfs or secret)."""
        spec = self.compose["services"][service]
        mounts: list[tuple[str, Path]] = []
        for volume in spec.get("volumes", ()):
            source, mount = volume.split(":")[:2]
            if not source.startswith("."):  # named volumes are shared by the services that mount them
                mounts.append((mount, self.root / "volumes" / source))
        for mount in spec.get("tmpfs", ()):
            mounts.append((mount, self.root / "tmpfs" / service / mount.strip("/").replace("/", "-")))
        for name in spec.get("secrets", ()):
            mounts.append((f"/run/secrets/{name}", Path(self.compose["secrets"][name]["file"])))
        for mount, here in sorted(mounts, key=lambda m: -len(m[0])):
            if target == mount or target.startswith(mount + "/"):
                if not here.suffix:
                    here.mkdir(parents=True, exist_ok=True)
                return str(here) + target[len(mount) :]
        raise AssertionError(f"{service}: {target} is on the read-only root filesystem")

    def value(self, service: str, variable: str, value: str) -> str:
        if variable.endswith("_DATABASE_URL"):
            return self.databases[sa.make_url(value).database or ""]
        if variable == "ASKCITY_REDIS_URL":
            return self.redis_url
        for name, port in self.ports.items():
            value = re.sub(rf"^http://{re.escape(name)}:\d+", f"http://127.0.0.1:{port}", value)
        if value.startswith("/"):
            return self.path(service, value)
        return value

    def environment(self, service: str) -> dict[str, str]:
        compose_env = service_environment(self.compose["services"][service])
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("ASKCITY_") and k != "PROMETHEUS_MULTIPROC_DIR"
        }
        env |= {variable: self.value(service, variable, v) for variable, v in compose_env.items()}
        prefix = "ASKCITY_RECORDS_REDIS_PREFIX" if service == "records" else "ASKCITY_REDIS_PREFIX"
        env[prefix] = self.redis_prefix + service  # keys of this test only (cleaned up afterwards)
        return env

    def argv(self, service: str, argv: list[str], container_port: str | None = None) -> list[str]:
        executables = {"askcity": str(Path(sys.executable).with_name("askcity")), "python": sys.executable}
        mapped = [executables.get(argv[0], argv[0])]
        for previous, arg in itertools.pairwise(argv):
            if previous == "--host":
                arg = "127.0.0.1"
            elif previous == "--port":
                arg = str(self.ports[service])
            elif arg.startswith(IMAGE_ROOT + "/"):
                arg = str(ROOT / arg.removeprefix(IMAGE_ROOT + "/"))
            elif container_port is not None:
                arg = arg.replace(f"127.0.0.1:{container_port}", f"127.0.0.1:{self.ports[service]}")
            mapped.append(arg)
        return mapped

    def command(self, service: str) -> list[str]:
        return self.argv(service, self.compose["services"][service]["command"])

    def healthcheck(self, service: str) -> list[str]:
        spec = self.compose["services"][service]
        command = spec["command"]
        return self.argv(service, healthcheck_command(spec), command[command.index("--port") + 1])


@dataclass
class Deployment:
    loopback: Loopback
    processes: dict[str, subprocess.Popen[bytes]]
    migrate: subprocess.CompletedProcess[str]
    logs: Path

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.loopback.ports[service]}"

    def healthcheck(self, service: str) -> subprocess.CompletedProcess[str]:
        argv = self.loopback.healthcheck(service)
        env = self.loopback.environment(service)
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)

    def log(self, service: str) -> str:
        return (self.logs / f"{service}.log").read_text(errors="replace")[-4000:]


def start(deployment: Deployment, service: str) -> None:
    loopback = deployment.loopback
    log = (deployment.logs / f"{service}.log").open("wb")
    process = subprocess.Popen(
        loopback.command(service),
        env=loopback.environment(service),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=loopback.root,
        start_new_session=True,
    )
    deployment.processes[service] = process
    deadline = time.monotonic() + STARTUP_SECONDS[service]
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{service} exited with {process.returncode}:\n{deployment.log(service)}")
        if deployment.healthcheck(service).returncode == 0:
            return
        time.sleep(1)
    seconds = STARTUP_SECONDS[service]
    pytest.fail(f"{service}'s healthcheck did not pass in {seconds:.0f} s:\n{deployment.log(service)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def deployment(sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("compose")
    redis_url = _service_url("ASKCITY_TEST_REDIS_URL")
    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis unreachable at {redis_url}: {exc}")
    finally:
        client.close()
    prefix = f"askcity-test:{os.urandom(5).hex()}:"
    key = root / "secrets" / "records-audit-signing-key.pem"
    key.parent.mkdir()
    operator = host_environment(ASKCITY_RECORDS_AUDIT_SIGNING_KEY_PATH=str(key))
    compose = resolved(operator)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    with contextlib.ExitStack() as stack:
        databases = {
            name: stack.enter_context(_fresh_postgres_database()) for name in ("askcity", "askcity_records")
        }
        loopback = Loopback(root, databases, redis_url, prefix, compose)
        loopback.ports = {"bot": free_port(), "records": free_port()}
        # What the operator does once (docs/deploy.md): make the audit checkpoint key.
        subprocess.run(
            [
                str(Path(sys.executable).with_name("askcity")),
                "audit",
                "keygen",
                str(key),
                "--public",
                str(key.with_suffix(".pub")),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        # The index an editor published with `askcity ingest` in the migrate container: the shared volume.
        data = Path(loopback.path("bot", service_environment(compose["services"]["bot"])["ASKCITY_DATA_DIR"]))
        shutil.copytree(sample_kb_dir / "kb", data / "kb")
        (sample_kb_dir / "models").mkdir(exist_ok=True)
        (data / "models").symlink_to(sample_kb_dir / "models")  # the ONNX copy the image built (shared cache)
        migrate = subprocess.run(
            loopback.command("migrate"),
            env=loopback.environment("migrate"),
            capture_output=True,
            text=True,
            timeout=300,
            cwd=root,
        )
        logs = root / "logs"
        logs.mkdir()
        deployment = Deployment(loopback, processes, migrate, logs)
        try:
            assert migrate.returncode == 0, migrate.stderr[-4000:]
            start(deployment, "records")
            start(deployment, "bot")
            yield deployment
        finally:
            for process in processes.values():
                stop(process)
            _clean_prefix(redis_url, prefix)


# ---- the migration job ---------------------------------------------------------------------------------
def test_the_migration_job_brings_both_bot_databases_to_the_newest_schema(deployment: Deployment) -> None:
    assert deployment.migrate.returncode == 0
    assert "newest schema" in deployment.migrate.stdout
    engine = sa.create_engine(deployment.loopback.databases["askcity"])
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version_kb", "kb_documents", "alembic_version_bot", "bot_transcripts"} <= tables


# ---- the records service --------------------------------------------------------------------------------
def test_the_records_service_runs_in_production_and_its_healthcheck_passes(deployment: Deployment) -> None:
    assert deployment.healthcheck("records").returncode == 0
    health = httpx.get(f"{deployment.url('records')}/v1/health", timeout=10).json()
    assert health == {"status": "ok", "database": "ok", "rate_limit_storage": "redis", "rate_limit_ok": True}
    dev_login = httpx.post(f"{deployment.url('records')}/dev/token", json={}, timeout=10)
    assert dev_login.status_code == 404  # production: no dev identity provider


def test_the_records_service_signed_its_first_audit_checkpoint_with_the_operators_key(
    deployment: Deployment,
) -> None:
    env = deployment.loopback.environment("records")
    checkpoints = Path(env["ASKCITY_RECORDS_AUDIT_CHECKPOINT_FILE"])
    assert checkpoints.is_file() and checkpoints.read_text().strip()
    verified = subprocess.run(
        [str(Path(sys.executable).with_name("askcity")), "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("audit chain intact")


# ---- a bot replica --------------------------------------------------------------------------------------
def test_a_bot_replica_runs_in_production_and_is_ready(deployment: Deployment) -> None:
    assert deployment.healthcheck("bot").returncode == 0
    ready = httpx.get(f"{deployment.url('bot')}/api/v1/ready", timeout=30)
    assert ready.status_code == 200
    data = Path(deployment.loopback.environment("bot")["ASKCITY_DATA_DIR"])
    published = (data / "kb" / "CURRENT").read_text().strip()
    manifest = json.loads((data / "kb" / "versions" / published / "manifest.json").read_text())
    assert ready.json() == {
        "ready": True,
        "knowledge_base": published,
        "knowledge_base_digest": manifest["digest"],
        "knowledge_base_refused": None,
        "database": True,
        "sessions": True,
    }


def test_a_bot_replica_answers_with_sessions_in_redis_and_transcripts_in_postgresql(
    deployment: Deployment,
) -> None:
    bot = deployment.url("bot")
    session = httpx.post(f"{bot}/api/v1/sessions", timeout=30).json()["session_id"]
    answered = httpx.post(
        f"{bot}/api/v1/chat",
        json={"session_id": session, "message": "How do I get a library card?"},
        headers={"X-Request-ID": "edge-0a1b2c3d4e"},
        timeout=60,
    )
    assert answered.status_code == 200
    assert answered.headers["x-request-id"] == "edge-0a1b2c3d4e"
    client = redis.Redis.from_url(deployment.loopback.redis_url)
    try:
        assert list(client.scan_iter(match=f"{deployment.loopback.redis_prefix}bot*", count=500))
    finally:
        client.close()
    engine = sa.create_engine(deployment.loopback.databases["askcity"])
    try:
        with engine.connect() as connection:
            answer_ids = connection.execute(sa.text("SELECT answer_id FROM bot_transcripts")).scalars().all()
    finally:
        engine.dispose()
    assert answered.json()["answer_id"] in answer_ids


def dashboard_metrics() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    expressions = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", ())]
    assert expressions
    return {
        re.sub(r"_(bucket|count|sum|total)$", "", name)
        for expr in expressions
        for name in re.findall(r"\baskcity_[a-z0-9_]+", expr)
    }


def test_both_services_expose_every_metric_the_dashboard_reads(deployment: Deployment) -> None:
    """After the traffic that moves each figure: a question, a status lookup, a resident over the limit."""
    bot = deployment.url("bot")
    session = httpx.post(f"{bot}/api/v1/sessions", timeout=30).json()["session_id"]
    lookup = httpx.post(
        f"{bot}/api/v1/chat",
        json={"session_id": session, "message": "Where is my application MB-3MJ1-V7NB-PE6D-Y?"},
        headers={"Authorization": "Bearer not.a.token"},
        timeout=60,
    )
    assert lookup.status_code == 200 and lookup.json()["status"] in ("needs_login", "handoff")
    statuses: list[int] = []
    while 429 not in statuses and len(statuses) < 100:
        statuses.append(
            httpx.post(
                f"{bot}/api/v1/chat", json={"session_id": session, "message": "hello"}, timeout=60
            ).status_code
        )
    assert statuses[-1] == 429
    families: dict[str, Any] = {}
    for service, path in (("bot", "/api/v1/metrics"), ("records", "/metrics")):
        text = httpx.get(f"{deployment.url(service)}{path}", timeout=30).text
        families |= {family.name: family for family in text_string_to_metric_families(text)}
    missing = dashboard_metrics() - set(families)
    assert missing == set()
    # the bot runs in prometheus-client's multiprocess mode here, as in the container
    env = deployment.loopback.environment("bot")
    assert any(Path(env["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"))
    requests = families["askcity_bot_request_duration_seconds"]
    assert any(s.labels.get("route") == "/api/v1/ready" for s in requests.samples)
