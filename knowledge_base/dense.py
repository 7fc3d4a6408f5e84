"""The dense index of a version, exact or approximate by size.

Up to `approximate_above` chunks (never fewer than 10,000) the index is exact (a flat inner-product
index: every chunk scored). Above, it is an inverted-file index with product-quantized codes (FAISS
IVF-PQ, trained on the version's own vectors when it is built): a query visits `nprobe` of its
`nlist` cells and ranks their chunks by 48-byte codes. It only proposes candidates: the retriever
re-scores every candidate exactly against the stored float32 vectors (`vectors.npy`, memory-mapped
without read-ahead), so what the compression costs is the chance that a chunk is never proposed,
not a wrong score. Memory is the codes plus the pages of `vectors.npy` that queries touch. (8-bit
scalar quantization, 384 bytes per chunk, found the same candidates on the tuning queries, at eight
times the memory and more time per query.)

`benchmarks/ann_index.py` measures one million vectors (recall@10 against exact search, latency,
memory, build time); docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import math
import mmap
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np


@dataclass(frozen=True, slots=True)
class DenseIndexConfig:
    approximate_above: int = 200_000  # chunks; at or below, every chunk is scored exactly
    nprobe: int = 64  # cells a query visits (chosen on tuning queries: benchmarks/ann_index.py)
    pq_bytes: int = 48  # bytes per chunk code (the largest divisor of the dimension up to this)
    train_per_cell: int = 40  # training vectors per cell (FAISS warns below 39)
    seed: int = 1234


MIN_APPROXIMATE = 10_000  # below this many chunks an approximate index is never worth it


def cells(count: int) -> int:
    """Inverted-file cells for `count` vectors: about 4·√n, between 256 and 65,536, and at least 39
    training vectors per cell."""
    return int(min(65_536, count // 39, max(256, 4 * math.sqrt(count))))


def build_dense_index(vectors: np.ndarray, config: DenseIndexConfig | None = None) -> faiss.Index:
    """An index of `vectors` (n × d, float32, normalised): flat when small, IVF-PQ when large."""
    config = config or DenseIndexConfig()
    count, dimension = vectors.shape if vectors.ndim == 2 else (0, 0)
    if count <= max(config.approximate_above, MIN_APPROXIMATE):
        flat = faiss.IndexFlatIP(dimension or 1)
        if count:
            flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return flat
    nlist = cells(count)
    quantizer = faiss.IndexFlatIP(dimension)
    code_bytes = max(m for m in range(1, config.pq_bytes + 1) if dimension % m == 0)
    index = faiss.IndexIVFPQ(quantizer, dimension, nlist, code_bytes, 8, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(config.seed)
    sample = min(count, nlist * config.train_per_cell)
    rows = np.sort(rng.choice(count, size=sample, replace=False))
    index.train(np.ascontiguousarray(vectors[rows], dtype=np.float32))
    for start in range(0, count, 100_000):  # in slices: no second copy of a big matrix at once
        index.add(np.ascontiguousarray(vectors[start : start + 100_000], dtype=np.float32))
    index.nprobe = config.nprobe  # saved with the index: a loaded one searches the same way
    return index


def is_approximate(index: faiss.Index) -> bool:
    return isinstance(index, faiss.IndexIVF)


def search_parameters(index: faiss.Index, allowed_ids: np.ndarray | None) -> faiss.SearchParameters | None:
    """Parameters restricting a search to `allowed_ids` (None: every chunk)."""
    if allowed_ids is None:
        return None
    selector = faiss.IDSelectorBatch(allowed_ids)
    if isinstance(index, faiss.IndexIVF):
        return faiss.SearchParametersIVF(sel=selector, nprobe=index.nprobe)  # type: ignore[call-arg]
    return faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]


def map_vectors(path: Path) -> np.ndarray:
    """The chunk vectors of `path` memory-mapped, read page by page as candidates need them (no
    read-ahead: re-scoring reads a few hundred scattered rows per query, not the whole file)."""
    vectors: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False)
    mapped = getattr(vectors, "_mmap", None)
    if mapped is not None and hasattr(mmap, "MADV_RANDOM"):
        mapped.madvise(mmap.MADV_RANDOM)
    return vectors
