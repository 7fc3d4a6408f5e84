"""`askcity audit ...`: the records service's audit trail (records_api/cli.py) and the editors' audit log
(bot/cli_drafts.py), one group. The services never import each other; this composition root imports both."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from bot.cli_drafts import verify_editors_chain
from records_api.cli import checkpoint as records_checkpoint
from records_api.cli import keygen as records_keygen
from records_api.cli import verify as records_verify


class Chain(StrEnum):
    RECORDS = "records"
    EDITORS = "editors"
    ALL = "all"


audit_app = typer.Typer(
    help="Tamper-evident audit trails: the records service's and the knowledge-base editors'.",
    no_args_is_help=True,
)
audit_app.command("checkpoint")(records_checkpoint)
audit_app.command("keygen")(records_keygen)


@audit_app.command("verify")
def verify(
    chain: Annotated[
        Chain, typer.Option(help="records: the records service's; editors: the editors' log; all: both")
    ] = Chain.RECORDS,
    expect_head: Annotated[
        str | None, typer.Option(help="(records) A head hash recorded earlier; it must still be in the chain")
    ] = None,
    no_checkpoint: Annotated[
        bool,
        typer.Option("--no-checkpoint", help="(records) The chain alone, not against a checkpoint"),
    ] = False,
) -> None:
    """Check an audit hash chain; exit 1 naming the first bad row if anything was tampered with."""
    if chain in (Chain.EDITORS, Chain.ALL):
        verify_editors_chain()
    if chain in (Chain.RECORDS, Chain.ALL):
        records_verify(expect_head=expect_head, no_checkpoint=no_checkpoint)
