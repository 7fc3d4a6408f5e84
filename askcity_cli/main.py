"""The `askcity` command: composes the Typer apps of the packages. Heavy imports happen inside commands."""

from __future__ import annotations

import typer

from askcity_cli.audit import audit_app
from bot.cli import ask_command, chat_app, curated_app, run_command, serve_command
from bot.cli_drafts import (
    approve_command,
    draft_command,
    publish_command,
    publish_due_command,
    record_cli_action,
    rollback_to_command,
    send_back_command,
    stale_command,
    submit_command,
)
from bot.cli_editors import feedback_command, gaps_command, unanswered_command
from bot.cli_llm import llm_app
from bot.cli_worker import WORKER_HELP, worker_command
from evaluation.cli import eval_app
from ingest.cli import ActionLog, ingest_command, kb_app, search_command
from records_api.cli import records_app

app = typer.Typer(
    name="askcity",
    help="askcity: a grounded, private citizen-service assistant for city governments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _log_changes(ctx: typer.Context) -> None:
    # the commands of `ingest` that change the knowledge base record it in the editors' audit log
    ctx.obj = ActionLog(record_cli_action)


app.command("ingest")(ingest_command)
app.command("search")(search_command)
kb_app.command("draft")(draft_command)  # drafts, review and publishing (bot/cli_drafts.py)
kb_app.command("submit")(submit_command)
kb_app.command("approve")(approve_command)
kb_app.command("send-back")(send_back_command)
kb_app.command("publish")(publish_command)
kb_app.command("publish-due")(publish_due_command)
kb_app.command("rollback-to")(rollback_to_command)
kb_app.command("stale")(stale_command)
app.add_typer(kb_app, name="kb")
app.add_typer(eval_app, name="eval")
app.add_typer(records_app, name="records")
app.add_typer(audit_app, name="audit")
app.command("run")(run_command)
app.command("serve")(serve_command)
app.command("ask")(ask_command)
app.add_typer(curated_app, name="curated")
app.add_typer(chat_app, name="chat")
app.add_typer(llm_app, name="llm")
app.command("unanswered")(unanswered_command)
app.command("gaps")(gaps_command)
app.command("feedback")(feedback_command)
app.command("worker", help=WORKER_HELP)(worker_command)

if __name__ == "__main__":
    app()
