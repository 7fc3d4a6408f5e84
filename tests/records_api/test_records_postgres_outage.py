"""PostgreSQL killed during records reads (issue 14): a cluster of the test's own, the records service
as a real process, residents reading their own cases on several connections at once.

While the database is down every read is refused with 503 and `Retry-After` (never a 500, never a 200
without its audit row); the service goes back to the database by itself once it is up again (no
restart); afterwards every read that returned 200 has its audit row and the hash chain verifies
against the service's signed checkpoints. The short form kills once (SIGKILL to the postmaster and
every backend); the slow form alternates SIGKILL and `pg_ctl stop -m immediate` over several cycles
under more readers.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from records_api.cli import audit_app
from records_api.dev_identity import DevIdentityProvider, load_or_create_private_key
from records_api.enums import AuditAction, AuditOutcome, Role
from records_api.settings import get_settings
from tests.service_processes import OwnPostgres, RecordsProcess

RESIDENTS = 6


def random_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


@dataclass(frozen=True)
class Read:
    at: float
    status: int  # 0: no HTTP answer at all
    retry_after: str | None
    error: str | None
    subject: str
    reference: str


@dataclass(frozen=True)
class Reader:
    subject: str
    token: str
    references: tuple[str, ...]


@dataclass
class Stack:
    postgres: OwnPostgres
    records: RecordsProcess
    env: dict[str, str]
    readers: list[Reader]
    engine: sa.Engine


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    postgres = OwnPostgres()
    try:
        postgres.start()
        url = postgres.create_database("records")
        env = {
            "ASKCITY_ENV": "test",
            "ASKCITY_DEV_IDENTITY": "1",
            "ASKCITY_RECORDS_DATABASE_URL": url,
            "ASKCITY_RECORDS_ENCRYPTION_KEY": random_key(),
            "ASKCITY_RECORDS_HMAC_KEY": random_key(),
            "ASKCITY_RECORDS_FAILED_LOOKUPS_PER_USER": "100000/minute",
            "ASKCITY_RECORDS_FAILED_LOOKUPS_PER_ADDRESS": "100000/minute",
            "ASKCITY_RECORDS_AUDIT_CHECKPOINT_SECONDS": "1",  # checkpoints before, during and after
        }
        data_dir = tmp_path / "records"
        data_dir.mkdir()
        with RecordsProcess(data_dir, env, seed_residents=RESIDENTS) as records:
            engine = sa.create_engine(url, pool_pre_ping=True)
            identity = DevIdentityProvider(
                load_or_create_private_key(data_dir),
                issuer="askcity-dev-identity",
                audience="askcity-records",
                token_ttl_seconds=3600,
            )
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text(
                        "SELECT r.subject, c.reference FROM residents r JOIN cases c ON c.owner_id = r.id"
                    )
                ).all()
            cases: dict[str, list[str]] = {}
            for subject, reference in rows:
                cases.setdefault(subject, []).append(reference)
            readers = [
                Reader(subject, identity.issue(subject, Role.RESIDENT).access_token, tuple(refs))
                for subject, refs in sorted(cases.items())
            ]
            assert len(readers) == RESIDENTS
            yield Stack(postgres, records, {**env, "ASKCITY_DATA_DIR": str(data_dir)}, readers, engine)
            engine.dispose()
    finally:
        postgres.close()


def read_cases(url: str, reader: Reader, stop: threading.Event, reads: list[Read]) -> None:
    """One resident reading their own cases in turn, on one keep-alive connection."""
    with httpx.Client(base_url=url, timeout=15) as client:
        i = 0
        while not stop.is_set():
            reference = reader.references[i % len(reader.references)]
            i += 1
            try:
                response = client.get(
                    f"/v1/cases/{reference}", headers={"Authorization": f"Bearer {reader.token}"}
                )
            except httpx.HTTPError as exc:
                reads.append(Read(time.monotonic(), 0, None, type(exc).__name__, reader.subject, reference))
                time.sleep(0.05)
                continue
            error = None if response.status_code == 200 else response.json().get("error")
            retry_after = response.headers.get("Retry-After")
            reads.append(
                Read(time.monotonic(), response.status_code, retry_after, error, reader.subject, reference)
            )
            if response.status_code != 200:
                time.sleep(0.02)  # a client told to come back later does not spin


@dataclass(frozen=True)
class Outage:
    killed_at: float
    restarted_at: float
    first_200_after: float | None


def run_readers(
    stack: Stack,
    readers: int,
    cycles: int,
    up_seconds: float,
    down_seconds: float,
    kill: Callable[[OwnPostgres, int], None],
) -> tuple[list[Read], list[Outage]]:
    stop = threading.Event()
    reads: list[Read] = []
    threads = [
        threading.Thread(
            target=read_cases, args=(stack.records.url, stack.readers[n % len(stack.readers)], stop, reads)
        )
        for n in range(readers)
    ]
    outages: list[Outage] = []
    for thread in threads:
        thread.start()
    try:
        for cycle in range(cycles):
            time.sleep(up_seconds)
            killed_at = time.monotonic()
            kill(stack.postgres, cycle)
            time.sleep(down_seconds)
            restarted_at = time.monotonic()
            stack.postgres.start()
            deadline = restarted_at + 20
            while time.monotonic() < deadline:  # until reads are served again
                if any(r.status == 200 and r.at > restarted_at for r in list(reads)):
                    break
                time.sleep(0.05)
            first = min((r.at for r in list(reads) if r.status == 200 and r.at > restarted_at), default=None)
            outages.append(Outage(killed_at, restarted_at, first))
        time.sleep(up_seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    return reads, outages


def audited_reads(engine: sa.Engine) -> Counter[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT actor_subject, case_reference, count(*) FROM audit_events "
                "WHERE action = :action AND outcome = :outcome GROUP BY actor_subject, case_reference"
            ),
            {"action": AuditAction.READ_CASE.value, "outcome": AuditOutcome.ALLOWED.value},
        ).all()
    return Counter({(subject, reference): int(count) for subject, reference, count in rows})


def verify_audit_chain(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> str:
    """`askcity audit verify` against the service's own settings and checkpoint file."""
    for name, value in stack.env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    result = CliRunner().invoke(audit_app, ["verify"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.stdout


def check_outage(
    stack: Stack, reads: list[Read], outages: list[Outage], monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses = Counter(r.status for r in reads)
    # every read was answered: served (200), or refused for now (503 + Retry-After); never a 500
    assert set(statuses) <= {200, 503}, statuses
    refused = [r for r in reads if r.status == 503]
    assert refused, f"no read fell into an outage: {statuses}"
    assert all(r.retry_after is not None and int(r.retry_after) > 0 for r in refused)
    assert {r.error for r in refused} == {"unavailable"}
    for outage in outages:
        during = [r for r in reads if outage.killed_at + 0.5 < r.at < outage.restarted_at]
        assert during and all(r.status == 503 for r in during), Counter(r.status for r in during)
        # back without restarting the service: it reconnects by itself
        assert outage.first_200_after is not None, "no read was served after PostgreSQL came back"
    assert stack.records.process is not None and stack.records.process.poll() is None
    served = Counter((r.subject, r.reference) for r in reads if r.status == 200)
    stack.records.__exit__()  # a clean stop writes its last checkpoint
    audited = audited_reads(stack.engine)
    lost = {key: count - audited[key] for key, count in served.items() if audited[key] < count}
    assert not lost, f"reads answered 200 without their audit row: {lost}"
    verified = verify_audit_chain(stack, monkeypatch)
    assert verified.startswith("audit chain intact:")
    # what the issue asks to count (printed with -s; the figures in docs/benchmarks.md)
    extra = sum(audited.values()) - sum(served.values())
    print(
        f"\nreads: {sum(statuses.values())} ({dict(statuses)}); lost audit rows: 0; "
        f"audited but refused: {extra}; back after restart: "
        f"{[round(o.first_200_after - o.restarted_at, 2) for o in outages if o.first_200_after]} s"
    )


def crash(postgres: OwnPostgres, cycle: int) -> None:
    postgres.kill()


def test_a_postgres_crash_during_reads_answers_503_with_retry_after_and_loses_no_audit_row(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads, outages = run_readers(stack, readers=6, cycles=1, up_seconds=1.5, down_seconds=2.5, kill=crash)
    check_outage(stack, reads, outages, monkeypatch)


def crash_or_immediate_stop(postgres: OwnPostgres, cycle: int) -> None:
    if cycle % 2:
        postgres.stop_immediate()
    else:
        postgres.kill()


@pytest.mark.slow
def test_repeated_postgres_crashes_under_sixteen_readers_lose_no_audit_row(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads, outages = run_readers(
        stack, readers=16, cycles=6, up_seconds=4.0, down_seconds=4.0, kill=crash_or_immediate_stop
    )
    check_outage(stack, reads, outages, monkeypatch)
