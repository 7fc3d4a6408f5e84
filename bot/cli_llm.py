"""`askcity llm`: the optional language model of generative answers (docs/generation.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True)
llm_app = typer.Typer(
    help="The optional language model that phrases answers (ASKCITY_LLM_BACKEND; docs/generation.md).",
    no_args_is_help=True,
)


@llm_app.command("prepare")
def prepare_command(
    target: Annotated[
        Path | None,
        typer.Argument(
            help="Directory to write the model to (default: ASKCITY_DATA_DIR/models/smollm2-135m-instruct)."
        ),
    ] = None,
) -> None:
    """Make the demo's local model directory from the bundled SmolLM2-135M-Instruct GGUF file, once.

    Then: ASKCITY_LLM_BACKEND=transformers ASKCITY_LLM_MODEL_DIR=<the printed path> askcity run"""
    from bot.generation import demo_model
    from bot.generation.errors import GenerationSetupError
    from bot.settings import get_settings

    directory = target or get_settings().data_dir / "models" / demo_model.NAME
    try:
        made = demo_model.prepare(directory)
    except GenerationSetupError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    typer.echo(str(made.resolve()))
