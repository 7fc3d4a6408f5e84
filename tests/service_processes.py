"""Servers of a test's own, for fault tests (issue 14): a PostgreSQL cluster and a redis-server that the
test kills and starts again, and the records service as a real process (`python -m records_api`).

None of them touches the machine's own PostgreSQL (5432) or Redis (6379): each runs on a free
loopback port, in a folder of its own. `initdb` refuses to run as root, so as root the cluster runs
as the `postgres` system user (PostgreSQL's Debian packages create it) in a folder under the system
temp dir that user may enter (pytest's own temp folders are private to root).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import httpx
import psycopg
import pytest
import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def needed(what: str) -> None:
    """Skip without a server program; fail instead with ASKCITY_REQUIRE_SERVICES=1 (as CI sets)."""
    if os.environ.get("ASKCITY_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required (ASKCITY_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(f"{what} not installed")


def postgres_bindir() -> Path | None:
    """pg_config's bindir, else the newest /usr/lib/postgresql/N/bin (Debian keeps initdb there)."""
    found = shutil.which("pg_config")
    debian = Path("/usr/lib/postgresql")
    versions = [p for p in debian.glob("*/bin") if p.parent.name.isdigit()] if debian.exists() else []
    candidates = sorted(versions, key=lambda p: int(p.parent.name))
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False).stdout
        if out.strip():
            candidates.append(Path(out.strip()))
    for folder in reversed(candidates):
        if (folder / "initdb").exists():
            return folder
    return None


class OwnPostgres:
    """A PostgreSQL cluster of the test's own: `kill()` is a crash (SIGKILL to the postmaster and every
    backend at once), `start()` again runs crash recovery on the same data directory."""

    def __init__(self) -> None:
        bindir = postgres_bindir()
        if bindir is None:
            needed("PostgreSQL (initdb)")
        assert bindir is not None
        self.bindir = bindir
        self._as: dict[str, Any] = {}
        self.folder = Path(tempfile.mkdtemp(prefix="askcity-pg-"))
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                needed("a 'postgres' system user (initdb refuses root)")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self._as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.folder / "postgres.log"
        subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.folder / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-instructions",
                "--no-sync",  # creating the cluster only: the server itself fsyncs its commits as usual
            ],
            cwd=self.folder,
            check=True,
            capture_output=True,
            **self._as,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _ready(self) -> bool:
        try:
            psycopg.connect(
                f"postgresql://postgres@127.0.0.1:{self.port}/postgres", connect_timeout=1
            ).close()
        except psycopg.Error:
            return False
        return True

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # fixed arguments, our own folder
                [
                    str(self.bindir / "postgres"),
                    "-D",
                    str(self.folder / "data"),
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "unix_socket_directories=",
                    "-c",
                    "max_connections=60",
                    "-c",  # after a crash, sync the data directory with one syncfs(), not one fsync a file
                    "recovery_init_sync_method=syncfs",
                ],
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() reaches every backend
                **self._as,
            )
        deadline = time.monotonic() + 30
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not start: {self.log.read_text()[-1500:]}")
            time.sleep(0.05)

    def create_database(self, name: str) -> str:
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def kill(self) -> None:
        """A crash: SIGKILL to the whole process group, no shutdown checkpoint."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop_immediate(self) -> None:
        """`pg_ctl stop -m immediate`: every process quits at once, recovery at the next start."""
        assert self.process is not None
        subprocess.run(
            [str(self.bindir / "pg_ctl"), "stop", "-D", str(self.folder / "data"), "-m", "immediate"],
            cwd=self.folder,
            check=True,
            capture_output=True,
            timeout=30,
            **self._as,
        )
        self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        """Gone with its data: no shutdown checkpoint worth waiting for."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


class OwnRedis:
    """A redis-server of the test's own, on a free port, that the test stops and starts again."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("redis-server") is None:
            needed("redis-server")
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None


class RecordsProcess:
    """The records service as `python -m records_api`, its log in `data_dir/records.log` (a pipe
    nobody reads would block the service once its error log filled the pipe)."""

    def __init__(self, data_dir: Path, env: dict[str, str], seed_residents: int = 0) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ASKCITY_")},
            "ASKCITY_DATA_DIR": str(data_dir),
            **env,
        }
        self.args = ["--host", "127.0.0.1", "--port", str(self.port)]
        if seed_residents:
            self.args += ["--seed-demo", str(seed_residents)]
        self.log = data_dir / "records.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # our own module, fixed arguments
                [sys.executable, "-m", "records_api", *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"records service exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"the records service did not become healthy: {self.log.read_text()[-2000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


class OtlpReceiver(ThreadingHTTPServer):
    """A stand-in OpenTelemetry collector: keeps every OTLP/HTTP body it is sent (path, bytes)."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append((self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def spans(self) -> list[tuple[str, str, int]]:
        """(service name, span name, trace id) of every span received so far."""
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        found = []
        for _, body in list(self.bodies):
            for resource_spans in ExportTraceServiceRequest.FromString(body).resource_spans:
                attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    found += [
                        (attributes.get("service.name", ""), s.name, int.from_bytes(s.trace_id, "big"))
                        for s in scope_spans.spans
                    ]
        return found
