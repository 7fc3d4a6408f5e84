"""The harness around the real records app: real PostgreSQL/SQLite, real Redis or memory limits,
real RS256 tokens from the dev identity provider's key (or a stranger's key, for attacks)."""

from __future__ import annotations

import base64
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from faker import Faker
from fastapi.testclient import TestClient
from sqlalchemy import select

from records_api.admin import StatusStep, add_case, add_resident, add_staff
from records_api.api.app import create_app
from records_api.dev_identity import KEY_FILE, load_or_create_private_key, public_jwk
from records_api.enums import CaseStatus, CaseType, Role
from records_api.masking import Address, ResidentRecord
from records_api.models import AuditEvent
from records_api.runtime import Runtime, build_vault
from records_api.settings import Settings
from trust.audit_chain import Checkpoint, parse_checkpoint
from trust.service_identity import signed_address_headers

GENEROUS = "10000/minute"
BOT = "askcity-bot"


def random_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def make_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": data_dir,
        "records_database_url": database_url,
        "records_encryption_key": random_key(),
        "records_hmac_key": random_key(),
        "dev_identity": True,
        "records_failed_lookups_per_user": GENEROUS,
        "records_failed_lookups_per_address": GENEROUS,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Person:
    subject: str
    record: ResidentRecord
    references: list[str] = field(default_factory=list)
    resident_id: int = 0


class Harness:
    """The app under test, its runtime, and helpers to fill it and call it."""

    AGENT = "staff-agent-1"
    SUPERVISOR = "staff-supervisor-1"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.client = TestClient(self.app, client=("203.0.113.10", 50000))
        self.fake = Faker("en_US")
        self.fake.seed_instance(7)
        self._counter = 0

    def __enter__(self) -> Harness:
        self.client.__enter__()
        with self.runtime.database.sessions.begin() as session:
            add_staff(session, self.AGENT, "Alex Agent", Role.AGENT)
            add_staff(session, self.SUPERVISOR, "Sam Supervisor", Role.SUPERVISOR)
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(None, None, None)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        return load_or_create_private_key(self.settings.data_dir)

    @cached_property
    def kid(self) -> str:
        return public_jwk(self.private_key)["kid"]

    def client_from(self, address: str) -> TestClient:
        """Another client address on the same running app."""
        return TestClient(self.app, client=(address, 50001))

    def fake_record(self) -> ResidentRecord:
        self._counter += 1
        return ResidentRecord(
            full_name=f"{self.fake.first_name()} {self.fake.last_name()}",
            national_id=f"{self.fake.ssn()[:-4]}{self._counter:04d}",
            date_of_birth=self.fake.date_of_birth(minimum_age=18, maximum_age=90),
            phone=self.fake.numerify("+1-###-###-####"),
            email=self.fake.email(),
            address=Address(self.fake.street_address(), self.fake.city(), self.fake.zipcode()),
        )

    def add_person(
        self,
        record: ResidentRecord | None = None,
        cases: int = 2,
        history: list[StatusStep] | None = None,
    ) -> Person:
        self._counter += 1
        person = Person(
            subject=f"citizen-{self._counter}-{secrets.token_hex(3)}",
            record=record or self.fake_record(),
        )
        steps = history or [
            StatusStep(CaseStatus.RECEIVED, datetime(2025, 1, 6, 9, 0, tzinfo=UTC), "Registered."),
            StatusStep(CaseStatus.IN_REVIEW, datetime(2025, 1, 9, 14, 30, tzinfo=UTC), "Assigned."),
        ]
        with self.runtime.database.sessions.begin() as session:
            owner = add_resident(session, build_vault(self.settings), person.record, person.subject)
            person.resident_id = owner.id
            for n in range(cases):
                case = add_case(
                    session,
                    owner,
                    list(CaseType)[n % len(CaseType)],
                    steps,
                    "Building Permits Office",
                    "Wait for the inspector's visit.",
                )
                person.references.append(case.reference)
        return person

    def claims(self, subject: str, role: Role | str, **overrides: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "sub": subject,
            "role": role.value if isinstance(role, Role) else role,
            "iss": self.settings.jwt_issuer,
            "aud": self.settings.jwt_audience,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=10)).timestamp()),
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(
        self,
        claims: dict[str, Any],
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        algorithm: str = "RS256",
    ) -> str:
        signer = key or self.private_key
        header_kid = kid if kid is not None else self.kid
        return jwt.encode(claims, signer, algorithm=algorithm, headers={"kid": header_kid})

    def token(self, subject: str, role: Role | str, **overrides: Any) -> str:
        return self.sign(self.claims(subject, role, **overrides))

    def resident_token(self, person: Person) -> str:
        return self.token(person.subject, Role.RESIDENT)

    def agent_token(self) -> str:
        return self.token(self.AGENT, Role.AGENT)

    def supervisor_token(self) -> str:
        return self.token(self.SUPERVISOR, Role.SUPERVISOR)

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def via_bot(
        self, token: str, resident_address: str, service: str = BOT, **overrides: Any
    ) -> dict[str, str]:
        """What the bot sends: the bearer token and the resident's address, signed with its key."""
        key = overrides.pop("key", None) or self.settings.service_keys[service]
        signed = signed_address_headers(service, key, resident_address, overrides.pop("signed_token", token))
        return {**self.bearer(token), **signed, **overrides}

    def events(self) -> list[AuditEvent]:
        with self.runtime.database.sessions() as session:
            return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))

    def flush_refusals(self) -> int:
        """What the maintenance thread does every `records_audit_refusal_flush_seconds`."""
        return self.runtime.maintenance.refusals.flush()

    def checkpoints(self) -> list[Checkpoint]:
        path = self.settings.audit_checkpoint_file
        if not path.exists():
            return []
        return [parse_checkpoint(line) for line in path.read_text().splitlines() if line.strip()]


def start_harness(tmp_path: Path, dev_key_pem: Path, database_url: str, **overrides: Any) -> Harness:
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    if not (data_dir / KEY_FILE).exists():
        shutil.copy(dev_key_pem, data_dir / KEY_FILE)
    return Harness(make_settings(data_dir, database_url, **overrides)).__enter__()


def known_record() -> ResidentRecord:
    return ResidentRecord(
        full_name="Jane Mary Doe",
        national_id="123-45-6789",
        date_of_birth=date(1984, 3, 12),
        phone="+1 (555) 010-4477",
        email="Jane.Doe@Example.org",
        address=Address("742 Evergreen Terrace", "Springfield", "62704"),
    )
