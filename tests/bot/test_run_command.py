"""`askcity run`, as a new user runs it: it says it is running only once it answers, the demo-users
command it prints works as printed and shows each user's case types, and a browser on
http://localhost:PORT (not only 127.0.0.1) may log in at the records service."""

from __future__ import annotations

import os
import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web_widget.harness import free_port

ASKCITY = Path(sys.executable).with_name("askcity")


def _two_free_ports() -> int:
    """A port P with P + 1 free too (`askcity run` puts the records service on the next port)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def _reader(stream: object, lines: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        lines.put(line)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, list[str], dict[str, str]]]:
    port = _two_free_ports()
    env = {
        **os.environ,
        "ASKCITY_DATA_DIR": str(tmp_path_factory.mktemp("run-data")),
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "200",
    }
    for name in ("ASKCITY_RECORDS_API_URL", "ASKCITY_LOGIN_URL", "ASKCITY_REDIS_URL", "ASKCITY_ENV"):
        env.pop(name, None)
    process = subprocess.Popen(
        [str(ASKCITY), "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_reader, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + 480  # a cold start exports the ONNX model; slow on a busy machine
    try:
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if process.poll() is not None:
                    pytest.fail("askcity run exited:\n" + "".join(seen))
                continue
            seen.append(line)
            if "askcity is running" in line:
                break
        else:
            pytest.fail("askcity run never said it was running:\n" + "".join(seen))
        yield port, seen, env
    finally:
        process.terminate()  # SIGTERM, as `docker stop` or systemd sends it
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    # the records service it started stops with it (uvicorn raises SIGTERM again after its shutdown)
    assert process.returncode == 128 + signal.SIGTERM, "".join(seen[-20:])
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port + 1}/v1/health", timeout=2)


def test_it_says_it_is_running_only_once_it_answers(demo: tuple[int, list[str], dict[str, str]]) -> None:
    port, _, _ = demo
    response = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)
    assert response.status_code == 200  # at the moment the line appeared, the bot already answered


def test_the_printed_demo_users_command_works_as_printed(demo: tuple[int, list[str], dict[str, str]]) -> None:
    _, seen, env = demo
    printed = next(line for line in seen if "records demo-users" in line)
    words = shlex.split(printed.strip())
    assignments = dict(w.split("=", 1) for w in words if "=" in w and w.split("=", 1)[0].isupper())
    command = [w for w in words if w not in {f"{k}={v}" for k, v in assignments.items()}]
    result = subprocess.run(
        command, env={**env, **assignments}, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "resident-001" in result.stdout
    assert any(
        f"({kind})" in result.stdout
        for kind in ("permit", "benefit", "licence", "complaint", "parking", "waste")
    )


def test_a_browser_on_localhost_may_log_in(demo: tuple[int, list[str], dict[str, str]]) -> None:
    port, _, _ = demo
    for origin in (f"http://localhost:{port}", f"http://127.0.0.1:{port}"):
        preflight = httpx.options(
            f"http://127.0.0.1:{port + 1}/dev/token",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            timeout=5,
        )
        assert preflight.headers.get("access-control-allow-origin") == origin
