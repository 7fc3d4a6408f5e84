"""Process start: what a new `askcity ingest FILE` process and a new bot process cost before they work.

On the sample knowledge base, ingested once into a temporary data directory, and one bot process started
once (reported apart): afterwards the model cache holds the ONNX export, its int8 copy, the record that the
export matched PyTorch and the classifiers' example vectors, as after any first start. Then:

  ingest   `askcity ingest FILE` in a new process, one document of the set changed each time: wall
           seconds and the process's peak memory
  bot      a new process building the bot's runtime over that knowledge base (`build_runtime`: PII
           detector, classifiers, retriever, curated answers; no HTTP): seconds to build, the process's
           peak memory, and which of PyTorch, transformers and sentence-transformers it imported

Each is run `--repeat` times (default 3); the machine is shared, so read the spread, not one figure.
Prints one JSON object.

`python -m benchmarks.process_start [--repeat N]`
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "ingest" / "sample_kb" / "documents"

_BUILD = """
import json, sys, time
started = time.perf_counter()
from bot.runtime import build_runtime
from bot.settings import BotSettings
runtime = build_runtime(BotSettings())
seconds = time.perf_counter() - started
heavy = ("torch", "transformers", "sentence_transformers")
print(json.dumps({"seconds": round(seconds, 2), "imported": [m for m in heavy if m in sys.modules]}))
runtime.close()
"""


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak memory in MB of the process itself, its standard output)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} … exited with {process.returncode}")
    return round(seconds, 2), round(usage.ru_maxrss / 1024, 1), text  # ru_maxrss: KB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="askcity-start-") as tmp:
        root = Path(tmp)
        documents = root / "documents"
        shutil.copytree(SAMPLE, documents)
        env = {**os.environ, "ASKCITY_DATA_DIR": str(root / "data"), "HF_HUB_OFFLINE": "1"}
        for name in ("ASKCITY_KB_DATABASE_URL", "ASKCITY_MODEL_CACHE_DIR", "ASKCITY_REDIS_URL"):
            env.pop(name, None)
        ingest = [sys.executable, "-m", "askcity_cli.main", "ingest"]
        first = _run([*ingest, str(documents)], env)  # the knowledge base, and the model's first start
        first_bot = _run([sys.executable, "-c", _BUILD], env)  # embeds and keeps the classifiers' examples
        changed = sorted(documents.glob("*.md"))[0]
        runs: dict[str, list[dict[str, Any]]] = {"ingest": [], "bot": []}
        for i in range(args.repeat):
            changed.write_text(changed.read_text(encoding="utf-8") + f"\n\nChanged {i}.\n", encoding="utf-8")
            seconds, peak, _ = _run([*ingest, str(changed)], env)
            runs["ingest"].append({"seconds": seconds, "peak_mb": peak})
            seconds, peak, out = _run([sys.executable, "-c", _BUILD], env)
            built = json.loads(out.strip().splitlines()[-1])
            runs["bot"].append({"process_seconds": seconds, "peak_mb": peak, **built})
    firsts = {"first_ingest_seconds": first[0], "first_bot_process_seconds": first_bot[0]}
    print(json.dumps({**firsts, **runs}, indent=2))


if __name__ == "__main__":
    main()
