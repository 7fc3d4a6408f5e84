"""Everything the service builds from its settings, built once (in the app's lifespan or a CLI
command) and closed once. Domain objects get plain values here, never the settings object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from records_api.audit import AuditLog
from records_api.audit_anchor import AuditAnchor
from records_api.cases import CaseDesk
from records_api.crypto import FieldCipher, LookupHasher
from records_api.db import create_db_engine, migrate, session_factory
from records_api.dev_identity import (
    DevIdentityProvider,
    load_or_create_password_seed,
    load_or_create_private_key,
)
from records_api.errors import ConfigurationError
from records_api.maintenance import AuditMaintenance
from records_api.masking import MaskingPolicy
from records_api.refusals import RefusalLedger
from records_api.settings import Settings
from records_api.throttle import FailureThrottle, build_storage
from records_api.tokens import JwksUrlKeySource, KeySource, StaticKeySource, TokenVerifier
from records_api.vault import ResidentVault
from trust.checkpoint_store import (
    CheckpointFile,
    load_or_create_signing_key,
    load_signing_key,
    load_verify_key,
)
from trust.errors import KeyFileError
from trust.service_identity import ServiceSignatureVerifier

log = structlog.get_logger("records_api.runtime")


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def open_database(settings: Settings, migrate_schema: bool | None = None) -> Database:
    engine = create_db_engine(settings.database_url)
    if settings.records_auto_migrate if migrate_schema is None else migrate_schema:
        migrate(engine)
    return Database(engine=engine, sessions=session_factory(engine))


def build_vault(settings: Settings) -> ResidentVault:
    return ResidentVault(FieldCipher(settings.encryption_key), LookupHasher(settings.hmac_key))


def build_audit_log(settings: Settings) -> AuditLog:
    return AuditLog(
        anomaly_threshold=settings.records_anomaly_distinct_residents,
        anomaly_window=timedelta(seconds=settings.records_anomaly_window_seconds),
    )


def audit_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The checkpoint key: the configured file; outside production, one generated in the data dir."""
    try:
        if settings.records_audit_signing_key_file is not None:
            return load_signing_key(settings.records_audit_signing_key_file)
        if settings.env == "production":
            raise ConfigurationError(
                "set ASKCITY_RECORDS_AUDIT_SIGNING_KEY_FILE to an Ed25519 private key (PEM) kept away "
                "from the database: `askcity audit keygen PATH` makes one"
            )
        return load_or_create_signing_key(settings.generated_audit_signing_key_file)
    except KeyFileError as exc:
        raise ConfigurationError(f"audit signing key: {exc}") from exc
    except OSError as exc:
        raise ConfigurationError(f"audit signing key: cannot create it ({type(exc).__name__})") from exc


def audit_verify_key(settings: Settings) -> Ed25519PublicKey | None:
    """The key checkpoints are checked with; None when none is configured or generated."""
    generated = settings.generated_audit_signing_key_file
    if settings.records_audit_verify_key_file is not None:
        path = settings.records_audit_verify_key_file
    elif settings.records_audit_signing_key_file is not None:
        path = settings.records_audit_signing_key_file
    elif settings.env != "production" and generated.exists():
        path = generated
    else:
        return None
    try:
        return load_verify_key(path)
    except KeyFileError as exc:
        raise ConfigurationError(f"audit verify key: {exc}") from exc


def build_service_signatures(settings: Settings) -> ServiceSignatureVerifier | None:
    keys = settings.service_keys
    if not keys:
        return None
    return ServiceSignatureVerifier(keys, max_age_seconds=settings.records_service_signature_max_age_seconds)


def build_anchor(
    settings: Settings, sessions: sessionmaker[Session], signing_key: Ed25519PrivateKey
) -> AuditAnchor:
    return AuditAnchor(
        sessions,
        signing_key,
        CheckpointFile(settings.audit_checkpoint_file),
        every_rows=settings.records_audit_checkpoint_rows,
        every_seconds=settings.records_audit_checkpoint_seconds,
    )


def check_startup(settings: Settings) -> None:
    """What would stop the service in its lifespan, as a ConfigurationError before it starts."""
    if not (settings.jwks_url or settings.dev_identity):
        raise ConfigurationError("set ASKCITY_JWKS_URL (or ASKCITY_DEV_IDENTITY=1 for a demo)")
    audit_signing_key(settings)


def build_dev_identity(settings: Settings) -> DevIdentityProvider | None:
    if not settings.dev_identity:
        return None
    if settings.env == "production":
        log.warning("records.dev_identity_in_production", hint="unset ASKCITY_DEV_IDENTITY")
    return DevIdentityProvider(
        load_or_create_private_key(settings.data_dir),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        token_ttl_seconds=settings.dev_token_ttl_seconds,
    )


def dev_password_seed(settings: Settings) -> bytes:
    if not settings.dev_identity:
        raise ConfigurationError("demo accounts exist only with ASKCITY_DEV_IDENTITY=1")
    return load_or_create_password_seed(settings.data_dir)


@dataclass
class Runtime:
    settings: Settings
    database: Database
    desk: CaseDesk
    verifier: TokenVerifier
    throttle: FailureThrottle
    login_throttle: FailureThrottle
    dev_identity: DevIdentityProvider | None
    service_signatures: ServiceSignatureVerifier | None
    maintenance: AuditMaintenance

    def start(self) -> None:
        self.maintenance.start()

    def close(self) -> None:
        self.maintenance.stop()
        self.database.close()


def build_runtime(settings: Settings) -> Runtime:
    dev_identity = build_dev_identity(settings)
    keys: KeySource
    if settings.jwks_url:
        keys = JwksUrlKeySource(settings.jwks_url, settings.jwks_timeout_seconds, settings.jwks_cache_seconds)
    elif dev_identity is not None:
        keys = StaticKeySource(dev_identity.jwks())
    else:
        raise ConfigurationError("set ASKCITY_JWKS_URL (or ASKCITY_DEV_IDENTITY=1 for a demo)")
    verifier = TokenVerifier(
        keys,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        leeway_seconds=settings.jwt_leeway_seconds,
        role_claim=settings.jwt_role_claim,
        max_lifetime_seconds=settings.jwt_max_lifetime_seconds,
    )
    policy = MaskingPolicy.load()
    throttle = FailureThrottle(
        build_storage(settings.redis_url, settings.records_redis_prefix),
        per_user=settings.records_failed_lookups_per_user,
        per_address=settings.records_failed_lookups_per_address,
        lockout_seconds=settings.records_lockout_seconds,
    )
    anchor_key = audit_signing_key(settings)  # before the database: refuse early without one
    database = open_database(settings)
    audit = build_audit_log(settings)
    refusals = RefusalLedger(database.sessions, audit)
    desk = CaseDesk(
        database.sessions,
        build_vault(settings),
        policy,
        audit,
        throttle,
        refusals,
        unmask_reason_min_length=settings.records_unmask_reason_min_length,
    )
    return Runtime(
        settings=settings,
        database=database,
        desk=desk,
        verifier=verifier,
        throttle=throttle,
        login_throttle=throttle.scoped("dev-login", lock_whole_address=True),
        dev_identity=dev_identity,
        service_signatures=build_service_signatures(settings),
        maintenance=AuditMaintenance(
            build_anchor(settings, database.sessions, anchor_key),
            refusals,
            flush_seconds=settings.records_audit_refusal_flush_seconds,
            tick_seconds=min(5.0, settings.records_audit_checkpoint_seconds),
        ),
    )
