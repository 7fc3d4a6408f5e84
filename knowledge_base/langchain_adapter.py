"""A LangChain `BaseRetriever` over our retriever, for users composing their own chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LangChainDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from knowledge_base.records import Filters, Turn
from knowledge_base.retriever import Retriever


class AskcityRetriever(BaseRetriever):
    """`AskcityRetriever(retriever=kb.retriever(), k=5).invoke("question")` → LangChain documents.

    Each document's metadata carries the citation: document id, title, section path, source URI,
    character offsets, effective date, department and score.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever
    k: int = 5
    history: list[Turn] = Field(default_factory=list)
    filters: Filters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[LangChainDocument]:
        hits = self.retriever.retrieve(
            query,
            history=kwargs.get("history", self.history),
            k=int(kwargs.get("k", self.k)),
            filters=kwargs.get("filters", self.filters),
        )
        return [
            LangChainDocument(
                page_content=hit.text,
                metadata={
                    "document_id": hit.document_id,
                    "title": hit.title,
                    "section_path": list(hit.section_path),
                    "source_uri": hit.source_uri,
                    "start": hit.start,
                    "end": hit.end,
                    "score": hit.score,
                    "department": hit.department,
                    "effective_date": hit.effective_date.isoformat() if hit.effective_date else None,
                },
            )
            for hit in hits
        ]
