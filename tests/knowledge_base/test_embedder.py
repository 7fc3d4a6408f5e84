"""Embedders: the bundled model offline, the query cache and dynamic batching."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.embedder import (
    BatchingEmbedder,
    CachingEmbedder,
    QueryEncoding,
    SentenceTransformerEmbedder,
    StoredEmbedder,
    Vectors,
)
from knowledge_base.errors import ModelLoadError
from tests.conftest import CountingEmbedder

TEXTS = [f"How do I renew permit number {i} for my street?" for i in range(24)]


def test_bundled_model_loads_offline_with_its_limits() -> None:
    model = SentenceTransformerEmbedder()
    vectors = model.embed(["library card"])
    assert vectors.shape == (1, model.dimension) == (1, 384)
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0, atol=1e-4)
    assert model.max_tokens == 256
    assert model.count_tokens("library card") == 4  # [CLS] library card [SEP]


def test_a_model_that_is_not_on_disk_is_a_clear_error() -> None:
    with pytest.raises(ModelLoadError, match="no downloads happen here"):
        SentenceTransformerEmbedder("/nonexistent/model-dir").embed(["x"])


def test_cache_returns_the_same_vectors_without_calling_the_model_again() -> None:
    inner = CountingEmbedder()
    cache = CachingEmbedder(inner, max_entries=10)
    first = cache.embed(TEXTS[:3])
    again = cache.embed(TEXTS[:3])
    assert inner.calls == 1
    assert np.array_equal(first, again)


def test_concurrent_callers_share_model_calls_and_get_their_own_rows() -> None:
    inner = CountingEmbedder()
    batcher = BatchingEmbedder(inner, max_batch=64, max_wait_seconds=0.05)
    expected = {t: CountingEmbedder().embed([t])[0] for t in TEXTS}
    results: dict[str, np.ndarray] = {}
    start = threading.Barrier(len(TEXTS))

    def call(text: str) -> None:
        start.wait()
        results[text] = batcher.embed([text])[0]

    threads = [threading.Thread(target=call, args=(t,)) for t in TEXTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert inner.calls < len(TEXTS)
    for text in TEXTS:
        assert np.allclose(results[text], expected[text], atol=1e-5)


def test_batching_passes_model_errors_to_the_caller() -> None:
    batcher = BatchingEmbedder(SentenceTransformerEmbedder("/nonexistent/model-dir"))
    with pytest.raises(ModelLoadError):
        batcher.embed(["x"])


def test_onnx_runtime_gives_the_same_vectors_as_pytorch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    onnx = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path)
    torch_model = SentenceTransformerEmbedder(backend="torch")
    texts = ["library card", "How much does a residential parking permit cost per year?", "x" * 3000]
    a, b = onnx.embed(texts), torch_model.embed(texts)
    assert onnx._onnx is not None and list(tmp_path.glob("*.onnx"))
    assert np.allclose(a, b, atol=1e-4)
    # a second embedder reuses the exported file
    again = SentenceTransformerEmbedder(backend="auto", cache_dir=tmp_path)
    assert np.allclose(again.embed(texts[:1]), a[:1], atol=1e-5)
    assert len(list(tmp_path.glob("*.onnx"))) == 1


def test_int8_questions_stay_close_to_the_exact_vectors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path, query_precision="int8")
    queries = model.for_queries()
    assert isinstance(model, QueryEncoding) and queries is not model
    assert queries.name == model.name and queries.dimension == model.dimension
    exact, fast = model.embed(TEXTS[:4]), queries.embed(TEXTS[:4])
    assert model._query_onnx is not None and len(list(tmp_path.glob("*-int8.onnx"))) == 1
    cosines = (exact * fast).sum(axis=1)
    assert not np.allclose(exact, fast, atol=1e-4)  # the 8-bit copy really is used
    assert cosines.min() > 0.97
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert queries.embed([]).shape == (0, model.dimension)


def test_float32_questions_use_the_model_itself(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path, query_precision="float32")
    assert model.for_queries() is model
    model.embed(TEXTS[:1])  # loads the model and exports it: no int8 copy is made for float32
    assert list(tmp_path.glob("*.onnx")) and not list(tmp_path.glob("*-int8.onnx"))
    # with PyTorch there is no int8 copy: questions fall back to the exact vectors
    torch_model = SentenceTransformerEmbedder(backend="torch", query_precision="int8")
    assert np.allclose(torch_model.for_queries().embed(TEXTS[:2]), torch_model.embed(TEXTS[:2]))
    assert torch_model._query_onnx is None


_LOAD_AGAIN = """
import json, sys
from pathlib import Path
from knowledge_base.embedder import SentenceTransformerEmbedder
model = SentenceTransformerEmbedder(backend="auto", cache_dir=Path(sys.argv[1]), query_precision="int8")
texts = json.loads(sys.argv[2])
out = {
    "vectors": model.embed(texts).tolist(),
    "queries": model.for_queries().embed(texts).tolist(),
    "tokens": [model.count_tokens(t) for t in texts],
    "limits": [model.dimension, model.max_tokens],
    "pytorch": model.uses_pytorch,
    "imported": sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules),
}
print(json.dumps(out))
"""


def test_a_verified_export_starts_without_pytorch_and_gives_the_same_vectors(tmp_path: Path) -> None:
    """The first load checks the ONNX export against PyTorch and records it; a new process then runs the
    export alone (no PyTorch, sentence-transformers or transformers imported), with identical results."""
    model = SentenceTransformerEmbedder(backend="auto", cache_dir=tmp_path, query_precision="int8")
    texts = [*MIXED[:-1], "How much does a residential parking permit cost?"]
    vectors, queries = model.embed(texts), model.for_queries().embed(texts)
    assert model.uses_pytorch and len(list(tmp_path.glob("*.verified.json"))) == 1
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_AGAIN, str(tmp_path), json.dumps(texts)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    again = json.loads(done.stdout)
    assert again["pytorch"] is False and again["imported"] == []
    assert np.array_equal(np.asarray(again["vectors"], dtype=np.float32), vectors)
    assert np.array_equal(np.asarray(again["queries"], dtype=np.float32), queries)
    assert again["tokens"] == [model.count_tokens(t) for t in texts]
    assert again["limits"] == [model.dimension, model.max_tokens] == [384, 256]


@pytest.mark.parametrize("damage", ["other vectors", "not json", "no int8 copy"])
def test_a_record_that_does_not_hold_is_checked_again_with_pytorch(tmp_path: Path, damage: str) -> None:
    """A record whose vectors the export no longer gives, an unreadable one, or a missing 8-bit copy: the
    model is loaded and compared again, the answer is the same, and the record is written anew."""
    first = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path, query_precision="int8")
    expected = first.embed(TEXTS[:3])
    record = next(tmp_path.glob("*.verified.json"))
    if damage == "other vectors":
        held = json.loads(record.read_text())
        held["probe"] = [[-x for x in row] for row in held["probe"]]
        record.write_text(json.dumps(held))
    elif damage == "not json":
        record.write_text("{ half a record")
    else:
        next(tmp_path.glob("*-int8.onnx")).unlink()
    again = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path, query_precision="int8")
    assert np.array_equal(again.embed(TEXTS[:3]), expected)
    assert again.uses_pytorch and again._query_onnx is not None
    restored = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path, query_precision="int8")
    assert not restored.uses_pytorch and np.array_equal(restored.embed(TEXTS[:3]), expected)


# texts of very different lengths: batches of similar length must not change any text's vector
MIXED = [
    "x",
    "Bins go out by 7 am.",
    "A residential parking permit costs $60 per year for the first car and $90 for a second one. " * 4,
    "Library cards are free.",
    "word " * 400,  # past the model's 256 tokens: cut, as sentence-transformers cuts it
    "Café opening hours — naïve façade rules (§ 12).",
    "",
]


def test_vectors_do_not_depend_on_batching_or_the_order_of_texts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path, query_precision="float32")
    together = model.embed(MIXED)
    assert model._onnx is not None
    one_by_one = np.vstack([model.embed([t]) for t in MIXED])
    reversed_order = model.embed(MIXED[::-1])[::-1]
    tiny_batches = model._onnx.encode(MIXED, batch_tokens=16)
    for other in (one_by_one, reversed_order, tiny_batches):
        assert np.allclose(together, other, atol=1e-5)
    exact = SentenceTransformerEmbedder(backend="torch").embed(MIXED)
    assert float(np.min(np.sum(together * exact, axis=1))) > 0.999


@pytest.mark.parametrize(
    "text",
    [
        "",
        "library card",
        "Café naïve — § 12",
        "don't re-apply",
        "word " * 600,
        "日本語のテキスト",
        "a\n\nb\tc",
    ],
)
def test_token_counts_are_the_model_tokenizer_s_without_truncation(text: str) -> None:
    model = SentenceTransformerEmbedder()
    model.warm_up()
    assert model._model is not None
    tokenizer = model._model.tokenizer
    expected = len(tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])
    assert model.count_tokens(text) == expected
    model._counter = None  # as with a slow (Python) tokenizer, which has no Rust copy: the wrapper counts
    assert model.count_tokens(text) == expected


class _Counted:
    """A real embedder that counts the texts it is asked to embed."""

    def __init__(self, inner: object) -> None:
        self.inner, self.texts = inner, 0
        self.name = inner.name  # type: ignore[attr-defined]

    def embed(self, texts: list[str]) -> Vectors:
        self.texts += len(texts)
        return self.inner.embed(texts)  # type: ignore[attr-defined,no-any-return]


def test_stored_vectors_are_read_back_only_while_the_encoder_still_makes_them(tmp_path: Path) -> None:
    model = SentenceTransformerEmbedder(
        backend="onnx", cache_dir=Path(os.environ["ASKCITY_MODEL_CACHE_DIR"]), query_precision="int8"
    )
    examples = [f"where is my {thing} application?" for thing in ("permit", "licence", "complaint")] * 40
    int8 = _Counted(model.for_queries())
    first = StoredEmbedder(int8, tmp_path).embed(examples)  # type: ignore[arg-type]
    assert len(list(tmp_path.glob("vectors-*.npz"))) == 1
    assert np.array_equal(first, model.for_queries().embed(examples))
    int8.texts = 0
    again = StoredEmbedder(int8, tmp_path).embed(examples)  # type: ignore[arg-type]
    assert np.array_equal(again, first) and int8.texts < 10  # the probe only: the examples were read
    # the same model name through its float32 encoder makes other vectors: the file is not used for it
    exact = _Counted(model)
    vectors = StoredEmbedder(exact, tmp_path).embed(examples)  # type: ignore[arg-type]
    assert exact.texts >= len(examples) and np.array_equal(vectors, model.embed(examples))
    assert not np.allclose(vectors, first, atol=1e-4)
    # another list of texts is another file; a damaged file is embedded again and replaced
    StoredEmbedder(exact, tmp_path).embed(examples[:5])  # type: ignore[arg-type]
    assert len(list(tmp_path.glob("vectors-*.npz"))) == 2
    for path in tmp_path.glob("vectors-*.npz"):
        path.write_bytes(b"not numpy")
    assert np.array_equal(StoredEmbedder(int8, tmp_path).embed(examples), first)  # type: ignore[arg-type]


def test_stored_vectors_that_cannot_be_written_are_only_embedded(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the directory would be")
    stored = StoredEmbedder(CountingEmbedder(), blocked / "vectors")  # type: ignore[arg-type]
    vectors = stored.embed(TEXTS[:3])
    assert vectors.shape == (3, 384) and np.array_equal(vectors, CountingEmbedder().embed(TEXTS[:3]))


def test_two_quantizations_at_once_both_end_with_the_int8_copy(tmp_path: Path) -> None:
    """Two processes starting on one model cache may both make the int8 copy: each quantizes in its own
    folder (the quantizer's shape-inferred side file once collided, and one fell back to float32)."""
    from knowledge_base.onnx_runtime import _quantized

    model = SentenceTransformerEmbedder(backend="onnx", cache_dir=Path(os.environ["ASKCITY_MODEL_CACHE_DIR"]))
    model.embed(["export"])
    exported = next(
        p for p in Path(os.environ["ASKCITY_MODEL_CACHE_DIR"]).glob("*.onnx") if "int8" not in p.name
    )
    source = tmp_path / exported.name
    os.link(exported, source)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(_quantized(source))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [tmp_path / f"{source.stem}-int8.onnx"] * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, f"{source.stem}-int8.onnx"])
