"""Several replicas behind the proxy, as docker-compose.yml runs them, on loopback: three `askcity serve`
processes (the compose file's command and environment, one shared data volume, PostgreSQL, Redis) on
three loopback addresses, and Debian's Caddy with a Caddyfile made from deploy/Caddyfile (the same
directives; only the site address and the upstreams are the loopback ones).

- a published version reaches every replica (each is polled directly), and one whose bytes do not
  match its content address is refused by every replica, which keeps serving the version it had;
- one replica killed (SIGKILL) during a resident chat load through the proxy: only turns in flight on it
  may fail, and every turn that starts once the proxy's `lb_try_duration` has passed is answered.

Figures (pick-up seconds, failed turns) are printed as JSON lines starting `replicas:`; docs/deploy.md
and docs/benchmarks.md quote them. Run the long load with `pytest -m slow tests/deploy/test_replicas.py`.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from tests.conftest import _clean_prefix, _fresh_postgres_database, _service_url, _unavailable
from tests.deploy.compose_file import ROOT, host_environment, resolved, service_environment
from tests.deploy.test_services import Loopback, free_port, stop

# three replicas loading the model on a shared machine can take minutes before the first test runs
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(1800)]

CADDYFILE = ROOT / "deploy" / "Caddyfile"
REPLICAS = 3
GUARD_SECONDS = 60.0  # against hanging only; the figures are printed, not asserted
START_SECONDS = 300.0
DYNAMIC_UPSTREAMS = re.compile(r"dynamic\s+a\s+bot\s+(?P<port>\d+)\s*\{[^{}]*\}")
SITE = re.compile(r"^\{\$ASKCITY_PUBLIC_HOST\}\s*\{", re.M)

NEW_DOCUMENT = """# Winter parking bans

During a declared snow emergency, parking is banned on both sides of every street signed as a snow
route, from 10 p.m. until the ploughs have cleared it. Cars left on a snow route are towed to the
municipal lot at 40 Quarry Road; the towing fee is $95 and storage costs $20 a day.

## How to find out about a snow emergency

Snow emergencies are announced on the city's website, on local radio and by text message to residents
who sign up for winter alerts. A snow emergency is declared at least four hours before the ban starts.

## Getting a towed car back

Bring your driver's licence and the vehicle registration to the Quarry Road lot, open every day from
7 a.m. to 7 p.m. during the winter season. Pay the towing fee and the storage charge at the counter.
"""
NEW_DOCUMENT_META = {
    "id": "transport-winter-parking-bans",
    "title": "Winter parking bans",
    "department": "Department of Transportation — Winter Operations",
    "contact": "Winter operations line, 555-0190",
    "language": "en",
    "domain": "transport",
    "source_uri": "https://www.springfield.example/transport/winter-parking",
}
QUESTIONS = (
    "When is parking banned on snow routes?",
    "How much does it cost to get a towed car back?",
    "How will I know a snow emergency was declared?",
    "Where is the lot for towed cars?",
    "What do I bring to get my car back?",
    "How do I get a library card?",
)


def caddy() -> str:
    found = shutil.which("caddy")
    if found is None:
        _unavailable("caddy is not installed (`make test` installs Debian's package: apt-get install caddy)")
    assert found is not None
    return found


def loopback_caddyfile(site: str, upstreams: list[str], admin: str) -> str:
    """deploy/Caddyfile with only its site address and upstreams replaced (and the admin endpoint,
    a process setting, moved off the default port a host's own caddy.service may hold)."""
    text = CADDYFILE.read_text(encoding="utf-8")
    text, sites = SITE.subn(site + " {", text)
    text, dynamic = DYNAMIC_UPSTREAMS.subn("to " + " ".join(upstreams), text)
    assert (sites, dynamic) == (1, 1), "deploy/Caddyfile changed shape: update loopback_caddyfile()"
    return f"{{\n\tadmin {admin}\n}}\n\n{text}"


@dataclass
class Turn:
    session: int
    started: float
    ended: float
    status: int  # 0: no HTTP answer (connection error, timeout)


@dataclass
class Cluster:
    loopback: Loopback
    root: Path
    addresses: list[str]  # each replica's loopback address (one port for all, as in compose)
    port: int
    proxy_url: str
    clients: str  # the first three octets of the residents' loopback addresses
    replicas: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    proxy: subprocess.Popen[bytes] | None = None

    def url(self, replica: int) -> str:
        return f"http://{self.addresses[replica]}:{self.port}"

    def environment(self, service: str, replica: int | None = None) -> dict[str, str]:
        env = self.loopback.environment(service)
        if replica is not None:  # each container has its own tmpfs for the metrics of its workers
            metrics = self.root / "tmpfs" / f"bot-{replica}" / "metrics"
            shutil.rmtree(metrics, ignore_errors=True)
            metrics.mkdir(parents=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        return env

    def askcity(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A command an operator runs in the `migrate` container (`docker compose run migrate ...`)."""
        return subprocess.run(
            [str(Path(sys.executable).with_name("askcity")), *args],
            env=self.environment("migrate"),
            capture_output=True,
            text=True,
            timeout=300,
            cwd=self.root,
        )

    def askcity_process(self, *args: str) -> subprocess.Popen[str]:
        log = self.root / "logs" / f"askcity-{args[0]}.log"
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("askcity")), *args],
            env=self.environment("migrate"),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.root,
        )

    def output(self, process: subprocess.Popen[str]) -> str:
        argv = process.args
        assert isinstance(argv, list)
        return (self.root / "logs" / f"askcity-{argv[1]}.log").read_text(errors="replace")[-4000:]

    def start(self, replica: int) -> None:
        argv = self.loopback.command("bot")
        argv[argv.index("--host") + 1] = self.addresses[replica]
        log = (self.root / "logs" / f"bot-{replica}.log").open("ab")
        self.replicas[replica] = subprocess.Popen(
            argv,
            env=self.environment("bot", replica),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.root,
            start_new_session=True,
        )

    def wait_ready(self, replica: int) -> float:
        started = time.monotonic()
        while time.monotonic() - started < START_SECONDS:
            process = self.replicas[replica]
            if process.poll() is not None:
                pytest.fail(f"replica {replica} exited with {process.returncode}:\n{self.log(replica)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url(replica)}/api/v1/ready", timeout=5).status_code == 200:
                    return time.monotonic() - started
            time.sleep(0.2)
        pytest.fail(f"replica {replica} not ready in {START_SECONDS:.0f} s:\n{self.log(replica)}")

    def kill(self, replica: int) -> None:
        process = self.replicas[replica]
        os.killpg(process.pid, signal.SIGKILL)  # the replica's own process group
        process.wait(timeout=30)

    def ready(self, replica: int) -> dict[str, object]:
        answer = httpx.get(f"{self.url(replica)}/api/v1/ready", timeout=10)
        body: dict[str, object] = answer.json()
        body["status_code"] = answer.status_code
        return body

    def log(self, replica: int | str) -> str:
        name = f"bot-{replica}" if isinstance(replica, int) else replica
        return (self.root / "logs" / f"{name}.log").read_text(errors="replace")[-4000:]


@pytest.fixture(scope="module")
def cluster(sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    executable = caddy()
    root = tmp_path_factory.mktemp("replicas")
    redis_url = _service_url("ASKCITY_TEST_REDIS_URL")
    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis unreachable at {redis_url}: {exc}")
    finally:
        client.close()
    prefix = f"askcity-test:{os.urandom(5).hex()}:"
    # the proxy reaches the replicas from 127.0.0.1: the address they trust for X-Forwarded-For
    compose = resolved(host_environment(ASKCITY_PROXY_ADDRESS="127.0.0.1"))
    net = f"127.{random.randint(20, 250)}.{random.randint(1, 250)}"
    with contextlib.ExitStack() as stack:
        databases = {
            name: stack.enter_context(_fresh_postgres_database()) for name in ("askcity", "askcity_records")
        }
        loopback = Loopback(root, databases, redis_url, prefix, compose)
        # the records service is not started: a status lookup fails closed, as when it is down
        loopback.ports = {"bot": free_port(), "records": free_port()}
        (root / "logs").mkdir()
        cluster = Cluster(
            loopback,
            root,
            [f"{net}.{11 + i}" for i in range(REPLICAS)],
            loopback.ports["bot"],
            f"http://127.0.0.1:{free_port()}",
            f"{net}",
        )
        # the shared volume: the published sample knowledge base and the model's ONNX copy
        data = Path(loopback.path("bot", service_environment(compose["services"]["bot"])["ASKCITY_DATA_DIR"]))
        shutil.copytree(sample_kb_dir / "kb", data / "kb")
        (sample_kb_dir / "models").mkdir(exist_ok=True)
        (data / "models").symlink_to(sample_kb_dir / "models")
        migrate = subprocess.run(
            loopback.command("migrate"),
            env=cluster.environment("migrate"),
            capture_output=True,
            text=True,
            timeout=300,
            cwd=root,
        )
        assert migrate.returncode == 0, migrate.stderr[-4000:]
        caddyfile = root / "Caddyfile"
        upstreams = [f"{address}:{cluster.port}" for address in cluster.addresses]
        caddyfile.write_text(
            loopback_caddyfile(cluster.proxy_url, upstreams, f"127.0.0.1:{free_port()}"), encoding="utf-8"
        )
        caddy_home = root / "caddy"
        caddy_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(caddy_home),
            "XDG_DATA_HOME": str(caddy_home / "data"),
            "XDG_CONFIG_HOME": str(caddy_home / "config"),
        }
        try:
            for replica in range(REPLICAS):
                cluster.start(replica)
            cluster.proxy = subprocess.Popen(
                [executable, "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
                env=caddy_env,
                stdout=(root / "logs" / "caddy.log").open("wb"),
                stderr=subprocess.STDOUT,
                cwd=root,
                start_new_session=True,
            )
            for replica in range(REPLICAS):
                cluster.wait_ready(replica)
            deadline = time.monotonic() + GUARD_SECONDS
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{cluster.proxy_url}/api/v1/ready", timeout=5).status_code == 200:
                        break
                if time.monotonic() > deadline or cluster.proxy.poll() is not None:
                    pytest.fail(f"caddy did not serve:\n{cluster.log('caddy')}")
                time.sleep(0.2)
            yield cluster
        finally:
            for process in [cluster.proxy, *cluster.replicas.values()]:
                if process is not None:
                    stop(process)
            _clean_prefix(redis_url, prefix)


def figures(name: str, **values: object) -> None:
    print(f"replicas: {json.dumps({'figure': name, **values})}")  # quoted in docs/deploy.md


# ---- the proxy's configuration ---------------------------------------------------------------------------
def test_caddy_accepts_the_deployed_caddyfile(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "ASKCITY_PUBLIC_HOST": host_environment()["ASKCITY_PUBLIC_HOST"],
    }
    checked = subprocess.run(
        [caddy(), "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr[-4000:]
    assert "Valid configuration" in checked.stdout + checked.stderr


def test_the_loopback_caddyfile_keeps_every_directive_of_the_deployed_one() -> None:
    made = loopback_caddyfile("http://127.0.0.1:1", ["127.0.0.2:2", "127.0.0.3:2"], "127.0.0.1:3")
    words = re.compile(r"^\s*([a-z_@-][\w@-]*)", re.M)
    deployed = set(words.findall(CADDYFILE.read_text(encoding="utf-8"))) - {"dynamic", "refresh"}
    assert deployed <= set(words.findall(made))
    assert "to 127.0.0.2:2 127.0.0.3:2" in made and "http://127.0.0.1:1 {" in made


# ---- a published version reaches every replica ------------------------------------------------------------
def wait_until_every_replica(
    cluster: Cluster, replicas: list[int], done: object, since: float
) -> list[float]:
    """Poll each replica directly until `done(readiness)`; seconds from `since` for each."""
    seen: dict[int, float] = {}
    deadline = since + GUARD_SECONDS
    while len(seen) < len(replicas):
        for replica in replicas:
            if replica not in seen and done(cluster.ready(replica)):  # type: ignore[operator]
                seen[replica] = time.monotonic() - since
        assert time.monotonic() < deadline, f"not every replica got there: {seen}\n{cluster.log(0)}"
        time.sleep(0.02)
    return [round(seen[r], 3) for r in replicas]


# three replicas each load the model and the index: minutes of start-up; `make soak` runs it
@pytest.mark.slow
def test_a_published_version_reaches_every_replica(cluster: Cluster, tmp_path: Path) -> None:
    data = Path(cluster.environment("migrate")["ASKCITY_DATA_DIR"])
    pointer = data / "kb" / "CURRENT"
    before = pointer.read_text(encoding="utf-8").strip()
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "winter-parking-bans.md").write_text(NEW_DOCUMENT, encoding="utf-8")
    (documents / "winter-parking-bans.md.meta.json").write_text(
        json.dumps(NEW_DOCUMENT_META), encoding="utf-8"
    )

    # the editor's `askcity ingest`; the replicas are polled from the moment the pointer moves (the
    # command itself goes on for a few seconds after publishing)
    ingest = cluster.askcity_process("ingest", str(documents))
    try:
        deadline = time.monotonic() + START_SECONDS
        while (published := pointer.read_text(encoding="utf-8").strip()) == before:
            assert ingest.poll() is None, cluster.output(ingest)
            assert time.monotonic() < deadline, "the published pointer never moved"
            time.sleep(0.005)
        switched = time.monotonic()
        seconds = wait_until_every_replica(
            cluster, list(range(REPLICAS)), lambda r: r["knowledge_base"] == published, switched
        )
    finally:
        ingest.wait(timeout=START_SECONDS)
    assert ingest.returncode == 0, cluster.output(ingest)
    manifest = json.loads(
        (data / "kb" / "versions" / published / "manifest.json").read_text(encoding="utf-8")
    )
    assert manifest["digest"].startswith("sha256:")
    figures("publish_to_served_seconds", replicas=seconds, slowest=max(seconds))
    for replica in range(REPLICAS):
        ready = cluster.ready(replica)
        assert ready["knowledge_base_digest"] == manifest["digest"] and ready["status_code"] == 200
        # and each one answers from it
        session = httpx.post(f"{cluster.url(replica)}/api/v1/sessions", timeout=30).json()["session_id"]
        answer = httpx.post(
            f"{cluster.url(replica)}/api/v1/chat",
            json={"session_id": session, "message": "Where is the lot for towed cars?"},
            timeout=60,
        ).json()
        assert NEW_DOCUMENT_META["id"] in {c["document_id"] for c in answer["citations"]}, answer


# three replicas each load the model and the index: minutes of start-up; `make soak` runs it
@pytest.mark.slow
def test_a_version_that_does_not_match_its_address_is_refused_by_every_replica(cluster: Cluster) -> None:
    """As a store that synced half a version, or a disk that flipped a bit: the replicas keep the
    version they serve, say so in readiness and metrics, and rolling back clears it."""
    data = Path(cluster.environment("migrate")["ASKCITY_DATA_DIR"]) / "kb"
    served = (data / "CURRENT").read_text(encoding="utf-8").strip()
    digest = cluster.ready(0)["knowledge_base_digest"]
    damaged = f"v{int(served[1:]) + 1:06d}"
    shutil.copytree(data / "versions" / served, data / "versions" / damaged)
    manifest = data / "versions" / damaged / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(served, damaged), encoding="utf-8")
    chunks = data / "versions" / damaged / "chunks.json"
    chunks.write_bytes(chunks.read_bytes().replace(b"Quarry Road", b"Quarry Roaf", 1))
    pointer = data / f".CURRENT.{os.getpid()}"
    pointer.write_text(damaged + "\n", encoding="utf-8")
    since = time.monotonic()
    pointer.replace(data / "CURRENT")

    seconds = wait_until_every_replica(
        cluster, list(range(REPLICAS)), lambda r: r["knowledge_base_refused"] == damaged, since
    )
    figures("damaged_version_refused_seconds", replicas=seconds)
    for replica in range(REPLICAS):
        ready = cluster.ready(replica)
        assert ready["status_code"] == 200
        assert (ready["knowledge_base"], ready["knowledge_base_digest"]) == (served, digest)
        metrics = httpx.get(f"{cluster.url(replica)}/api/v1/metrics", timeout=30).text
        assert f'askcity_bot_knowledge_base_refused_info{{version="{damaged}"}} 1.0' in metrics
        assert f'askcity_bot_knowledge_base_info{{digest="{digest}",version="{served}"}} 1.0' in metrics
        assert "chunks.json is missing or altered" in cluster.log(replica)
    assert httpx.get(f"{cluster.proxy_url}/api/v1/metrics", timeout=30).status_code == 404  # not public

    rolled_back = cluster.askcity("kb", "rollback")
    assert rolled_back.returncode == 0, rolled_back.stderr[-2000:]
    wait_until_every_replica(
        cluster,
        list(range(REPLICAS)),
        lambda r: r["knowledge_base_refused"] is None and r["knowledge_base"] == served,
        time.monotonic(),
    )


# ---- a replica killed under load ---------------------------------------------------------------------------
def resident(cluster: Cluster, number: int, until: float, turns: list[Turn], pause: float) -> None:
    """One resident's conversation through the proxy, from their own loopback address."""
    transport = httpx.HTTPTransport(local_address=f"{cluster.clients}.{100 + number}")
    with httpx.Client(base_url=cluster.proxy_url, transport=transport, timeout=60) as client:
        session: str | None = None
        question = number
        while time.monotonic() < until:
            started = time.monotonic()
            status = 0
            try:
                if session is None:
                    answered = client.post("/api/v1/sessions")
                    session = answered.json()["session_id"] if answered.status_code == 201 else None
                    if session is None:
                        turns.append(Turn(number, started, time.monotonic(), answered.status_code))
                        time.sleep(pause)
                        continue
                    started = time.monotonic()
                message = QUESTIONS[question % len(QUESTIONS)]
                status = client.post(
                    "/api/v1/chat", json={"session_id": session, "message": message}
                ).status_code
            except httpx.HTTPError:
                status = 0
            turns.append(Turn(number, started, time.monotonic(), status))
            question += 1
            time.sleep(pause)


def kill_one_under_load(
    cluster: Cluster, sessions: int, seconds: float, kill_after: float, pause: float
) -> None:
    """`pause` between a resident's turns keeps each one under the per-session limit (30 a minute by
    default): a 429 would count as a failed turn."""
    victim = REPLICAS - 1
    turns: list[Turn] = []
    until = time.monotonic() + seconds
    residents = [
        threading.Thread(target=resident, args=(cluster, n, until, turns, pause)) for n in range(sessions)
    ]
    for thread in residents:
        thread.start()
    time.sleep(kill_after)
    killed = time.monotonic()
    cluster.kill(victim)
    dead = time.monotonic()  # reaped: until then its sockets may still take a request
    for thread in residents:
        thread.join()

    try_duration, fail_duration = (
        float(re.search(rf"{name}\s+(\d+)s", CADDYFILE.read_text()).group(1))  # type: ignore[union-attr]
        for name in ("lb_try_duration", "fail_duration")
    )
    failed = [t for t in turns if t.status != 200]
    in_flight = [t for t in turns if t.started <= dead and t.ended >= killed]
    after = [t for t in turns if t.started >= killed + try_duration]
    figures(
        "replica_killed_under_load",
        sessions=sessions,
        seconds=seconds,
        turns=len(turns),
        kill_to_reaped_seconds=round(dead - killed, 3),
        in_flight_at_kill=len(in_flight),
        failed=len(failed),
        failed_by_status={
            str(c): sum(t.status == c for t in failed) for c in sorted({t.status for t in failed})
        },
        turns_after_lb_try_duration=len(after),
        failed_after_lb_try_duration=sum(t.status != 200 for t in after),
    )
    assert turns and after, "the load never reached the proxy"
    # The others keep answering. Caddy before caddyserver/caddy#7547 (Debian's 2.6, the compose file's
    # 2.8) answers 502 to a POST it retries after failing to connect to the dead replica; with static
    # upstreams it tries the dead one again each `fail_duration`: at most that one turn each time.
    known = int((seconds - kill_after - try_duration) // fail_duration)
    assert all(t.status == 502 for t in after if t.status != 200), after
    assert sum(t.status != 200 for t in after) <= known
    # only what the killed replica held can fail (at most one turn per resident, begun before it died),
    # and the proxy's 502s above
    assert all(t.status == 502 for t in failed if t.started > dead), (dead, failed)
    assert len(failed) <= sessions + known
    survivors = [r for r in range(REPLICAS) if r != victim]
    assert all(cluster.ready(r)["status_code"] == 200 for r in survivors)


# three replicas each load the model and the index: minutes of start-up; `make soak` runs it
@pytest.mark.slow
def test_a_replica_killed_under_load_leaves_the_others_answering(cluster: Cluster) -> None:
    kill_one_under_load(cluster, sessions=24, seconds=15.0, kill_after=5.0, pause=1.0)


@pytest.mark.slow
def test_a_replica_killed_under_a_long_load_and_restarted(cluster: Cluster) -> None:
    for replica in range(REPLICAS):
        if cluster.replicas[replica].poll() is not None:
            cluster.start(replica)
            cluster.wait_ready(replica)
    kill_one_under_load(cluster, sessions=32, seconds=60.0, kill_after=20.0, pause=2.2)
    cluster.start(REPLICAS - 1)
    restarted = cluster.wait_ready(REPLICAS - 1)
    figures("killed_replica_restart_to_ready_seconds", seconds=round(restarted, 1))
    served = {cluster.ready(r)["knowledge_base"] for r in range(REPLICAS)}
    assert len(served) == 1
