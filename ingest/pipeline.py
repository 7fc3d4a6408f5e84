"""The ingest pipeline: files → parsed documents → chunks → knowledge base → one published version."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import Chunker, ChunkingConfig
from ingest.errors import IngestError, OversizedFileError, UnsupportedFormatError
from ingest.metadata import SIDECAR_SUFFIX, default_id, read_sidecar
from ingest.parsers.formats import SINGLE_PARSERS, Parsed, parse_jsonl, suffix
from knowledge_base.kb import KnowledgeBase
from knowledge_base.records import Document
from knowledge_base.snapshot import Manifest

DEFAULT_MAX_FILE_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Failure:
    source: str
    reason: str


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    published: Manifest | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def discover(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, root) for every file under the given files and folders, sidecars excluded, sorted."""
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if not file.name.endswith(SIDECAR_SUFFIX) and not any(
                    part.startswith(".") for part in file.relative_to(path).parts
                ):
                    yield file, path
        else:
            yield path, path.parent


def load_documents(file: Path, root: Path, max_bytes: int) -> Iterator[Document | Failure]:
    """Every document a file holds (JSONL holds many), or the reason it could not be read."""
    source = str(file)
    try:
        kind = suffix(file)
        if kind not in SINGLE_PARSERS and kind != ".jsonl":
            raise UnsupportedFormatError(f"unsupported file type {kind or '(none)'}")
        if not file.is_file():
            raise IngestError("no such file")
        size = file.stat().st_size
        if size > max_bytes:
            raise OversizedFileError(f"{size:,} bytes is over the {max_bytes:,}-byte limit")
        data = file.read_bytes()
        meta = read_sidecar(file)
        parsed: Iterable[Parsed | IngestError] = (
            parse_jsonl(data) if kind == ".jsonl" else [SINGLE_PARSERS[kind](data)]
        )
        for item in parsed:
            if isinstance(item, IngestError):
                yield Failure(source, str(item))
                continue
            extra = item.extra or {}
            yield Document(
                id=extra.get("id") or meta.id or default_id(file, root),
                title=meta.title or item.title or file.stem.replace("-", " ").replace("_", " "),
                text=item.text,
                source_uri=meta.source_uri or extra.get("source_uri", "") or file.resolve().as_uri(),
                language=meta.language,
                department=meta.department,
                contact=meta.contact,
                domain=meta.domain or extra.get("domain", ""),
                effective_date=meta.effective_date,
                headings=item.headings,
            )
    except IngestError as exc:
        yield Failure(source, str(exc))
    except OSError as exc:
        yield Failure(source, f"cannot read the file ({exc.strerror or type(exc).__name__})")
    except Exception as exc:  # a parser library failing on damaged bytes must not stop the batch
        yield Failure(source, f"damaged or not a valid {suffix(file)} file ({type(exc).__name__})")


class Ingestor:
    def __init__(
        self,
        kb: KnowledgeBase,
        chunking: ChunkingConfig | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        self.kb = kb
        config = chunking or ChunkingConfig()
        self.chunker = Chunker(kb.embedder.count_tokens, kb.embedder.max_tokens, config)
        self.chunking_key = config.key(kb.embedder.name)
        self.max_file_bytes = max_file_bytes

    def ingest(
        self,
        paths: Iterable[Path],
        publish: bool = True,
        progress: Callable[[str], None] | None = None,
    ) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        seen: set[str] = set()
        for file, root in discover(paths):
            if progress:
                progress(str(file))
            for item in load_documents(file, root, self.max_file_bytes):
                if isinstance(item, Failure):
                    summary.failed.append(item)
                elif item.id in seen:
                    summary.failed.append(Failure(str(file), f"duplicate document id {item.id!r}"))
                else:
                    seen.add(item.id)
                    self._save(item, summary)
        if publish and (summary.changed or self.kb.versions.current() is None) and seen:
            summary.published = self.kb.publish()
        summary.seconds = time.perf_counter() - started
        return summary

    def _save(self, document: Document, summary: IngestSummary) -> None:
        if self.kb.is_unchanged(document, self.chunking_key):
            summary.unchanged.append(document.id)
            return
        chunks = self.chunker.chunk(document)
        result = self.kb.save(document, chunks, self.chunking_key)
        summary.chunks += result.chunks
        summary.embedded += result.embedded
        (summary.added if result.outcome == "added" else summary.updated).append(document.id)
