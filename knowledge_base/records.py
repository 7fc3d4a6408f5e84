"""Typed records of the knowledge base: documents, chunks, and what retrieval returns."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["user", "agent"]


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier turn of a conversation, oldest first in a history."""

    role: Role
    text: str


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading found by a parser: its level (1 = top) and its character span in the document text."""

    level: int
    title: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """A policy document: its plain text plus the metadata a citation and a handoff need."""

    id: str
    title: str
    text: str
    source_uri: str = ""
    language: str = "en"
    department: str = ""
    contact: str = ""
    domain: str = ""
    effective_date: date | None = None
    headings: tuple[Heading, ...] = ()
    version: int = 1

    @property
    def content_hash(self) -> str:
        """SHA-256 over everything that changes what gets indexed (text, structure and metadata)."""
        payload = asdict(self)
        payload.pop("version")
        payload["effective_date"] = self.effective_date.isoformat() if self.effective_date else None
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=list)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of a document. `start`/`end` are offsets into `Document.text`; `text` equals that slice."""

    document_id: str
    ordinal: int
    section_path: tuple[str, ...]
    text: str
    start: int
    end: int
    token_count: int
    embed_text: str = ""

    def text_for_embedding(self) -> str:
        return self.embed_text or self.text


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a retrieved chunk, its offsets into the document text and its cosine similarity
    to the query with its conversation (`similarity`) and to the current question alone."""

    text: str
    start: int
    end: int
    similarity: float
    question_similarity: float = 0.0


class Citation(BaseModel):
    """The passage of a document that an answer quotes. Declared once: retrieval builds it from a chunk
    (`RetrievedChunk.citation()`), the answering pipeline carries it, the bot's API returns it and its
    storage keeps it (`model_dump(mode="json")` / `model_validate`)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    document_id: str
    title: str
    section_path: tuple[str, ...] = ()
    source_url: str = Field(default="", description="Public address of the document ('' when none).")
    effective_date: date | None = None
    quote: str = Field(default="", description="The cited passage, verbatim.")
    start: int = Field(default=0, description="Character offset of the passage in the document text.")
    end: int = 0

    @field_validator("source_url")
    @classmethod
    def _public_only(cls, url: str) -> str:
        """Only a public http(s) address: a document ingested without one carries the editor's local
        path (`file:`, a bare filesystem path), which no citation may show, to residents or staff."""
        return public_url(url)


def public_url(url: str) -> str:
    """`url` when it is an http(s) address with a host; "" otherwise."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


@dataclass(frozen=True, slots=True)
class RetrievedChunk:
    document_id: str
    title: str
    section_path: tuple[str, ...]
    text: str
    start: int
    end: int
    score: float
    source_uri: str
    department: str = ""
    contact: str = ""
    language: str = "en"
    domain: str = ""
    effective_date: date | None = None
    dense_score: float = 0.0  # cosine with the question as retrieval weighed it (with its conversation)
    question_score: float = 0.0  # cosine with the current question alone
    sentences: tuple[Sentence, ...] = field(default=())

    def citation(self) -> Citation:
        return Citation(
            document_id=self.document_id,
            title=self.title,
            section_path=self.section_path,
            source_url=self.source_uri,
            effective_date=self.effective_date,
            quote=self.text,
            start=self.start,
            end=self.end,
        )


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrict retrieval to documents whose metadata match every given value."""

    department: str | None = None
    language: str | None = None
    domain: str | None = None

    def is_empty(self) -> bool:
        return self.department is None and self.language is None and self.domain is None
