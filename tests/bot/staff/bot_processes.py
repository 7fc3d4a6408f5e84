"""Bot processes for the multi-process tests and benchmarks: `uvicorn bot.api.app:create_app --factory`
in subprocesses sharing one PostgreSQL database and one Redis, as a deployment runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.web_widget.harness import GENEROUS, free_port


class BotProcess:
    def __init__(
        self, data_dir: Path, database_url: str, redis_url: str, prefix: str, **settings: str
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ASKCITY_ENV": "test",
            "ASKCITY_DATA_DIR": str(data_dir),
            "ASKCITY_BOT_DATABASE_URL": database_url,
            "ASKCITY_REDIS_URL": redis_url,
            "ASKCITY_REDIS_PREFIX": prefix,
            "ASKCITY_RATE_LIMIT_SESSION": GENEROUS,
            "ASKCITY_RATE_LIMIT_ADDRESS": GENEROUS,
            "ASKCITY_HANDOFF_MAX_OPEN_PER_ADDRESS": "0",
            "OMP_NUM_THREADS": "1",
            "HF_HUB_OFFLINE": "1",
            **{f"ASKCITY_{k.upper()}": v for k, v in settings.items()},
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        self.process = subprocess.Popen(  # our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bot.api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--timeout-graceful-shutdown",
                "3",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        return self

    def wait_ready(self, seconds: float = 180) -> None:
        assert self.process is not None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bot exited: {self.process.stderr.read().decode()[-3000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/api/v1/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the bot process did not become ready")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


def start_bots(count: int, *args: object, **settings: str) -> list[BotProcess]:
    """`count` bot processes on one database: the first is ready (and has migrated an empty database)
    before the others start, as the deployment's migration job does; two processes creating Alembic's
    version table at once would race."""
    bots = [BotProcess(*args, **settings) for _ in range(count)]  # type: ignore[arg-type]
    try:
        bots[0].start().wait_ready()
        for bot in bots[1:]:
            bot.start()
        for bot in bots[1:]:
            bot.wait_ready()
    except Exception:
        for bot in bots:
            bot.stop()
        raise
    return bots
