"""Settings shared by everything that opens the knowledge base (ingest CLI, bot service, evaluation)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "bundled:all-MiniLM-L6-v2"


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
    embedding_backend: Literal["auto", "torch", "onnx"] = Field(
        default="auto", description="'auto': ONNX Runtime when the model allows it (faster), else PyTorch."
    )
    embedding_query_precision: Literal["float32", "int8"] = Field(
        default="int8",
        description="'int8': questions run through an 8-bit copy of the model (ONNX path only; ~2.5x "
        "less CPU per question). Passages are always embedded in float32.",
    )
    keep_versions: int = Field(default=5, ge=2, description="Published versions kept for rollback.")
    fusion: Literal["weighted", "rrf"] = "weighted"
    history_turns: int = Field(default=10, ge=0, description="Earlier user turns used by retrieval.")
    query_cache_size: int = Field(default=20_000, ge=0, description="Recent query vectors kept in memory.")
    reload_check_seconds: float = Field(
        default=1.0, ge=0, description="How often a running retriever looks for a new version."
    )

    @property
    def kb_dir(self) -> Path:
        return self.data_dir / "kb"

    def database_url(self) -> str:
        return self.kb_database_url or f"sqlite:///{self.data_dir / 'kb.sqlite3'}"


@lru_cache
def get_kb_settings() -> KnowledgeBaseSettings:
    return KnowledgeBaseSettings()
