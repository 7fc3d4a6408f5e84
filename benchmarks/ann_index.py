"""The dense index at one million chunks (issue 14, "Big knowledge bases").

One million synthetic 384-d vectors, normalised points around 5,000 random centres (sentence
embeddings cluster by topic; uniform random vectors would be a harder and unrealistic case), indexed
by `knowledge_base.dense.build_dense_index` exactly as a version of that size would be (IVF-PQ), and
searched as the retriever searches: the index proposes `--pool` candidates, which are re-scored
exactly against the memory-mapped float32 vectors.

- build: seconds to train and fill the index (and to write `vectors.npy`);
- tuning (`--tune`): recall@10 and latency for several `nprobe` on 300 tuning queries, from which the
  default `nprobe` of DenseIndexConfig was chosen (the smallest with recall@10 ≥ 0.95 there);
- report: 500 other queries in a fresh process that only loads the index and maps the vectors, with
  the default configuration: recall@10 against exact search, p50/p95 ms per query, resident memory.

`python -m benchmarks.ann_index [--count N] [--tune]`; prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import psutil

from evaluation.retrieval import percentile
from knowledge_base.dense import DenseIndexConfig, build_dense_index, map_vectors

DIMENSION = 384
CENTRES = 5_000
# Noise per dimension around a centre: two points of one centre have a cosine of about 0.55, two of
# different centres about 0, as MiniLM rates two sentences on one topic and two on unrelated ones.
NOISE = 0.046


def synthetic(count: int, seed: int, centres_seed: int = 0, noise: float = NOISE) -> np.ndarray:
    """`count` normalised points around the same CENTRES random centres (float32, in slices)."""
    centres = np.random.default_rng(centres_seed).standard_normal((CENTRES, DIMENSION)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    out = np.empty((count, DIMENSION), dtype=np.float32)
    for start in range(0, count, 100_000):
        n = min(100_000, count - start)
        points = centres[rng.integers(0, CENTRES, n)] + noise * rng.standard_normal((n, DIMENSION)).astype(
            np.float32
        )
        out[start : start + n] = points / np.linalg.norm(points, axis=1, keepdims=True)
    return out


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    scores = queries @ vectors.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(top, order, axis=1)


def search(
    index: faiss.Index, vectors: np.ndarray, queries: np.ndarray, pool: int
) -> tuple[list[float], np.ndarray]:
    """The retriever's way, one query at a time: candidates from the index, re-scored exactly."""
    latencies, found = [], np.zeros((len(queries), 10), dtype=np.int64)
    for i, query in enumerate(queries):
        started = time.perf_counter()
        _, ids = index.search(query.reshape(1, -1), pool)
        ids = np.sort(ids[0][ids[0] >= 0])
        scores = vectors[ids] @ query
        found[i] = ids[np.argsort(-scores)[:10]]
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, found


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(
        np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found.tolist(), truth.tolist(), strict=True)])
    )


def report_process(folder: Path, pool: int) -> dict[str, Any]:
    """In a fresh process: load, map, search the report queries; resident memory after."""
    process = psutil.Process()
    index = faiss.read_index(str(folder / "dense.faiss"))
    vectors = map_vectors(folder / "vectors.npy")  # as a loaded version maps them
    queries = np.load(folder / "report_queries.npy")
    truth = np.load(folder / "report_truth.npy")
    search(index, vectors, queries[:20], pool)  # warm-up
    latencies, found = search(index, vectors, queries, pool)
    memory = process.memory_info()
    return {
        "queries": len(queries),
        "nprobe": int(index.nprobe),
        "pool": pool,
        "recall_at_10": round(recall(found, truth), 4),
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        # resident: includes the pages of vectors.npy read so far (file pages the kernel may drop);
        # anonymous: the process's own memory (the index, Python, FAISS)
        "resident_memory_mb": round(memory.rss / 2**20),
        "anonymous_memory_mb": round((memory.rss - memory.shared) / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--pool", type=int, default=200, help="candidates re-scored (the retriever's)")
    parser.add_argument("--tune", action="store_true", help="also sweep nprobe on the tuning queries")
    parser.add_argument("--noise", type=float, default=NOISE, help="per-dimension noise around centres")
    parser.add_argument("--report-from", type=Path, help=argparse.SUPPRESS)  # the fresh process
    args = parser.parse_args()
    if args.report_from:
        print(json.dumps(report_process(args.report_from, args.pool)))
        return
    figures: dict[str, Any] = {"count": args.count, "dimension": DIMENSION, "noise": args.noise}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vectors = synthetic(args.count, seed=1, noise=args.noise)
        config = DenseIndexConfig()
        started = time.perf_counter()
        index = build_dense_index(vectors, config)
        figures["build_seconds"] = round(time.perf_counter() - started, 1)
        figures["index"] = type(index).__name__
        figures["cells"] = int(getattr(index, "nlist", 0))
        faiss.write_index(index, str(folder / "dense.faiss"))
        np.save(folder / "vectors.npy", vectors, allow_pickle=False)
        figures["index_mb"] = round((folder / "dense.faiss").stat().st_size / 2**20, 1)
        if args.tune:
            tuning = synthetic(300, seed=2, noise=args.noise)
            truth = exact_top(vectors, tuning)
            sweep = []
            for nprobe in (8, 16, 24, 32, 48, 64, 96):
                index.nprobe = nprobe
                latencies, found = search(index, vectors, tuning, args.pool)
                sweep.append(
                    {
                        "nprobe": nprobe,
                        "recall_at_10": round(recall(found, truth), 4),
                        "p50_ms": percentile(latencies, 0.5),
                    }
                )
            figures["tuning"] = sweep
        report = synthetic(500, seed=3, noise=args.noise)
        np.save(folder / "report_queries.npy", report, allow_pickle=False)
        np.save(folder / "report_truth.npy", exact_top(vectors, report), allow_pickle=False)
        del vectors, index
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.ann_index",
                "--report-from",
                str(folder),
                "--pool",
                str(args.pool),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        figures["report"] = json.loads(out.stdout)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
