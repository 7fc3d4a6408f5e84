"""Shared fixtures: real services selected by environment variables.

`ASKCITY_TEST_DATABASE_URL` (PostgreSQL) and `ASKCITY_TEST_REDIS_URL` (Redis) select the service-backed
tests. Without them those tests skip, unless `ASKCITY_REQUIRE_SERVICES=1` (CI), where a missing or
unreachable service fails the run instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REQUIRE_SERVICES = os.environ.get("ASKCITY_REQUIRE_SERVICES") == "1"


def pytest_configure(config: pytest.Config) -> None:
    """Every runtime of the run, in this process or spawned, shares one model cache (the ONNX and int8
    copies of the embedding model, the classifiers' example vectors): each would otherwise make them again
    in its own data directory, seconds of CPU per runtime. The files are checked before use
    (knowledge_base/embedder.py), so sharing them changes no result."""
    # pytest-xdist gives its workers COLUMNS=80, and a rich console made at import keeps that width for
    # good: the CLI tests that want a width set it themselves
    os.environ.pop("COLUMNS", None)
    if "ASKCITY_MODEL_CACHE_DIR" not in os.environ:
        path = Path(tempfile.mkdtemp(prefix="askcity-models-"))
        os.environ["ASKCITY_MODEL_CACHE_DIR"] = str(path)
        config.add_cleanup(lambda: shutil.rmtree(path, ignore_errors=True))


def _service_url(variable: str) -> str:
    url = os.environ.get(variable, "")
    if not url:
        message = f"{variable} is not set"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} but ASKCITY_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(message)
    return url


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def _fresh_postgres_database() -> Iterator[str]:
    import sqlalchemy as sa

    base_url = sa.make_url(_service_url("ASKCITY_TEST_DATABASE_URL"))
    name = f"askcity_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _unavailable(f"PostgreSQL unreachable at {base_url.render_as_string()}: {exc}")
    try:
        yield base_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with _fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def postgres_url_module() -> Iterator[str]:
    """A fresh PostgreSQL database shared by the tests of one module (for an expensive runtime)."""
    with _fresh_postgres_database() as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    """The test Redis URL, checked to answer PING. Tests isolate themselves with `redis_prefix`."""
    import redis

    url = _service_url("ASKCITY_TEST_REDIS_URL")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis unreachable at {url}: {exc}")
    finally:
        client.close()
    return url


def _clean_prefix(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"*{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix unique to one test; its keys are deleted afterwards."""
    prefix = f"askcity-test:{uuid.uuid4().hex[:10]}:"
    yield prefix
    _clean_prefix(redis_url, prefix)


@pytest.fixture(scope="module")
def redis_module() -> Iterator[tuple[str, str]]:
    """(Redis URL, key prefix) shared by the tests of one module; the prefix's keys are deleted after."""
    import redis

    url = _service_url("ASKCITY_TEST_REDIS_URL")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis unreachable at {url}: {exc}")
    finally:
        client.close()
    prefix = f"askcity-test:{uuid.uuid4().hex[:10]}:"
    yield url, prefix
    _clean_prefix(url, prefix)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'askcity.sqlite3'}"


# ---- knowledge base fixtures ---------------------------------------------------------------------
SAMPLE_KB = Path(__file__).resolve().parents[1] / "ingest" / "sample_kb"


class CountingEmbedder:
    """The real bundled model behind a process-wide cache, counting the texts a caller asks for.

    The cache only saves test time across tests; `calls`/`texts` count what the code under test
    requested, which is what "no embedding work" assertions are about.
    """

    _shared: ClassVar[dict[str, object]] = {}

    def __init__(self) -> None:
        from knowledge_base.embedder import CachingEmbedder, SentenceTransformerEmbedder

        if "model" not in self._shared:
            self._shared["model"] = CachingEmbedder(SentenceTransformerEmbedder(), max_entries=200_000)
        self._inner = self._shared["model"]
        self.calls = 0
        self.texts = 0

    @property
    def name(self) -> str:
        return self._inner.name  # type: ignore[attr-defined,no-any-return]

    @property
    def dimension(self) -> int:
        return self._inner.dimension  # type: ignore[attr-defined,no-any-return]

    @property
    def max_tokens(self) -> int:
        return self._inner.max_tokens  # type: ignore[attr-defined,no-any-return]

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)  # type: ignore[attr-defined,no-any-return]

    def embed(self, texts: list[str]):  # type: ignore[no-untyped-def]
        self.calls += 1
        self.texts += len(texts)
        return self._inner.embed(texts)  # type: ignore[attr-defined]


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def make_kb(tmp_path: Path, embedder: CountingEmbedder):  # type: ignore[no-untyped-def]
    """Build a KnowledgeBase in a temp dir on the given database URL (SQLite by default)."""
    from knowledge_base.kb import KnowledgeBase

    opened = []

    def factory(database_url: str | None = None, root: Path | None = None, keep: int = 5):  # type: ignore[no-untyped-def]
        url = database_url or f"sqlite:///{tmp_path / 'kb.sqlite3'}"
        kb = KnowledgeBase(root or tmp_path / "kb", url, embedder, keep_versions=keep)
        kb.migrate()
        opened.append(kb)
        return kb

    yield factory
    for kb in opened:
        kb.close()


@pytest.fixture(scope="session")
def sample_kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped sample knowledge base, ingested once per test session; returns its data dir."""
    from ingest.pipeline import Ingestor
    from knowledge_base.kb import KnowledgeBase

    data_dir = tmp_path_factory.mktemp("sample-kb-data")
    kb = KnowledgeBase(data_dir / "kb", f"sqlite:///{data_dir / 'kb.sqlite3'}", CountingEmbedder())
    kb.migrate()
    summary = Ingestor(kb).ingest([SAMPLE_KB / "documents"])
    kb.close()
    assert not summary.failed, summary.failed
    return data_dir
