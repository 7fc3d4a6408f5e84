"""Build the knowledge base objects from settings (the one place settings become plain values)."""

from __future__ import annotations

from knowledge_base.dense import DenseIndexConfig
from knowledge_base.embedder import SentenceTransformerEmbedder
from knowledge_base.kb import KnowledgeBase
from knowledge_base.retriever import RetrievalConfig
from knowledge_base.settings import KnowledgeBaseSettings


def make_embedder(settings: KnowledgeBaseSettings) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        settings.embedding_device,
        backend=settings.embedding_backend,
        cache_dir=settings.models_dir,
        query_precision=settings.embedding_query_precision,
    )


def open_knowledge_base(settings: KnowledgeBaseSettings, migrate: bool = True) -> KnowledgeBase:
    embedder = make_embedder(settings)
    kb = KnowledgeBase(
        settings.kb_dir,
        settings.database_url(),
        embedder,
        settings.keep_versions,
        DenseIndexConfig(approximate_above=settings.dense_exact_up_to),
        vector_dir=settings.models_dir,
    )
    if migrate:
        kb.migrate()
    return kb


def retrieval_config(settings: KnowledgeBaseSettings) -> RetrievalConfig:
    return RetrievalConfig(
        fusion=settings.fusion, history_turns=settings.history_turns, query_cache=settings.query_cache_size
    )
