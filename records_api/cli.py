"""Typer apps the `askcity` command mounts: `records_app` (`askcity records ...`) and `audit_app`
(`askcity audit verify|checkpoint|keygen`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from records_api.audit import ChainReport, verify_chain
from records_api.errors import AuditIntegrityError, ConfigurationError, RecordsError
from records_api.settings import Settings, get_settings
from trust.audit_chain import Checkpoint, timestamp_text
from trust.checkpoint_store import CheckpointFile

records_app = typer.Typer(help="The records service.", no_args_is_help=True)
audit_app = typer.Typer(help="The records service's tamper-evident audit trail.", no_args_is_help=True)

DEFAULT_SEED = 4242


def _settings() -> Settings:
    """The settings, or exit 2 naming each bad variable (never echoing a value: it may be a secret)."""
    try:
        return get_settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_input=False, include_url=False):
            where = f"ASKCITY_{str(error['loc'][0]).upper()}" if error["loc"] else "settings"
            lines.append(f"  {where}: {error['msg']}")
        sys.stderr.write("records: invalid settings:\n" + "\n".join(lines) + "\n")
        raise typer.Exit(code=2) from exc


def _fail(code: int, message: str) -> typer.Exit:
    sys.stderr.write(message + "\n")
    return typer.Exit(code=code)


@records_app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8001,
) -> None:
    """Run the records API (settings from ASKCITY_* environment variables)."""
    from records_api.runtime import check_startup
    from records_api.server import run

    try:
        check_startup(_settings())
    except ConfigurationError as exc:
        raise _fail(2, f"records: cannot start: {exc}") from exc
    run(host, port)


@records_app.command()
def seed(
    residents: Annotated[int, typer.Option(min=1, max=100_000, help="How many residents")] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the fake people and cases")] = DEFAULT_SEED,
) -> None:
    """Fill an empty records database with realistic but fake residents, cases and staff."""
    from records_api.seed import seed_from_settings

    settings = _settings()
    try:
        report = seed_from_settings(settings, residents, seed)
    except RecordsError as exc:
        sys.stderr.write(f"records: {exc}\n")
        raise typer.Exit(code=2) from exc
    if report.skipped:
        print("records: the database already has residents; nothing seeded")
        return
    print(
        f"records: seeded {report.residents} residents, {report.cases} cases, {report.dev_users} dev accounts"
    )


@records_app.command("demo-users")
def demo_users(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for programs")] = False,
) -> None:
    """Demo accounts of the dev identity provider, with passwords (refused unless it is on)."""
    from records_api.seed import demo_users_from_settings

    settings = _settings()
    if not settings.dev_identity:
        sys.stderr.write("records: demo users exist only with ASKCITY_DEV_IDENTITY=1\n")
        raise typer.Exit(code=2)
    users = demo_users_from_settings(settings)
    if as_json:
        rows = [
            {
                "username": u.username,
                "password": u.password,
                "role": u.role.value,
                "case_references": u.case_references,
                "case_types": u.case_types,
            }
            for u in users
        ]
        print(json.dumps(rows, indent=2))
        return
    table = Table("username", "password", "role", "cases (type)")
    for u in users:
        cases = "\n".join(
            f"{ref} ({kind})" for ref, kind in zip(u.case_references, u.case_types, strict=True)
        )
        table.add_row(u.username, u.password, u.role.value, cases)
    Console().print(table)


def _latest_checkpoint(settings: Settings) -> Checkpoint:
    """The newest signed checkpoint, every line of the file checked; exit 1 or 2 when there is none."""
    from records_api.audit_anchor import latest_checkpoint
    from records_api.runtime import audit_verify_key

    store = CheckpointFile(settings.audit_checkpoint_file)
    try:
        key = audit_verify_key(settings)
    except ConfigurationError as exc:
        raise _fail(2, f"audit: {exc}") from exc
    if key is None:
        raise _fail(2, "audit: no key to check checkpoints with: set ASKCITY_RECORDS_AUDIT_VERIFY_KEY_FILE")
    try:
        checkpoint = latest_checkpoint(store, key)
    except AuditIntegrityError as exc:
        raise _fail(1, f"audit chain BROKEN at the checkpoint file: {exc}") from exc
    if checkpoint is None:
        raise _fail(
            1,
            f"audit chain BROKEN at the checkpoint file: no checkpoint in {store.path}; without one, "
            "removed rows cannot be told from rows never written (--no-checkpoint checks the chain alone)",
        )
    return checkpoint


def _print_report(report: ChainReport) -> None:
    if report.first_bad is None:
        held = ""
        if report.checkpoint is not None:
            cp = report.checkpoint
            held = f" (signed checkpoint of {timestamp_text(cp.at)} at seq {cp.seq} holds)"
        print(f"audit chain intact: {report.rows} rows{held}; head {report.head_hash}")
        return
    bad = report.first_bad
    where = f"seq {bad.seq}" if bad.seq is not None else "the chain head"
    row_id = f" (row id {bad.row_id})" if bad.row_id is not None else ""
    raise _fail(1, f"audit chain BROKEN at {where}{row_id}: {bad.reason}")


@audit_app.command()
def verify(
    expect_head: Annotated[
        str | None, typer.Option(help="A head hash recorded earlier; it must still be in the chain")
    ] = None,
    no_checkpoint: Annotated[
        bool, typer.Option("--no-checkpoint", help="Check the chain alone, not against the latest checkpoint")
    ] = False,
) -> None:
    """Check every line of the checkpoint file (signature; seq and time never going back), then the audit
    hash chain against the newest checkpoint; exit 1 naming the first bad row, or the checkpoint line
    that fails or no longer holds, if anything was tampered with."""
    from records_api.runtime import open_database

    settings = _settings()
    checkpoint = None if no_checkpoint else _latest_checkpoint(settings)
    database = open_database(settings, migrate_schema=False)
    try:
        with database.sessions() as session:
            report = verify_chain(session, expected_head=expect_head, checkpoint=checkpoint)
    except SQLAlchemyError as exc:
        raise _fail(2, f"audit: cannot read the audit table ({type(exc).__name__})") from exc
    finally:
        database.close()
    _print_report(report)


@audit_app.command()
def checkpoint() -> None:
    """Sign the current head of the audit chain and append it to the checkpoint file (after checking
    every line of the file, and that every row since the latest checkpoint extends it)."""
    from records_api.audit_anchor import last_checkpoint, latest_checkpoint
    from records_api.runtime import audit_signing_key, build_anchor, open_database

    settings = _settings()
    try:
        key = audit_signing_key(settings)
    except ConfigurationError as exc:
        raise _fail(2, f"audit: {exc}") from exc
    database = open_database(settings, migrate_schema=False)
    anchor = build_anchor(settings, database.sessions, key)
    try:
        latest_checkpoint(anchor.store, anchor.public_key)  # the whole file, as `verify` reads it
        written = anchor.checkpoint(force=True)
        latest = written or last_checkpoint(anchor.store, anchor.public_key)
    except AuditIntegrityError as exc:
        raise _fail(1, f"audit chain BROKEN: {exc}; nothing signed") from exc
    except SQLAlchemyError as exc:
        raise _fail(2, f"audit: cannot read the audit table ({type(exc).__name__})") from exc
    except OSError as exc:
        raise _fail(2, f"audit: cannot write {anchor.store.path} ({type(exc).__name__})") from exc
    finally:
        database.close()
    state = "written" if written is not None else "unchanged"
    seq = latest.seq if latest is not None else 0
    print(f"audit checkpoint {state}: seq {seq}; file {anchor.store.path}")


@audit_app.command()
def keygen(
    path: Annotated[Path, typer.Argument(help="Where to write the Ed25519 private key (PEM, mode 0600)")],
    public: Annotated[
        Path | None, typer.Option(help="Also write the public key (PEM) here, for verifying elsewhere")
    ] = None,
) -> None:
    """Make a checkpoint signing key for ASKCITY_RECORDS_AUDIT_SIGNING_KEY_FILE (never in the database)."""
    from trust.checkpoint_store import load_or_create_signing_key, public_key_pem

    if path.exists():
        raise _fail(2, f"audit: {path} exists; not overwriting a key")
    try:
        key = load_or_create_signing_key(path)
        if public is not None:
            public.write_text(public_key_pem(key.public_key()))
    except OSError as exc:
        raise _fail(2, f"audit: cannot write the key ({type(exc).__name__})") from exc
    print(f"audit signing key written to {path}" + (f"; public key to {public}" if public else ""))
