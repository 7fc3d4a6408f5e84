"""`make bench`: every benchmark, each printing its own JSON figures.

    retrieval   askcity eval retrieval on doc2dial (../shared/benchmarks, when present) and the sample set
    answers     askcity eval answers on the same sets
    ingest      a fresh ingest beside the LangChain tutorial build of the same documents, re-publishing
                one changed document, raw sentence-transformers encode of the same texts
    pii         per-entity precision/recall of the PII detector
    bot         in-process latency, the 32-session load tests (Redis) and, with ../shared, the long
                doc2dial conversations across the turn processes
    records     authorization, enumeration and masking figures of the records service
    widget      widget size, click-to-first-text latency, axe, XSS payload count
    call_centre suggestion latency, agent-to-resident delivery across two processes, 50 tickets
    uploads     console upload to job done and to served (thread runner, sample knowledge base)
    ann         the dense index at one million synthetic vectors (recall@10, latency, memory, build)
    publish     one document added to a 10,000-chunk knowledge base: upload to served by every process of
                `askcity serve --workers 2` under a 20-session resident load (Redis)
    start       a new `askcity ingest FILE` process and a new bot process: seconds, peak memory, imports

`python -m benchmarks.run [NAME ...]` runs a subset.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks" / "doc2dial"
SAMPLE = ROOT / "ingest" / "sample_kb"


def _askcity(*args: str) -> list[str]:
    return [sys.executable, "-m", "askcity_cli.main", *args]


def _sets() -> list[tuple[str, Path, Path]]:
    sets = [("sample", SAMPLE / "documents", SAMPLE / "questions.jsonl")]
    if SHARED.is_dir():
        sets.insert(0, ("doc2dial-ssa", SHARED / "documents.jsonl", SHARED / "questions_ssa.jsonl"))
    return sets


def commands() -> dict[str, list[list[str]]]:
    return {
        "retrieval": [
            _askcity("eval", "retrieval", "--documents", str(d), "--questions", str(q), "--json")
            for _, d, q in _sets()
        ],
        "answers": [
            _askcity("eval", "answers", "--documents", str(d), "--questions", str(q), "--json")
            for _, d, q in _sets()
        ],
        "ingest": [[sys.executable, "-m", "benchmarks.ingest_speed"]],
        "pii": [_askcity("eval", "pii", "--json")],
        "bot": [[sys.executable, "-m", "benchmarks.bot_load"]],
        "records": [[sys.executable, "-m", "benchmarks.records_security"]],
        "widget": [[sys.executable, "-m", "benchmarks.widget_latency"]],
        "call_centre": [[sys.executable, "-m", "benchmarks.call_centre"]],
        "uploads": [[sys.executable, "-m", "benchmarks.upload_jobs"]],
        "ann": [[sys.executable, "-m", "benchmarks.ann_index"]],
        "publish": [[sys.executable, "-m", "benchmarks.publish_switch"]],
        "start": [[sys.executable, "-m", "benchmarks.process_start"]],
    }


def main() -> int:
    available = commands()
    chosen = sys.argv[1:] or list(available)
    unknown = [name for name in chosen if name not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(available)}")
        return 2
    if not SHARED.is_dir():
        print(f"note: {SHARED} not found; doc2dial figures are skipped")
    failed = 0
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for name in chosen:
        for command in available[name]:
            print(f"\n== {name}: {' '.join(command[1:])}", flush=True)
            failed += subprocess.call(command, cwd=ROOT, env=env) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
