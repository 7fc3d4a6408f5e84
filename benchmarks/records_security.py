"""Security figures of the records service, measured against the real app.

Seeds >= 50 fake residents with their cases (SQLite in a temp dir, or a fresh database on the
PostgreSQL of `ASKCITY_TEST_DATABASE_URL` when set), logs every demo account in through the dev
identity provider, then measures:

1. cross-resident reads: every resident asks for every other resident's case references
   (rate limits raised for this phase, so that authorization alone is measured) -> disclosed;
2. guessing: 10,000 random well-formed references from one account under the default limits ->
   disclosed, and the share refused by the rate limit once it applies;
3. masking: every 200 response of phases 1 and 2 (residents, an agent and a supervisor) checked
   field by field against the masking policy and for raw-value leaks -> violations.

Prints one JSON object. Run: `.venv/bin/python -m benchmarks.records_security`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import joinedload

from records_api.api.app import create_app
from records_api.audit import verify_chain
from records_api.masking import MaskingPolicy, ResidentRecord
from records_api.models import Case
from records_api.references import new_reference
from records_api.runtime import build_vault, open_database
from records_api.seed import demo_users_from_settings, seed_from_settings
from records_api.settings import Settings

RESIDENTS = 50
GUESSES = 10_000
GENEROUS = "1000000/minute"


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


def main() -> None:
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
            "seconds": round(time.perf_counter() - started, 1),
        }
        _forget_redis_keys(guarded, open_settings)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
