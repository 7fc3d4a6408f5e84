"""A child process for the kill tests: `python -m tests.ingest.kill_child DB_URL KB_ROOT FOLDER STAGE`.

It ingests FOLDER with the real Ingestor and, when it reaches STAGE, prints `stopped STAGE` and waits on
stdin forever, so the test can SIGKILL it at a known point of the batch:

    parse   after the third file is parsed
    embed   after the first batch of texts is embedded and cached
    save    inside the save transaction, just before it commits
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ingest.pipeline import Ingestor, Step
from knowledge_base.embedder import SentenceTransformerEmbedder
from knowledge_base.kb import KnowledgeBase


def main() -> None:
    url, root, folder, stage = sys.argv[1:5]
    kb = KnowledgeBase(Path(root), url, SentenceTransformerEmbedder())
    saving = False

    def stop() -> None:
        print(f"stopped {stage}", flush=True)
        sys.stdin.read()  # until killed
        os._exit(1)

    def progress(step: Step) -> None:
        nonlocal saving
        print(f"step {step.stage} {step.done}/{step.total}", flush=True)
        if (stage == "parse" and step.stage == "parse" and step.done == 3) or (
            stage == "embed" and step.stage == "embed" and step.done > 0
        ):
            stop()
        saving = step.stage == "save"

    def before_commit(connection: Any) -> None:
        if stage == "save" and saving:
            stop()

    sa.event.listen(kb.store.engine, "commit", before_commit)
    Ingestor(kb, limits=None).ingest([Path(folder)], progress=progress)
    print("finished", flush=True)


if __name__ == "__main__":
    main()
