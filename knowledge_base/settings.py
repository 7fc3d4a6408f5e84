"""Settings shared by everything that opens the knowledge base (ingest CLI, bot service, evaluation)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_MODEL = "bundled:all-MiniLM-L6-v2"
DEFAULT_CITY_DOMAINS = ("millbrook.example",)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


class KnowledgeBaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASKCITY_", extra="ignore")

    data_dir: Path = Field(default=Path("./var"), description="Where indexes and SQLite files live.")
    kb_database_url: str = Field(
        default="", description="Metadata database; default: SQLite file in the data directory."
    )
    embedding_model: str = Field(
        default=DEFAULT_MODEL,
        description="'bundled:all-MiniLM-L6-v2' or any sentence-transformers name or local path.",
    )
    embedding_device: str = "cpu"
    model_cache_dir: Path | None = Field(
        default=None,
        description="Where files derived from the embedding model are kept (its ONNX and int8 copies, the "
        "record that the ONNX copy matched PyTorch, the vectors of the classifiers' examples); default: "
        "'models' in the data directory. Several data directories (or hosts on a shared volume) may share "
        "one.",
    )
    embedding_backend: Literal["auto", "torch", "onnx"] = Field(
        default="auto", description="'auto': ONNX Runtime when the model allows it (faster), else PyTorch."
    )
    embedding_query_precision: Literal["float32", "int8"] = Field(
        default="int8",
        description="'int8': questions run through an 8-bit copy of the model (ONNX path only; ~2.5x "
        "less CPU per question). Passages are always embedded in float32.",
    )
    keep_versions: int = Field(default=5, ge=2, description="Published versions kept for rollback.")
    dense_exact_up_to: int = Field(
        default=200_000,
        ge=0,
        description="Chunks up to which every chunk is scored exactly; above, an approximate index "
        "(IVF-PQ) proposes candidates that are re-scored exactly (knowledge_base/dense.py).",
    )
    fusion: Literal["weighted", "rrf"] = "weighted"
    history_turns: int = Field(default=10, ge=0, description="Earlier user turns used by retrieval.")
    query_cache_size: int = Field(default=20_000, ge=0, description="Recent query vectors kept in memory.")
    reload_check_seconds: float = Field(
        default=1.0, ge=0, description="How often a running retriever looks for a new version."
    )
    # ---- ingest checks and limits (docs/ingest.md) ----
    city_domains: Annotated[list[str], NoDecode] = Field(
        default=list(DEFAULT_CITY_DOMAINS),
        description="The city's own domains (each with its subdomains): a document that asks for personal "
        "data or payment at an address elsewhere, or whose source link points elsewhere, is held for review. "
        "Comma-separated or a JSON list.",
    )
    ingest_max_file_mb: float = Field(default=25, gt=0, description="Largest file read, as stored.")
    ingest_max_document_chars: int = Field(
        default=2_000_000,
        gt=0,
        description="Longest text of one document, after parsing (about 1,000 pages): a longer one is "
        "refused before it is chunked and embedded, so one upload cannot hold the ingest queue for long.",
    )
    ingest_max_unpacked_mb: float = Field(
        default=100, gt=0, description="Largest total uncompressed size of a DOCX's parts."
    )
    ingest_max_unpack_ratio: float = Field(
        default=100, gt=1, description="Largest uncompressed-to-compressed ratio of any part of a DOCX."
    )
    ingest_parse_timeout_seconds: float = Field(
        default=60, gt=0, description="Time one file may take to parse before its parser is stopped."
    )
    ingest_parser_memory_mb: int = Field(
        default=1024, ge=256, description="Address space each parser process may use."
    )
    ingest_parser_processes: int = Field(
        default=2, ge=1, le=32, description="Parser processes working in parallel."
    )

    @field_validator("city_domains", mode="before")
    @classmethod
    def _domains(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if not isinstance(value, list | tuple):
            return value
        domains = [str(d).strip().lower().strip(".") for d in value if str(d).strip()]
        bad = [d for d in domains if not _HOST.match(d)]
        if bad:
            raise ValueError(f"not a domain name (write hosts like millbrook.example): {', '.join(bad)}")
        if not domains:
            raise ValueError("at least one city domain is needed")
        return domains

    @property
    def kb_dir(self) -> Path:
        return self.data_dir / "kb"

    @property
    def models_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    def database_url(self) -> str:
        return self.kb_database_url or f"sqlite:///{self.data_dir / 'kb.sqlite3'}"


@lru_cache
def get_kb_settings() -> KnowledgeBaseSettings:
    return KnowledgeBaseSettings()
