"""Running a sentence-transformers model with ONNX Runtime: the same vectors, several times faster for
the short texts residents type (a single question: ~3.5 ms instead of ~13 ms on two CPU cores).

The transformer is exported once with `torch.onnx.export` (offline, from the model already on disk)
into a cache directory, keyed by the model's files and the torch version. Only the common shape is
supported — a transformer followed by mean or CLS pooling and optional normalisation; any other model
keeps running in PyTorch. `SentenceTransformerEmbedder` compares both runtimes on probe texts before use.
An int8 copy of the export (`int8=True`) serves questions when asked for (ADR 5).

Once an export has matched PyTorch, what running it needs is written beside it (`Verified`: the
pooling, the tokenizer, PyTorch's vectors of the probe texts), and later processes load it with
`OnnxEncoder.load` without importing PyTorch or sentence-transformers: seconds less at every start of
a bot, worker or `askcity ingest` process, and no PyTorch in their memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import itertools
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ValidationError

from knowledge_base.embedder import Vectors

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# tokens (padding included) per forward pass: 64 texts of 128 tokens, or 256 short sentences
BATCH_TOKENS = 8192


def _torch_version() -> str:
    """The installed PyTorch's version, read from its package metadata (importing it takes seconds)."""
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return "none"


def _fingerprint(model_dir: str) -> str:
    digest = hashlib.sha256(_torch_version().encode())
    for path in sorted(Path(model_dir).rglob("*")):
        if path.is_file() and path.suffix in (".json", ".safetensors", ".bin", ".txt"):
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


class Verified(BaseModel):
    """An export that matched PyTorch, and what running it takes (kept as JSON beside the export)."""

    pooling: str
    normalize: bool
    max_length: int  # tokens a text is cut to
    dimension: int
    tokenizer: str  # the model's Rust tokenizer, serialized as transformers loaded it
    probe: list[list[float]]  # PyTorch's vectors of the probe texts


def _verified_path(export: Path) -> Path:
    return export.with_name(f"{export.stem}.verified.json")


class OnnxEncoder:
    """Texts to vectors with ONNX Runtime. `encode` tokenizes all its texts in one call (Rust, no padding),
    then runs them in batches of similar length, so almost nothing a batch computes is padding."""

    def __init__(
        self, session: Any, tokenizer: str, max_length: int, pooling: str, normalize: bool, path: Path
    ) -> None:
        self._session = session
        self._tokenizer = rust_tokenizer(tokenizer, max_length)
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.pooling = pooling
        self.normalize = normalize
        self.path = path
        self._inputs = {i.name for i in session.get_inputs()}

    @classmethod
    def build(
        cls,
        model: SentenceTransformer,
        model_dir: str,
        cache_dir: Path,
        int8: bool = False,
        threads: int | None = None,
    ) -> OnnxEncoder | None:
        """An encoder for `model`, exporting it to `cache_dir` if needed; None if the shape is unsupported.
        `int8`: run a copy with 8-bit weights (dynamic quantization), made once from the export.
        `threads`: intra-op threads (default: OMP_NUM_THREADS, else every core)."""
        modules = list(model)
        names = [type(m).__name__ for m in modules]
        if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        pooling = str(modules[1].get_config_dict().get("pooling_mode", ""))
        if pooling not in ("mean", "cls"):
            return None
        path = export_path(model_dir, cache_dir)
        if not path.is_file():
            _export(modules[0].auto_model, model.tokenizer, path)
        if int8:
            path = _quantized(path)
        return cls(
            _session(path, threads),
            model.tokenizer.backend_tokenizer.to_str(),
            int(model.max_seq_length),
            pooling,
            len(modules) == 3,
            path,
        )

    @classmethod
    def load(
        cls, model_dir: str, cache_dir: Path, int8: bool = False, threads: int | None = None
    ) -> tuple[OnnxEncoder, Verified] | None:
        """The encoder of an export that matched PyTorch before (`remember`), without loading PyTorch;
        None when there is none (or, with `int8`, no 8-bit copy yet) or its record cannot be read."""
        if not Path(model_dir).is_dir():
            return None
        path = export_path(model_dir, cache_dir)
        try:
            verified = Verified.model_validate_json(_verified_path(path).read_bytes())
        except (OSError, ValidationError):
            return None
        if int8:
            path = _int8_path(path)
        if not path.is_file():
            return None
        session = _session(path, threads)
        args = (verified.tokenizer, verified.max_length, verified.pooling, verified.normalize, path)
        return cls(session, *args), verified

    def remember(self, probe: Vectors, dimension: int) -> None:
        """Record beside the export that it matched PyTorch's `probe` vectors (atomic; best effort)."""
        verified = Verified(
            pooling=self.pooling,
            normalize=self.normalize,
            max_length=self.max_length,
            dimension=dimension,
            tokenizer=self.tokenizer,
            probe=probe.tolist(),
        )
        target = _verified_path(self.path)
        try:
            with tempfile.NamedTemporaryFile("w", dir=target.parent, suffix=".json", delete=False) as out:
                out.write(verified.model_dump_json())
            Path(out.name).replace(target)
        except OSError as exc:
            log.warning("cannot record the verified ONNX export in %s (%s)", target, exc)

    def encode(self, texts: list[str], batch_tokens: int = BATCH_TOKENS) -> Vectors:
        """The vectors of `texts`, in their order. A batch holds at most `batch_tokens` tokens, padding
        included (at least one text); shortest texts first."""
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
        starts = np.cumsum(lengths) - lengths
        order = np.argsort(lengths, kind="stable")
        parts = [
            self._run(flat, starts[rows], lengths[rows]) for rows in _batches(order, lengths, batch_tokens)
        ]
        out = np.empty((len(texts), parts[0].shape[1] if parts else 0), dtype=np.float32)
        out[order] = np.concatenate(parts) if parts else out
        return out

    def _run(self, flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> Vectors:
        """One forward pass over the texts whose token ids are `flat[start : start + length]`."""
        mask = np.arange(int(lengths.max())) < lengths[:, None]
        first = np.cumsum(lengths) - lengths  # where each row begins among the unpadded tokens
        ids = np.zeros(mask.shape, dtype=np.int64)
        ids[mask] = flat[np.repeat(starts - first, lengths) + np.arange(int(lengths.sum()))]
        feed = {
            "input_ids": ids,
            "attention_mask": mask.astype(np.int64),
            "token_type_ids": np.zeros_like(ids),
        }
        hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:  # mean of the real tokens: one batched matrix product
            pooled = (mask[:, None, :].astype(np.float32) @ hidden)[:, 0] / np.maximum(
                lengths[:, None], 1
            ).astype(np.float32)
        if self.normalize:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(pooled, dtype=np.float32)


def export_path(model_dir: str, cache_dir: Path) -> Path:
    return cache_dir / f"{Path(model_dir).name}-{_fingerprint(model_dir)}.onnx"


def _session(path: Path, threads: int | None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads is None:
        threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def rust_tokenizer(serialized: str, max_length: int | None) -> Any:
    """A Rust tokenizer (serialized, as a transformers fast tokenizer's `backend_tokenizer.to_str()`)
    that pads nothing and cuts at `max_length` (None: never): the same ids as the transformers
    tokenizer's `tokenizer(text, truncation=...)`, without its per-call overhead."""
    from tokenizers import Tokenizer

    backend = Tokenizer.from_str(serialized)
    backend.no_padding()
    if max_length is None:
        backend.no_truncation()
    else:
        backend.enable_truncation(max_length)
    return backend


def _batches(order: np.ndarray, lengths: np.ndarray, budget: int) -> Iterator[np.ndarray]:
    """Runs of `order` (indices sorted by length, shortest first) whose size times their longest length
    stays within `budget` tokens."""
    sorted_lengths = lengths[order]
    start = 0
    while start < len(order):
        cost = np.arange(1, len(order) - start + 1) * sorted_lengths[start:]
        stop = start + max(1, int(np.searchsorted(cost, budget, side="right")))
        yield order[start:stop]
        start = stop


def _int8_path(export: Path) -> Path:
    return export.with_name(f"{export.stem}-int8.onnx")


def _quantized(path: Path) -> Path:
    """An int8 copy of an exported model, made once beside it. Weights are quantized per output channel
    and activations on the fly (dynamic quantization): about 2.5x faster on a CPU for short texts, with
    vectors within ~0.99 cosine of the float ones (`SentenceTransformerEmbedder` checks this)."""
    target = _int8_path(path)
    if target.is_file():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_root_logger(), tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        # the quantizer writes a shape-inferred copy beside its input and deletes it after: from a link
        # in this private folder, so that two processes quantizing at once do not share that file
        source = Path(tmp) / path.name
        try:
            os.link(path, source)
        except OSError:  # a file system without hard links
            shutil.copyfile(path, source)
        out = Path(tmp) / target.name
        quantize_dynamic(source, out, per_channel=True, weight_type=QuantType.QInt8)
        out.replace(target)  # atomic, as for the export
    log.info("made an int8 copy of the embedding model: %s", target)
    return target


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """The quantizer logs advice through the root logger (and would configure it if nobody had)."""
    root, quiet, level = logging.getLogger(), logging.NullHandler(), logging.getLogger().level
    root.addHandler(quiet)
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.removeHandler(quiet)
        root.setLevel(level)


def _export(transformer: Any, tokenizer: Any, path: Path) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    sample = tokenizer(["a short example sentence"], return_tensors="pt")
    names = [k for k in _INPUTS if k in sample]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        target = Path(tmp) / path.name
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about constant masks: expected for export
            torch.onnx.export(
                transformer.eval(),
                tuple(sample[k] for k in names),
                str(target),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        target.replace(path)  # atomic: another process never sees half a file
    log.info("exported the embedding model to ONNX: %s", path)
