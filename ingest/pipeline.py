"""The ingest pipeline. A batch goes through six stages, each finished before the next begins:

    parse    each file in a child process with time and memory limits (`ingest.isolation`)
    check    what an editor must see first (`ingest.screening`): such documents are saved but held;
             with `require_metadata`, so is a document without the metadata residents need
             (`ingest.metadata.REQUIRED`) unless the editor accepts it (`accept_missing_metadata`)
    chunk    new or changed documents only (unchanged ones are skipped here)
    embed    texts the vector cache lacks, in batches (cached as they are made)
    save     every document of the batch in ONE transaction
    publish  a new version from the working set, without held documents

A batch is all or nothing: stopped at any point before the save commits (an error, Ctrl-C, `kill -9`),
it leaves the working set as it was; only cached vectors remain, which the next run reuses.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingest.chunking import Chunker, ChunkingConfig
from ingest.isolation import ParseLimits, ParseOutcome, ParserPool, shared_pool
from ingest.links import checked_source_uri
from ingest.loading import Failure, FileToParse, Loaded, discover, documents, prepare
from ingest.metadata import METADATA_CHECK, metadata_finding, missing_metadata
from ingest.screening import Screener
from ingest.url_list import Located
from knowledge_base.errors import DocumentNotFoundError
from knowledge_base.kb import KnowledgeBase, unchanged
from knowledge_base.review import Finding
from knowledge_base.settings import DEFAULT_CITY_DOMAINS
from knowledge_base.snapshot import Manifest
from knowledge_base.store import PendingDocument

__all__ = ["Failure", "Held", "Incomplete", "IngestSummary", "Ingestor", "ParseLimits", "Step", "discover"]

# the metadata an editor may change on a document of the working set without its file (`Ingestor.restate`)
RESTATABLE = ("title", "department", "contact", "source_uri", "language", "effective_date")
Stage = Literal["parse", "check", "chunk", "embed", "save", "publish"]
# the embed stage: cache a vector for every text of the batch (progress: done, total); returns how many
# texts it embedded
EmbedStep = Callable[[Sequence[PendingDocument], Callable[[int, int], None]], int]


@dataclass(frozen=True, slots=True)
class Step:
    """Progress: a stage began (done=0) or moved on (a file parsed, a batch of texts embedded)."""

    stage: Stage
    done: int
    total: int
    item: str = ""  # the file just parsed


@dataclass(frozen=True, slots=True)
class Held:
    """A document of this batch that is held for an editor's review, and why."""

    document_id: str
    source: str
    findings: tuple[Finding, ...]

    @property
    def only_metadata(self) -> bool:
        """Held only because metadata is missing (an editor may accept that without reading it)."""
        return bool(self.findings) and all(f.check == METADATA_CHECK for f in self.findings)


@dataclass(frozen=True, slots=True)
class Incomplete:
    """A document of this batch without metadata residents need (the `REQUIRED` fields it lacks)."""

    document_id: str
    source: str
    missing: tuple[str, ...]


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    incomplete: list[Incomplete] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # held for missing metadata, accepted by the editor
    # a document saved with exactly the text of another one in service: id -> that one's id (a warning:
    # the two answer alike until one changes, then they disagree; retire one, or replace it instead)
    copies: dict[str, str] = field(default_factory=dict)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    published: Manifest | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


@dataclass(frozen=True, slots=True)
class _Checked:
    loaded: Loaded
    findings: tuple[Finding, ...]
    missing: tuple[str, ...]  # metadata residents need that the document lacks


def _too_long(length: int, limits: ParseLimits) -> str:
    return (
        f"its text is {length:,} characters long; the limit is {limits.max_document_chars:,} "
        "(ASKCITY_INGEST_MAX_DOCUMENT_CHARS): split it into smaller documents"
    )


class Ingestor:
    """Plain values in: the chunking, the parse limits, the city's domains, whether a document without
    the metadata residents need is held (settings and options become these in the CLI)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        chunking: ChunkingConfig | None = None,
        *,
        limits: ParseLimits | None = None,
        city_domains: Sequence[str] = DEFAULT_CITY_DOMAINS,
        pool: ParserPool | None = None,
        require_metadata: bool = False,
    ) -> None:
        self.kb = kb
        config = chunking or ChunkingConfig()
        self.chunker = Chunker(kb.embedder.count_tokens, kb.embedder.max_tokens, config)
        self.chunking_key = config.key(kb.embedder.name)
        self.limits = limits or ParseLimits()
        self.screener = Screener(city_domains)
        self.pool = pool
        self.require_metadata = require_metadata
        # the embed stage (an ingest job may spread it over the queue's workers: bot/documents/parts.py)
        self.embed: EmbedStep = kb.embed_missing

    def ingest(
        self,
        paths: Iterable[Path],
        publish: bool = True,
        progress: Callable[[Step], None] | None = None,
        accept_missing_metadata: bool = False,
        pages: Sequence[Located] = (),
    ) -> IngestSummary:
        """Ingest the files and folders, and the `pages` of a URL list (each with its address as its
        source and its id made from it); `accept_missing_metadata` confirms the documents held only
        because metadata is missing (as `askcity kb confirm` would), so they are published."""
        started = time.perf_counter()
        report = progress or (lambda step: None)
        summary = IngestSummary()
        files: list[tuple[Path, Path, tuple[str, str] | None]] = [(f, r, None) for f, r in discover(paths)]
        files += [(p.file, p.file.parent, (p.page.document_id, p.page.url)) for p in pages]
        loaded = self._parse(files, summary, report)
        return self._process(loaded, summary, report, publish, accept_missing_metadata, started)

    def restate(
        self,
        document_id: str,
        changes: Mapping[str, object],
        publish: bool = True,
        progress: Callable[[Step], None] | None = None,
        accept_missing_metadata: bool = False,
    ) -> IngestSummary:
        """A document of the working set again with changed metadata (`RESTATABLE` fields), without its
        file: the check, chunk, embed, save (and publish) stages of `ingest`. What its file hid from
        readers was found when the file was parsed and stays found (the file is not parsed again)."""
        started = time.perf_counter()
        report = progress or (lambda step: None)
        unknown = set(changes) - set(RESTATABLE)
        if unknown:
            raise ValueError(f"not metadata an edit may change: {', '.join(sorted(unknown))}")
        stored = self.kb.store.document(document_id)
        if stored is None:
            raise DocumentNotFoundError(f"No document in service with id {document_id!r}.")
        if changes.get("source_uri"):
            checked_source_uri(str(changes["source_uri"]))
        document = dataclasses.replace(stored, **changes)  # type: ignore[arg-type]
        state = self.kb.store.state(document_id)
        again = {(f.check, f.fingerprint) for f in self.screener.findings(stored)}
        carried = tuple(
            f
            for f in (state.findings if state else ())
            if f.check != METADATA_CHECK and (f.check, f.fingerprint) not in again
        )
        report(Step("parse", 1, 1, document_id))
        loaded = [Loaded(f"{document_id} (metadata)", document, (), carried)]
        return self._process(loaded, IngestSummary(), report, publish, accept_missing_metadata, started)

    def _process(
        self,
        loaded: list[Loaded],
        summary: IngestSummary,
        report: Callable[[Step], None],
        publish: bool,
        accept_missing_metadata: bool,
        started: float,
    ) -> IngestSummary:
        checked = self._check(loaded, report)
        pending = self._chunk(checked, summary, report)
        report(Step("embed", 0, 0))
        summary.embedded = self.embed(pending, lambda done, total: report(Step("embed", done, total)))
        report(Step("save", 0, len(pending)))
        for result in self.kb.save_batch(pending, self.chunking_key):
            (summary.added if result.outcome == "added" else summary.updated).append(result.document_id)
        summary.incomplete = [
            Incomplete(c.loaded.document.id, c.loaded.source, c.missing) for c in checked if c.missing
        ]
        summary.held = self._held(checked)
        summary.copies = self._copies(checked, {*summary.added, *summary.updated})
        if accept_missing_metadata:
            summary.accepted = [h.document_id for h in summary.held if h.only_metadata]
            for document_id in summary.accepted:
                self.kb.confirm(document_id)
            summary.held = [h for h in summary.held if not h.only_metadata]
        changed = summary.changed or bool(summary.accepted)
        if publish and (changed or self.kb.versions.current() is None) and checked:
            report(Step("publish", 0, 1))
            summary.published = self.kb.publish()
        summary.seconds = time.perf_counter() - started
        return summary

    # ---- stages ---------------------------------------------------------------------------------
    def _parse(
        self,
        files: list[tuple[Path, Path, tuple[str, str] | None]],
        summary: IngestSummary,
        report: Callable[[Step], None],
    ) -> list[Loaded]:
        report(Step("parse", 0, len(files)))
        max_bytes = self.limits.max_file_bytes
        prepared = [prepare(file, root, max_bytes, address) for file, root, address in files]
        refused = [p for p in prepared if isinstance(p, Failure)]
        to_parse = [p for p in prepared if isinstance(p, FileToParse)]
        for count, failure in enumerate(refused, 1):  # refused before parsing: done at once
            report(Step("parse", count, len(files), failure.source))
        outcomes: list[ParseOutcome] = []

        def parsed(index: int, outcome: ParseOutcome) -> None:
            outcomes.append(outcome)  # called in file order
            report(Step("parse", len(refused) + len(outcomes), len(files), str(to_parse[index].file)))

        if to_parse:
            pool = self.pool or shared_pool(self.limits.memory_mb, self.limits.processes)
            pool.parse([p.job for p in to_parse], self.limits, parsed)
        outcome_of = {id(item): outcome for item, outcome in zip(to_parse, outcomes, strict=True)}
        loaded: list[Loaded] = []
        seen: set[str] = set()
        for item in prepared:
            if isinstance(item, Failure):
                summary.failed.append(item)
                continue
            for found in documents(item, outcome_of[id(item)]):
                if isinstance(found, Failure):
                    summary.failed.append(found)
                elif len(found.document.text) > self.limits.max_document_chars:
                    summary.failed.append(
                        Failure(found.source, _too_long(len(found.document.text), self.limits))
                    )
                elif found.document.id in seen:
                    summary.failed.append(
                        Failure(found.source, f"duplicate document id {found.document.id!r}")
                    )
                else:
                    seen.add(found.document.id)
                    loaded.append(found)
        return loaded

    def _check(self, loaded: list[Loaded], report: Callable[[Step], None]) -> list[_Checked]:
        report(Step("check", 0, len(loaded)))
        checked = []
        for item in loaded:
            found = (*self.screener.findings(item.document, item.hidden), *item.carried)
            findings = tuple({(f.check, f.fingerprint): f for f in found}.values())
            missing = missing_metadata(item.document)
            if missing and self.require_metadata:
                findings += (metadata_finding(missing),)
            checked.append(_Checked(item, findings, missing))
        return checked

    def _chunk(
        self, checked: list[_Checked], summary: IngestSummary, report: Callable[[Step], None]
    ) -> list[PendingDocument]:
        report(Step("chunk", 0, len(checked)))
        states = self.kb.store.states(c.loaded.document.id for c in checked)
        pending: list[PendingDocument] = []
        for item in checked:
            document = item.loaded.document
            if unchanged(states.get(document.id), document, self.chunking_key, item.findings):
                summary.unchanged.append(document.id)
                continue
            chunks = self.chunker.chunk(document)
            summary.chunks += len(chunks)
            pending.append(self.kb.prepare(document, chunks, item.findings))
        return pending

    def _copies(self, checked: list[_Checked], saved: set[str]) -> dict[str, str]:
        """Saved documents whose text another document in service has (one of the same batch too)."""
        documents = (c.loaded.document for c in checked)
        return self.kb.store.same_text({d.id: d.text for d in documents if d.id in saved})

    def _held(self, checked: list[_Checked]) -> list[Held]:
        states = self.kb.store.states(c.loaded.document.id for c in checked)
        held = []
        for item in checked:
            state = states.get(item.loaded.document.id)
            if state is not None and state.review == "held":
                held.append(Held(item.loaded.document.id, item.loaded.source, state.findings))
        return held
