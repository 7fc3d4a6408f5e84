"""At rest: resident fields are ciphertext bound to their row, lookups go through keyed hashes,
and the Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from records_harness import Harness, known_record
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from records_api.audit import verify_chain
from records_api.crypto import LookupHasher
from records_api.db import VERSION_TABLE, alembic_config, create_db_engine, migrate
from records_api.models import AuditEvent, Base
from records_api.runtime import build_vault
from trust.audit_chain import GENESIS_HASH, chain_hash


def test_no_raw_resident_value_is_stored_in_the_clear(pg: Harness) -> None:
    record = known_record()
    pg.add_person(record, cases=1)
    raw_values = [
        record.full_name,
        "Doe",
        record.national_id,
        "123456789",
        record.date_of_birth.isoformat(),
        "010-4477",
        record.email,
        "jane.doe",
        record.address.street,
        "Springfield",
    ]
    with pg.runtime.database.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM residents")).all()
    stored = b" ".join(
        value if isinstance(value, bytes) else str(value).encode() for row in rows for value in row
    ).lower()
    assert [v for v in raw_values if v.lower().encode() in stored] == []


def test_lookups_by_national_id_use_a_keyed_hash_of_the_normalised_value(pg: Harness) -> None:
    person = pg.add_person(known_record(), cases=1)
    vault = build_vault(pg.settings)
    with pg.runtime.database.sessions() as session:
        found = vault.find_by_national_id(session, "123 45 6789")
        assert found is not None and found.subject == person.subject
        assert found.national_id_hmac == LookupHasher(pg.settings.hmac_key).national_id("123456789")
        assert vault.find_by_national_id(session, "123-45-6780") is None
    other_key = LookupHasher(pg.settings.encryption_key).national_id("123456789")
    assert other_key != found.national_id_hmac


def test_a_ciphertext_moved_to_another_row_does_not_decrypt_and_nothing_leaks(pg: Harness) -> None:
    alice, bob = pg.add_person(cases=1), pg.add_person(cases=1)
    with pg.runtime.database.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE residents SET national_id_enc = (SELECT national_id_enc FROM residents"
                " WHERE subject = :bob) WHERE subject = :alice"
            ),
            {"alice": alice.subject, "bob": bob.subject},
        )
    response = pg.client.get(f"/v1/cases/{alice.references[0]}", headers=pg.bearer(pg.resident_token(alice)))
    assert response.status_code == 503
    assert response.json() == {
        "error": "unavailable",
        "message": "The records service is temporarily unavailable.",
    }


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_migrations_build_exactly_the_models_and_go_down_and_up(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url" if backend == "postgres" else "sqlite_url")
    engine = create_db_engine(url)
    try:
        migrate(engine)
        migrate(engine)  # idempotent
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            assert compare_metadata(context, Base.metadata) == []
            head = connection.execute(text("SELECT seq, row_hash FROM audit_head")).one()
            assert tuple(head) == (0, "0" * 64)
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {VERSION_TABLE}
        migrate(engine)
        assert "audit_events" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_audit_rows_written_before_0002_keep_their_hashes(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url" if backend == "postgres" else "sqlite_url")
    engine = create_db_engine(url)
    try:
        migrate(engine, "0001_initial")
        prev = GENESIS_HASH
        with engine.begin() as connection:
            for seq in (1, 2):
                row = {
                    "seq": seq,
                    "occurred_at": "2025-01-09T14:30:00.000000Z",
                    "actor_subject": f"citizen-{seq}",
                    "actor_role": "resident",
                    "action": "read_case",
                    "case_reference": None,
                    "resident_id": None,
                    "fields": "[]",
                    "purpose": "status lookup",
                    "outcome": "not_found",
                    "client_address": "203.0.113.10",
                }
                row_hash = chain_hash(row, prev)  # the 0001 canonical form: no via_service, no count
                connection.execute(
                    text(
                        "INSERT INTO audit_events (seq, occurred_at, actor_subject, actor_role, action,"
                        " case_reference, resident_id, fields, purpose, outcome, client_address, prev_hash,"
                        " row_hash) VALUES (:seq, :at, :actor_subject, :actor_role, :action, NULL, NULL,"
                        " :fields, :purpose, :outcome, :client_address, :prev, :hash)"
                    ),
                    {**row, "at": datetime(2025, 1, 9, 14, 30, tzinfo=UTC), "prev": prev, "hash": row_hash},
                )
                prev = row_hash
            connection.execute(text("UPDATE audit_head SET seq = 2, row_hash = :h"), {"h": prev})
        migrate(engine)
        with Session(engine) as session:
            report = verify_chain(session)
            counts = session.scalars(select(AuditEvent.repeat_count)).all()
        assert (report.rows, report.first_bad, counts) == (2, None, [1, 1])
    finally:
        engine.dispose()
