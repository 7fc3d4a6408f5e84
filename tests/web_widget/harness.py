"""The real services behind the widget's browser tests (and `benchmarks/widget_latency.py`).

- `BotServer`: the real bot app (`create_app` over a real runtime) served by uvicorn in a background
  thread, on a socket bound before the thread starts (no port race).
- `RecordsService`: the real records service as a subprocess (`python -m records_api --seed-demo N`) with
  the dev identity provider, answering CORS for the bot's origin, and its demo users.
- `Chromium`: Debian's Chromium through Playwright, with the launch arguments of DEVELOPERS.md.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import httpx
import uvicorn

from bot.api.app import create_app
from bot.runtime import Runtime, build_runtime
from bot.settings import BotSettings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
GENEROUS = "100000/minute"


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    with bound_socket() as sock:
        return int(sock.getsockname()[1])


def bot_settings(data_dir: Path, database_dir: Path, **overrides: Any) -> BotSettings:
    """Settings for a test bot: in-process sessions, SQLite transcripts, limits out of the way."""
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": data_dir,
        "bot_database_url": f"sqlite:///{database_dir / 'bot.sqlite3'}",
        "redis_url": "",
        "rate_limit_session": GENEROUS,
        "rate_limit_address": GENEROUS,
        "handoff_max_open_per_address": 0,  # tests ask for a person many times from one address
        "allowed_link_hosts": ["www.millbrook.example"],
    }
    values.update(overrides)
    return BotSettings(**values)


class ServedApp:
    """An app over HTTP on 127.0.0.1 (uvicorn in a thread, on a socket bound before it starts): `origin`
    is `http://127.0.0.1:<port>`, `url` the same with a trailing slash (its home page)."""

    def __init__(self, app: Any, sock: socket.socket | None = None) -> None:
        self.socket = sock or bound_socket()
        self.port = int(self.socket.getsockname()[1])
        self.origin = f"http://127.0.0.1:{self.port}"
        self.url = self.origin + "/"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


class BotServer(ServedApp):
    """The bot, on a runtime of its own, over HTTP on 127.0.0.1."""

    def __init__(self, settings: BotSettings, sock: socket.socket | None = None) -> None:
        self.settings = settings
        self.runtime: Runtime = build_runtime(settings)
        super().__init__(create_app(settings, self.runtime), sock)

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.runtime.close()


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    case_references: list[str]
    case_types: list[str]


class RecordsService:
    """`python -m records_api` with the dev identity provider, seeded with demo residents."""

    def __init__(self, data_dir: Path, cors_origin: str, residents: int = 5) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.login_url = f"{self.url}/dev/token"
        self.env = {
            **os.environ,
            "ASKCITY_ENV": "dev",
            "ASKCITY_DEV_IDENTITY": "1",
            "ASKCITY_DATA_DIR": str(data_dir),
            "ASKCITY_RECORDS_CORS_ORIGINS": json.dumps([cors_origin]),
        }
        self.env.pop("ASKCITY_RECORDS_DATABASE_URL", None)
        self.env.pop("ASKCITY_REDIS_URL", None)
        self.args = ["--host", "127.0.0.1", "--port", str(self.port), "--seed-demo", str(residents)]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RecordsService:
        self.process = subprocess.Popen(  # our own module, fixed arguments
            [sys.executable, "-m", "records_api", *self.args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"records service exited: {self.process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("the records service did not become healthy in 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()

    def demo_users(self) -> list[DemoUser]:
        """What `askcity records demo-users --json` prints, in the same environment."""
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "from askcity_cli.main import app; app()",
                "records",
                "demo-users",
                "--json",
            ],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout
        return [DemoUser(**row) for row in json.loads(out)]
