"""Typer apps the `askcity` command mounts: `records_app` (`askcity records ...`) and `audit_app`
(`askcity audit ...`)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from records_api.audit import verify_chain
from records_api.errors import RecordsError
from records_api.settings import Settings, get_settings

records_app = typer.Typer(help="The records service.", no_args_is_help=True)
audit_app = typer.Typer(help="The records service's tamper-evident audit trail.", no_args_is_help=True)

DEFAULT_SEED = 4242


@audit_app.callback()
def _audit_group() -> None:
    """Keep `verify` a subcommand even while it is the only one."""


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        sys.stderr.write(f"records: invalid settings:\n{exc}\n")
        raise typer.Exit(code=2) from exc


@records_app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8001,
) -> None:
    """Run the records API (settings from ASKCITY_* environment variables)."""
    from records_api.server import run

    _settings()
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
            }
            for u in users
        ]
        print(json.dumps(rows, indent=2))
        return
    table = Table("username", "password", "role", "cases")
    for u in users:
        table.add_row(u.username, u.password, u.role.value, " ".join(u.case_references))
    Console().print(table)


@audit_app.command()
def verify(
    expect_head: Annotated[
        str | None, typer.Option(help="A head hash recorded earlier; it must still be in the chain")
    ] = None,
) -> None:
    """Check the audit hash chain; exit 1 naming the first bad row if anything was tampered with."""
    from records_api.runtime import open_database

    database = open_database(_settings(), migrate_schema=False)
    try:
        with database.sessions() as session:
            report = verify_chain(session, expected_head=expect_head)
    except SQLAlchemyError as exc:
        sys.stderr.write(f"audit: cannot read the audit table ({type(exc).__name__})\n")
        raise typer.Exit(code=2) from exc
    finally:
        database.close()
    if report.first_bad is None:
        print(f"audit chain intact: {report.rows} rows; head {report.head_hash}")
        return
    bad = report.first_bad
    where = f"seq {bad.seq}" if bad.seq is not None else "the chain head"
    row_id = f" (row id {bad.row_id})" if bad.row_id is not None else ""
    sys.stderr.write(f"audit chain BROKEN at {where}{row_id}: {bad.reason}\n")
    raise typer.Exit(code=1)
