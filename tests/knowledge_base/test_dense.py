"""The dense index by size (knowledge_base/dense.py): exact up to the configured size, IVF-PQ above,
whose candidates re-scored exactly find what exact search finds; filters hold on both."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.dense import DenseIndexConfig, build_dense_index, is_approximate, search_parameters


def clustered(count: int, dimension: int = 64, clusters: int = 200, seed: int = 0) -> np.ndarray:
    """Normalised points around random centres: the shape of real sentence embeddings, not uniform."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dimension)).astype(np.float32)
    points = centres[rng.integers(0, clusters, count)] + 0.35 * rng.standard_normal((count, dimension))
    points = points.astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return clustered(12_000)


def test_small_sets_are_exact(data: np.ndarray) -> None:
    index = build_dense_index(data[:5_000], DenseIndexConfig(approximate_above=0))
    assert not is_approximate(index), "below 10,000 chunks the index is always exact"
    assert index.ntotal == 5_000


def test_big_sets_are_approximate_and_re_scored_candidates_find_the_exact_top_ten(data: np.ndarray) -> None:
    index = build_dense_index(data, DenseIndexConfig(approximate_above=10_000, nprobe=16))
    assert is_approximate(index) and index.ntotal == len(data)
    queries = clustered(200, seed=1)
    exact = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    _, proposed = index.search(queries, 100)
    found = 0
    for q, ids in enumerate(proposed):
        ids = ids[ids >= 0]
        rescored = ids[np.argsort(-(data[ids] @ queries[q]))][:10]
        found += len(set(rescored.tolist()) & set(exact[q].tolist()))
    recall = found / (10 * len(queries))
    assert recall >= 0.9, recall


@pytest.mark.parametrize("approximate_above", [1_000_000, 10_000])
def test_filters_restrict_both_kinds(data: np.ndarray, approximate_above: int) -> None:
    index = build_dense_index(data, DenseIndexConfig(approximate_above=approximate_above))
    allowed = np.arange(0, len(data), 7)
    _, ids = index.search(data[:5], 20, params=search_parameters(index, allowed))
    returned = ids[ids >= 0]
    assert len(returned) > 0 and np.isin(returned, allowed).all()


def test_a_version_maps_its_chunk_vectors_and_older_versions_still_load(
    sample_kb_dir: Path, tmp_path: Path
) -> None:
    """`vectors.npy` is memory-mapped for exact re-scoring; a version written before it existed
    (no such file) loads its vectors from the flat index, the same values."""
    from knowledge_base.snapshot import Manifest, Snapshot
    from knowledge_base.versions import VersionStore

    versions = VersionStore(sample_kb_dir / "kb")
    name = versions.current()
    assert name is not None
    manifest = Manifest.read(versions.versions_dir / name)
    mapped = Snapshot.load(versions.versions_dir / name, manifest.model)
    assert isinstance(mapped.chunk_vectors, np.memmap)
    older = tmp_path / name
    shutil.copytree(versions.versions_dir / name, older)
    (older / "vectors.npy").unlink()
    data = json.loads((older / "manifest.json").read_text())
    del data["files"]["vectors.npy"]
    data.pop("digest", None)  # versions of before vectors.npy had no content address either
    (older / "manifest.json").write_text(json.dumps(data))
    loaded = Snapshot.load(older, manifest.model)
    assert not isinstance(loaded.chunk_vectors, np.memmap)
    assert np.allclose(loaded.chunk_vectors, mapped.chunk_vectors)
