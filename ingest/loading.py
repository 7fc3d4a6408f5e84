"""From paths to documents: find the files, check what can be checked before parsing, and make documents
of what the parsers return (metadata from sidecars and from the format itself)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import IngestError, MetadataError, OversizedFileError, UnsupportedFormatError
from ingest.isolation import ParseJob, ParseOutcome
from ingest.links import checked_source_uri, local_uri
from ingest.metadata import SIDECAR_SUFFIX, Sidecar, default_id, read_sidecar
from ingest.parsers.formats import SUPPORTED, HiddenText, Parsed, suffix
from knowledge_base.records import Document
from knowledge_base.review import Finding


@dataclass(frozen=True, slots=True)
class Failure:
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Loaded:
    """A parsed document with the text its file hid from readers (for the checks)."""

    source: str
    document: Document
    hidden: tuple[HiddenText, ...]
    carried: tuple[Finding, ...] = ()  # found in its file earlier (a document restated without a file)


@dataclass(frozen=True, slots=True)
class FileToParse:
    file: Path
    root: Path
    sidecar: Sidecar
    job: ParseJob


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


def prepare(
    file: Path, root: Path, max_bytes: int, address: tuple[str, str] | None = None
) -> FileToParse | Failure:
    """What is known before parsing: the type, the size, the sidecar. `address`: (id, public address)
    of a page named by a URL list (`ingest.url_list`), which win over its sidecar's."""
    try:
        kind = suffix(file)
        if kind not in SUPPORTED:
            raise UnsupportedFormatError(f"unsupported file type {kind or '(none)'}")
        if not file.is_file():
            raise IngestError("no such file")
        size = file.stat().st_size
        if size > max_bytes:
            raise OversizedFileError(f"{size:,} bytes is over the {max_bytes:,}-byte limit")
        sidecar = read_sidecar(file)
        if address is not None:
            sidecar = sidecar.model_copy(update={"id": address[0], "source_uri": address[1]})
        return FileToParse(file, root, sidecar, ParseJob(file, kind))
    except IngestError as exc:
        return Failure(str(file), str(exc))
    except OSError as exc:
        return Failure(str(file), f"cannot read the file ({exc.strerror or type(exc).__name__})")


def documents(item: FileToParse, outcome: ParseOutcome) -> Iterator[Loaded | Failure]:
    """Every document a parsed file holds, or why a file (or one JSONL line) gives none."""
    source = str(item.file)
    if outcome.failure:
        yield Failure(source, outcome.failure)
        return
    for parsed in outcome.items:
        if isinstance(parsed, IngestError):
            yield Failure(source, str(parsed))
            continue
        try:
            yield Loaded(source, _document(item, parsed), parsed.hidden)
        except MetadataError as exc:
            line = f"document {(parsed.extra or {}).get('id', '')[:80]!r}: " if parsed.extra else ""
            yield Failure(source, f"{line}{exc}")


def _document(item: FileToParse, parsed: Parsed) -> Document:
    meta, extra = item.sidecar, parsed.extra or {}
    uri = meta.source_uri or extra.get("source_uri", "")
    if uri and not meta.source_uri:
        checked_source_uri(uri, "url")  # a JSONL url (a sidecar's is checked when it is read)
    return Document(
        id=extra.get("id") or meta.id or default_id(item.file, item.root),
        title=meta.title or parsed.title or item.file.stem.replace("-", " ").replace("_", " "),
        text=parsed.text,
        source_uri=uri or local_uri(item.file),
        language=meta.language,
        department=meta.department,
        contact=meta.contact,
        domain=meta.domain or extra.get("domain", ""),
        effective_date=meta.effective_date,
        headings=parsed.headings,
    )
