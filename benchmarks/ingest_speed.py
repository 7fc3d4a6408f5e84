"""Ingest speed: a fresh askcity ingest beside the LangChain tutorial build of the same documents.

In one run, on the same documents (doc2dial when ../shared is there, else the sample knowledge base):

  langchain  RecursiveCharacterTextSplitter(1000, 200), all-MiniLM-L6-v2 through sentence-transformers'
             `encode`, a FAISS flat index and its docstore written to disk: the tutorial pipeline, built
             with faiss directly (langchain-community's wrapper is not installed; it does the same)
  fresh      `askcity ingest` into an empty knowledge base, in-process: parse, check, chunk, embed, save,
             publish, with the seconds of each stage
  republish  the same documents again with one of them changed: only its new texts are embedded, then a
             new version is published; in-process and as an `askcity ingest` command (a new process,
             which also imports the libraries and loads the model)
  raw        `SentenceTransformer.encode` (PyTorch, its own length sorting) on exactly the texts askcity
             embedded: texts/s and tokens/s, askcity's overhead against it, and the least cosine between
             askcity's stored vectors and these

Both builds load their model inside their timing. The ONNX export askcity makes once per install (kept in
the data directory's model cache) is made before and reported apart. `--repeat N` runs the two builds N
times, alternating which goes first, and reports each pair's ratio: this machine is shared, so absolute
seconds move between runs and only side-by-side ratios compare. Prints one JSON object.

`python -m benchmarks.ingest_speed [--documents PATH] [--repeat N]`
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.isolation import ParseLimits, ParseOutcome, shared_pool
from ingest.loading import FileToParse, Loaded, discover, prepare
from ingest.loading import documents as loaded
from ingest.pipeline import Ingestor, Step
from knowledge_base.embedder import resolve_model
from knowledge_base.factory import make_embedder
from knowledge_base.kb import KnowledgeBase, texts_by_hash
from knowledge_base.settings import DEFAULT_MODEL, KnowledgeBaseSettings

ROOT = Path(__file__).resolve().parents[1]
DOC2DIAL = ROOT.parent / "shared" / "benchmarks" / "doc2dial" / "documents.jsonl"
SAMPLE = ROOT / "ingest" / "sample_kb" / "documents"
CHANGE = "\n\nThis paragraph was added to measure re-publishing one changed document."


@dataclass
class Timed:
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this process, all its threads: less moved by other jobs than wall time
    stages: dict[str, float] = field(default_factory=dict)


def _stage_clock(started: float, timed: Timed) -> Callable[[Step], None]:
    """A progress callback that records when each stage begins (its seconds are filled in at the end)."""
    marks: dict[str, float] = {}

    def report(step: Step) -> None:
        marks.setdefault(step.stage, time.perf_counter() - started)

    timed.stages = marks
    return report


def _close_stages(timed: Timed) -> None:
    begins = sorted(timed.stages.items(), key=lambda kv: kv[1])
    ends = [b for _, b in begins[1:]] + [timed.seconds]
    timed.stages = {"model_load": round(begins[0][1], 2) if begins else 0.0} | {
        name: round(end - begin, 2) for (name, begin), end in zip(begins, ends, strict=True)
    }


def _read_documents(path: Path) -> list[dict[str, str]]:
    """id and text of each document. A folder's files are parsed by askcity's parsers first (untimed:
    the tutorial would use LangChain's document loaders, which are not installed here)."""
    if path.is_file():
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    limits = ParseLimits()
    files = [prepare(file, root, limits.max_file_bytes) for file, root in discover([path])]
    to_parse = [f for f in files if isinstance(f, FileToParse)]
    outcomes: list[ParseOutcome] = []
    shared_pool(limits.memory_mb, limits.processes).parse(
        [f.job for f in to_parse], limits, lambda _, outcome: outcomes.append(outcome)
    )
    return [
        {"id": found.document.id, "text": found.document.text}
        for item, outcome in zip(to_parse, outcomes, strict=True)
        for found in loaded(item, outcome)
        if isinstance(found, Loaded)
    ]


def _copy(source: Path, target: Path) -> Path:
    """The documents where re-publishing will change one of them (a document's source is its path)."""
    if source.is_file():
        target.mkdir(parents=True)
        return Path(shutil.copy(source, target / source.name))
    return Path(shutil.copytree(source, target / source.name))


def _change_one(documents: Path, marker: str) -> None:
    """Add a paragraph to one document (the middle one) in place."""
    if documents.is_file():
        lines = [
            json.loads(line) for line in documents.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        lines[len(lines) // 2]["text"] += CHANGE + marker
        documents.write_text("".join(json.dumps(d) + "\n" for d in lines), encoding="utf-8")
        return
    editable = sorted(documents.rglob("*.md")) or sorted(documents.rglob("*.txt"))
    middle = editable[len(editable) // 2]
    middle.write_text(middle.read_text(encoding="utf-8") + CHANGE + marker, encoding="utf-8")


def langchain_build(documents: list[dict[str, str]], out: Path) -> tuple[Timed, dict[str, int]]:
    """The tutorial index: split, embed with sentence-transformers, FAISS flat L2 index + docstore on disk."""
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from sentence_transformers import SentenceTransformer

    started, cpu = time.perf_counter(), time.process_time()
    model = SentenceTransformer(resolve_model(DEFAULT_MODEL), device="cpu")
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = splitter.create_documents(
        [d["text"] for d in documents], metadatas=[{"id": d["id"]} for d in documents]
    )
    texts = [c.page_content for c in chunks]
    vectors = np.asarray(model.encode(texts, convert_to_numpy=True, show_progress_bar=False), np.float32)
    index = faiss.IndexFlatL2(vectors.shape[1])
    index.add(vectors)
    out.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(out / "index.faiss"))
    docstore = [{"page_content": c.page_content, "metadata": c.metadata} for c in chunks]
    (out / "docstore.json").write_text(json.dumps(docstore), encoding="utf-8")
    timed = Timed(time.perf_counter() - started, time.process_time() - cpu)
    return timed, {"chunks": len(texts), "tokens": _tokens(model, texts)}


def _tokens(model: Any, texts: list[str]) -> int:
    """Tokens the model reads for these texts (special tokens included, cut at its maximum length)."""
    encoded = model.tokenizer(texts, truncation=True, max_length=model.max_seq_length)["input_ids"]
    return sum(len(ids) for ids in encoded)


def _open(root: Path, models: Path) -> KnowledgeBase:
    """A knowledge base laid out as `askcity` lays one in a data directory, sharing the model cache."""
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "models").exists():
        (root / "models").symlink_to(models, target_is_directory=True)
    settings = KnowledgeBaseSettings(data_dir=root)
    kb = KnowledgeBase(settings.kb_dir, settings.database_url(), make_embedder(settings))
    kb.migrate()
    return kb


def askcity_ingest(root: Path, models: Path, documents: Path) -> tuple[Timed, KnowledgeBase]:
    timed = Timed()
    started, cpu = time.perf_counter(), time.process_time()
    kb = _open(root, models)
    Ingestor(kb).ingest([documents], progress=_stage_clock(started, timed))
    timed.seconds = time.perf_counter() - started
    timed.cpu_seconds = time.process_time() - cpu
    _close_stages(timed)
    return timed, kb


def republish(kb: KnowledgeBase, root: Path, documents: Path) -> dict[str, Any]:
    """One document changed and re-ingested in-process with the open knowledge base; then changed again
    and re-ingested by the `askcity ingest` command in a new process (imports and model load included)."""
    _change_one(documents, "")
    timed = Timed()
    started = time.perf_counter()
    summary = Ingestor(kb).ingest([documents], progress=_stage_clock(started, timed))
    timed.seconds = time.perf_counter() - started
    _close_stages(timed)
    _change_one(documents, " Again.")
    env = {**os.environ, "ASKCITY_DATA_DIR": str(root), "HF_HUB_OFFLINE": "1"}
    env.pop("ASKCITY_KB_DATABASE_URL", None)
    started = time.perf_counter()
    command = subprocess.run(
        [sys.executable, "-m", "askcity_cli.main", "ingest", str(documents)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )
    return {
        "in_process": {
            "seconds": round(timed.seconds, 2),
            "updated": len(summary.updated),
            "embedded": summary.embedded,
            "stages": timed.stages,
        },
        "command": {"seconds": round(time.perf_counter() - started, 2), "exit": command.returncode},
    }


def encode_side_by_side(texts: list[str], embedder: Any, rounds: int = 8) -> dict[str, Any]:
    """Raw `SentenceTransformer.encode` (PyTorch) and askcity's embedder alone on the same texts,
    interleaved: the texts are cut into `rounds` slices and each slice is encoded by both, in turn, so
    that the other jobs on this machine weigh on both alike. Seconds, texts/s, tokens/s, least cosine."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model(DEFAULT_MODEL), device="cpu")
    tokens = _tokens(model, texts)
    seconds = {"raw": 0.0, "askcity": 0.0}
    least = 1.0
    for n in range(rounds):
        part = texts[n::rounds]
        vectors: dict[str, np.ndarray] = {}
        for name in ("raw", "askcity") if n % 2 == 0 else ("askcity", "raw"):
            started = time.perf_counter()
            if name == "raw":
                found = model.encode(
                    part, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
                )
            else:
                found = embedder.embed(part)
            seconds[name] += time.perf_counter() - started
            vectors[name] = np.asarray(found, dtype=np.float32)
        least = min(least, float(np.min(np.sum(vectors["raw"] * vectors["askcity"], axis=1))))
    return {
        "texts": len(texts),
        "tokens": tokens,
        "raw_encode": _rates(seconds["raw"], len(texts), tokens),
        "askcity_embedder": _rates(seconds["askcity"], len(texts), tokens),
        "least_cosine": round(least, 6),
    }


def _rates(seconds: float, texts: int, tokens: int) -> dict[str, float]:
    return {
        "seconds": round(seconds, 2),
        "texts_per_s": round(texts / seconds, 1),
        "tokens_per_s": round(tokens / seconds),
    }


def measure(source: Path, repeat: int) -> dict[str, Any]:
    documents = _read_documents(source)
    with tempfile.TemporaryDirectory(prefix="askcity-ingest-speed-") as tmp:
        work = Path(tmp)
        models = work / "models"
        models.mkdir()
        started = time.perf_counter()
        make_embedder(KnowledgeBaseSettings(data_dir=work)).warm_up()  # the one-time ONNX export
        export_seconds = time.perf_counter() - started

        runs: list[dict[str, Any]] = []
        lc_counts: dict[str, int] = {}
        kb: KnowledgeBase | None = None
        for n in range(repeat):
            results: dict[str, Timed] = {}
            for name in ("langchain", "askcity") if n % 2 == 0 else ("askcity", "langchain"):
                if name == "langchain":
                    results[name], lc_counts = langchain_build(documents, work / f"langchain-{n}")
                else:
                    if kb is not None:
                        kb.close()
                    root = work / f"askcity-{n}"
                    copied = _copy(source, root / "documents")
                    results[name], kb = askcity_ingest(root, models, copied)
            runs.append(
                {
                    "langchain_seconds": round(results["langchain"].seconds, 2),
                    "askcity_seconds": round(results["askcity"].seconds, 2),
                    "ratio": round(results["askcity"].seconds / results["langchain"].seconds, 2),
                    "cpu_seconds": {k: round(v.cpu_seconds, 1) for k, v in results.items()},
                    "cpu_ratio": round(results["askcity"].cpu_seconds / results["langchain"].cpu_seconds, 2),
                    "askcity_stages": results["askcity"].stages,
                }
            )
        assert kb is not None
        indexed = kb.store.active(include_held=True)  # every text embedded, held documents' too
        texts = list(texts_by_hash(indexed).values())
        republished = republish(kb, root, copied)
        side_by_side = encode_side_by_side(texts, kb.embedder)
        kb.close()

    last = runs[-1]
    ratios = [r["ratio"] for r in runs]
    cpu = [r["cpu_ratio"] for r in runs]
    ingest_seconds = float(last["askcity_seconds"])
    raw_seconds = side_by_side["raw_encode"]["seconds"]
    return {
        "documents": len(documents),
        "source": str(source),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "onnx_export_seconds_once": round(export_seconds, 1),
        "runs": runs,
        "ratio_askcity_to_langchain": {"min": min(ratios), "max": max(ratios)},
        "cpu_ratio_askcity_to_langchain": {"min": min(cpu), "max": max(cpu)},
        "langchain": lc_counts,
        "askcity": {
            "chunks": sum(len(chunks) for _, chunks in indexed),
            "sentences": sum(len(c.sentences) for _, chunks in indexed for c in chunks),
            "texts_embedded": len(texts),
            "last_ingest": _rates(ingest_seconds, len(texts), side_by_side["tokens"]),
        },
        "encode_same_texts": side_by_side,
        # > 0: slower than raw `SentenceTransformer.encode` of the same texts; < 0: faster
        "overhead_vs_raw_encode": {
            "askcity_embedder": round(side_by_side["askcity_embedder"]["seconds"] / raw_seconds - 1, 3),
            "whole_ingest": round(ingest_seconds / raw_seconds - 1, 3),
        },
        "republish_one_changed_document": republished,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--documents",
        type=Path,
        default=None,
        help=f"a JSONL file (id, text per line) or a folder; default {DOC2DIAL} when present, else {SAMPLE}",
    )
    parser.add_argument("--repeat", type=int, default=2, help="side-by-side pairs of builds")
    args = parser.parse_args()
    source: Path | None = args.documents
    if source is None:
        source = DOC2DIAL if DOC2DIAL.is_file() else SAMPLE
        if source == SAMPLE:
            print(  # on stderr: stdout stays one JSON object
                f"{DOC2DIAL} not found (it is not part of a clone): measuring the sample knowledge base "
                f"({SAMPLE}) instead; its figures are not comparable with doc2dial's.",
                file=sys.stderr,
            )
    elif not source.exists():
        parser.error(f"--documents {source}: no such file or folder")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    print(json.dumps(measure(source, max(1, args.repeat)), indent=2))


if __name__ == "__main__":
    main()
