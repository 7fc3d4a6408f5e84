"""Security figures of the records service, measured against the real app.

Seeds >= 50 fake residents with their cases (SQLite in a temp dir, or a fresh database on the
PostgreSQL of `ASKCITY_TEST_DATABASE_URL` when set), logs every demo account in through the dev
identity provider, then measures:

1. cross-resident reads: every resident asks for every other resident's case references
   (rate limits raised for this phase, so that authorization alone is measured) -> disclosed;
2. guessing: 10,000 random well-formed references from one account under the default limits ->
   disclosed, and the share refused by the rate limit once it applies;
3. masking: every 200 response of phases 1 and 2 (residents, an agent and a supervisor) checked
   field by field against the masking policy and for raw-value leaks -> violations;
4. lock-out denial (issue 11 §3): 1 or 4 abusive residents make 15 failed lookups each through the
   bot's one address, unsigned or with the signed resident address, under the default limits ->
   bystanders (20 other residents behind the bot) denied their own case, abusers locked out;
5. forwarded addresses: 50 lookups from 127.0.0.1 through the real server (`python -m records_api`),
   each with a made-up `X-Forwarded-For` -> distinct addresses in the audit trail;
6. refusals (§6): a locked-out account sends 500 more requests -> audit rows added at once and
   after the flush, and the count they record;
7. truncation (§6): every audit row deleted and the head reset -> what `verify` says with and
   without the latest signed checkpoint.

Prints one JSON object. Run: `.venv/bin/python -m benchmarks.records_security`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import redis
import sqlalchemy as sa
import structlog
from fastapi.testclient import TestClient
from sqlalchemy.orm import joinedload

from records_api.api.app import create_app
from records_api.audit import verify_chain
from records_api.audit_anchor import latest_checkpoint
from records_api.masking import MaskingPolicy, ResidentRecord
from records_api.models import AuditEvent, AuditHead, Case
from records_api.references import new_reference
from records_api.runtime import audit_signing_key, build_anchor, build_vault, open_database
from records_api.seed import demo_users_from_settings, seed_from_settings
from records_api.settings import Settings
from trust.audit_chain import GENESIS_HASH
from trust.service_identity import signed_address_headers

RESIDENTS = 50
GUESSES = 10_000
GENEROUS = "1000000/minute"
BOT, BOT_PEER = "askcity-bot", "10.0.0.5"
BYSTANDERS = 20
REFUSALS = 500


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


@contextmanager
def _database(tmp: Path) -> Iterator[tuple[str, str]]:
    base = os.environ.get("ASKCITY_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp / 'records.sqlite3'}", "sqlite"
        return
    url = sa.make_url(base)
    name = f"askcity_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False), "postgresql"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _digit_windows(raw: str) -> set[str]:
    digits = re.sub(r"\D", "", raw)
    return {digits[i : i + 4] for i in range(len(digits) - 3)} - {digits[-4:]}


def _collapse(text: str) -> str:
    return re.sub(r"(?<=\d)[\s().+\-/]+(?=\d)", "", text)


class MaskingAuditor:
    """Checks each case in a response against the policy and against raw-value leaks."""

    def __init__(self, settings: Settings) -> None:
        self.policy = MaskingPolicy.load()
        database = open_database(settings)
        vault = build_vault(settings)
        self.records: dict[str, ResidentRecord] = {}
        with database.sessions() as session:
            for case in session.scalars(sa.select(Case).options(joinedload(Case.owner))):
                self.records[case.reference] = vault.open(case.owner)
        database.close()
        self.responses = self.fields = 0
        self.violations: list[str] = []

    def self_test(self) -> bool:
        """The auditor flags a response that carries raw values (so a 0 below means something)."""
        reference, record = next(iter(self.records.items()))
        raw = {
            "full_name": record.full_name,
            "national_id": record.national_id,
            "date_of_birth": record.date_of_birth.isoformat(),
            "phone": record.phone,
            "email": record.email,
            "address": record.address.street,
        }
        case = {"reference": reference, "created_at": "", "updated_at": "", "status_history": []}
        self.check("agent", json.dumps({**case, "resident": raw}))
        caught = len(self.violations) >= len(raw)
        self.responses = self.fields = 0
        self.violations.clear()
        return caught

    def check(self, view: str, body: str) -> None:
        self.responses += 1
        document = json.loads(body)
        cases = document.get("cases", [document])
        for case in cases:
            record = self.records[case["reference"]]
            expected = vars(self.policy.mask(view, record))
            for field, value in case["resident"].items():
                self.fields += 1
                if value != expected[field]:
                    self.violations.append(f"{case['reference']} {view} {field}")
            stamps = [case["created_at"], case["updated_at"]]
            stamps += [entry["at"] for entry in case["status_history"]]
            allowed = _collapse(" ".join([*expected.values(), case["reference"], *stamps]))
            flat = _collapse(json.dumps(case))
            for raw in (record.national_id, record.phone):
                leaked = {w for w in _digit_windows(raw) if w in flat and w not in allowed}
                if leaked:
                    self.violations.append(f"{case['reference']} {view} digits {sorted(leaked)}")
            masked = " ".join(case["resident"].values()).lower()
            names = [w.lower() for w in record.full_name.split() if len(w) > 1]
            distinctive = [record.full_name, record.email.split("@")[0], record.address.street]
            if any(n in masked for n in names) or any(d.lower() in flat.lower() for d in distinctive):
                self.violations.append(f"{case['reference']} {view} raw text")


def _settings(tmp: Path, url: str, **limits: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": tmp,
        "records_database_url": url,
        "records_encryption_key": _key(),
        "records_hmac_key": _key(),
        "dev_identity": True,
        "records_anomaly_distinct_residents": 1000,
        "records_service_keys": {BOT: _key()},
        **limits,
    }
    redis_url = os.environ.get("ASKCITY_TEST_REDIS_URL")
    if redis_url:
        values["redis_url"] = redis_url
        values["records_redis_prefix"] = f"askcity-bench:{uuid.uuid4().hex[:8]}"
    return Settings(**values)


def _forget_redis_keys(*used: Settings) -> None:
    for settings in used:
        if settings.redis_url:
            client = redis.Redis.from_url(settings.redis_url)
            keys = list(client.scan_iter(match=f"{settings.records_redis_prefix}*", count=1000))
            if keys:
                client.delete(*keys)
            client.close()


def _login(client: TestClient, user: dict[str, Any]) -> dict[str, str]:
    login = {"username": user["username"], "password": user["password"]}
    token = client.post("/dev/token", data=login).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _scenario(settings: Settings, name: str) -> Settings:
    """The same database and limits, with lock-out counters of its own."""
    return settings.model_copy(update={"records_redis_prefix": f"{settings.records_redis_prefix}:{name}"})


def _lockout_denial(
    settings: Settings, residents: list[dict[str, Any]], abusers: int, signed: bool
) -> dict[str, int]:
    scenario = _scenario(settings, f"lockout-{abusers}-{signed}")
    key = scenario.service_keys[BOT]
    with TestClient(create_app(scenario), client=(BOT_PEER, 50000)) as bot:
        people = residents[: abusers + BYSTANDERS]
        tokens = [_login(bot, person)["Authorization"].split()[1] for person in people]

        def headers(n: int) -> dict[str, str]:
            signature = signed_address_headers(BOT, key, f"203.0.113.{n + 1}", tokens[n]) if signed else {}
            return {"Authorization": f"Bearer {tokens[n]}", **signature}

        for n in range(abusers):
            for _ in range(15):
                bot.get(f"/v1/cases/{new_reference()}", headers=headers(n))
        own = [
            bot.get(f"/v1/cases/{people[n]['refs'][0]}", headers=headers(n)).status_code
            for n in range(len(people))
        ]
    return {"abusers_locked_out": own[:abusers].count(429), "bystanders_denied": own[abusers:].count(429)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _spoofed_forwarded_for(
    settings: Settings, resident: dict[str, Any], requests: int = 50
) -> dict[str, int]:
    """Through the real server: uvicorn used to trust X-Forwarded-For from 127.0.0.1."""
    scenario = _scenario(settings, "spoof")
    env = {
        **os.environ,
        **{
            f"ASKCITY_{k.upper()}": str(v)
            for k, v in {
                "env": "test",
                "data_dir": scenario.data_dir,
                "dev_identity": "1",
                "records_database_url": scenario.database_url,
                "records_auto_migrate": "0",
                "records_encryption_key": scenario.records_encryption_key,
                "records_hmac_key": scenario.records_hmac_key,
                "redis_url": scenario.redis_url or "",
                "records_redis_prefix": scenario.records_redis_prefix,
            }.items()
            if v != ""
        },
    }
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "records_api", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(f"{base}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        login = {"username": resident["username"], "password": resident["password"]}
        token = httpx.post(f"{base}/dev/token", json=login).json()["access_token"]
        database = open_database(scenario, migrate_schema=False)
        with database.sessions() as session:
            since = session.scalar(sa.select(sa.func.max(AuditEvent.seq))) or 0
        for n in range(requests):
            forged = f"192.0.2.{n % 250 + 1}"
            httpx.get(
                f"{base}/v1/cases/{resident['refs'][0]}",
                headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": forged},
            )
        with database.sessions() as session:
            seen = session.scalars(sa.select(AuditEvent.client_address).where(AuditEvent.seq > since)).all()
        database.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {
        "requests": requests,
        "distinct_audited_addresses": len(set(seen)),
        "audited_as_spoofed": sum(a.startswith("192.0.2.") for a in seen),
    }


def _refusal_rows(settings: Settings, resident: dict[str, Any]) -> dict[str, Any]:
    app = create_app(_scenario(settings, "refusals"))
    with TestClient(app) as client:
        headers = _login(client, resident)
        for _ in range(11):  # the default limit is 10 failures a minute
            client.get(f"/v1/cases/{new_reference()}", headers=headers)
        database = app.state.runtime.database
        with database.sessions() as session:
            since = session.scalar(sa.select(sa.func.max(AuditEvent.seq))) or 0

        def added() -> list[AuditEvent]:
            with database.sessions() as session:
                return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.seq > since)))

        refused = [
            client.get(f"/v1/cases/{resident['refs'][0]}", headers=headers).status_code
            for _ in range(REFUSALS)
        ]
        at_once = len(added())
        app.state.runtime.maintenance.refusals.flush()
        rows = added()
    return {
        "refused_requests": refused.count(429),
        "rows_at_once": at_once,
        "rows_after_flush": len(rows),
        "refusals_recorded": sum(row.repeat_count for row in rows),
        "rows_per_refused_request": round(len(rows) / max(1, refused.count(429)), 4),
    }


def _truncation(settings: Settings) -> dict[str, Any]:
    database = open_database(settings, migrate_schema=False)
    anchor = build_anchor(settings, database.sessions, audit_signing_key(settings))
    anchor.checkpoint(force=True)
    with database.engine.begin() as connection:
        connection.execute(sa.delete(AuditEvent))
        connection.execute(sa.update(AuditHead).values(seq=0, row_hash=GENESIS_HASH))
    checkpoint = latest_checkpoint(anchor.store, anchor.public_key)
    with database.sessions() as session:
        alone = verify_chain(session)
        anchored = verify_chain(session, checkpoint=checkpoint)
    database.close()
    return {
        "chain_alone": f"intact={alone.intact} rows={alone.rows}",
        "against_checkpoint": "intact"
        if anchored.intact
        else f"BROKEN: {anchored.first_bad.reason if anchored.first_bad else ''}",
        "checkpointed_rows": checkpoint.seq if checkpoint else None,
    }


def main() -> None:
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # stdout: the JSON only
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, _database(Path(folder)) as (url, backend):
        tmp = Path(folder)
        guarded = _settings(tmp, url)  # the default limits
        open_settings = guarded.model_copy(
            update={
                "records_failed_lookups_per_user": GENEROUS,
                "records_failed_lookups_per_address": GENEROUS,
                "records_redis_prefix": guarded.records_redis_prefix + ":open",
            }
        )
        seed_from_settings(open_settings, RESIDENTS, seed=2024)
        users = [
            {
                "username": u.username,
                "password": u.password,
                "role": u.role.value,
                "refs": u.case_references,
            }
            for u in demo_users_from_settings(open_settings)
        ]
        residents = [u for u in users if u["role"] == "resident"]
        staff = {u["role"]: u for u in users if u["role"] != "resident"}
        auditor = MaskingAuditor(open_settings)
        auditor_catches_a_leak = auditor.self_test()

        cross: Counter[int] = Counter()
        disclosed = 0
        with TestClient(create_app(open_settings)) as client:
            for reader in residents:
                headers = _login(client, reader)
                mine = client.get("/v1/me/cases", headers=headers)
                auditor.check("resident", mine.text)
                for reference in reader["refs"]:
                    auditor.check("resident", client.get(f"/v1/cases/{reference}", headers=headers).text)
                for owner in residents:
                    if owner is reader:
                        continue
                    for reference in owner["refs"]:
                        response = client.get(f"/v1/cases/{reference}", headers=headers)
                        cross[response.status_code] += 1
                        if response.status_code == 200:
                            disclosed += 1
                            auditor.check("resident", response.text)
            for role in ("agent", "supervisor"):
                headers = _login(client, staff[role])
                for reference in auditor.records:
                    response = client.get(f"/v1/cases/{reference}", headers=headers)
                    auditor.check(role, response.text)

        guessed: Counter[int] = Counter()
        guess_disclosed = 0
        first_refusal: int | None = None
        attacker = residents[0]
        with TestClient(create_app(guarded)) as client:
            headers = _login(client, attacker)
            own = client.get(f"/v1/cases/{attacker['refs'][0]}", headers=headers)
            if own.status_code != 200:
                raise SystemExit(f"the guessing account cannot read its own case: {own.status_code}")
            auditor.check("resident", own.text)
            for n in range(GUESSES):
                reference = new_reference()
                response = client.get(f"/v1/cases/{reference}", headers=headers)
                guessed[response.status_code] += 1
                if response.status_code == 429 and first_refusal is None:
                    first_refusal = n
                if response.status_code == 200 and reference not in attacker["refs"]:
                    guess_disclosed += 1
                    auditor.check("resident", response.text)
            database = open_database(guarded, migrate_schema=False)
            with database.sessions() as session:
                chain = verify_chain(session)
            database.close()

        lockouts = {
            f"{abusers}_abusers_{'signed' if signed else 'unsigned'}": _lockout_denial(
                guarded, residents, abusers, signed
            )
            for abusers in (1, 4)
            for signed in (False, True)
        }
        spoofing = _spoofed_forwarded_for(guarded, residents[-1])
        refusals = _refusal_rows(guarded, residents[-2])
        truncation = _truncation(guarded)

        after = GUESSES - (first_refusal if first_refusal is not None else GUESSES)
        figures = {
            "database": backend,
            "rate_limit_storage": "redis" if guarded.redis_url else "memory",
            "residents": len(residents),
            "cases": len(auditor.records),
            "cross_resident": {
                "attempts": sum(cross.values()),
                "disclosed": disclosed,
                "statuses": {str(k): v for k, v in sorted(cross.items())},
            },
            "guessing": {
                "guesses": GUESSES,
                "disclosed": guess_disclosed,
                "statuses": {str(k): v for k, v in sorted(guessed.items())},
                "limit": f"{guarded.records_failed_lookups_per_user} per user, "
                f"{guarded.records_failed_lookups_per_address} per address, "
                f"lock-out {guarded.records_lockout_seconds}s",
                "lookups_before_limit_applied": first_refusal,
                "refused_by_rate_limit_once_applied": round(guessed[429] / after if after else 0.0, 6),
            },
            "masking": {
                "responses_checked": auditor.responses,
                "fields_checked": auditor.fields,
                "violations": len(auditor.violations),
                "auditor_catches_a_planted_leak": auditor_catches_a_leak,
                "examples": auditor.violations[:5],
            },
            "audit": {"rows": chain.rows, "chain_intact": chain.intact},
            "lockout_denial": {"bystanders": BYSTANDERS, **lockouts},
            "spoofed_forwarded_for": spoofing,
            "refusals_during_a_lockout": refusals,
            "truncation": truncation,
            "seconds": round(time.perf_counter() - started, 1),
        }
        _forget_redis_keys(guarded, open_settings)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
