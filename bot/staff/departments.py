"""Departments come from the published documents' metadata: each document names the department that
owns it and its contact route. A conversation belongs to the department of the documents its answers
cited (the latest first); a transfer may go to any department the documents name, or to the general
queue (the contact centre)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


class DocumentMeta(Protocol):
    """What a published document says about its owner (`knowledge_base.snapshot.DocMeta`)."""

    @property
    def id(self) -> str: ...

    @property
    def department(self) -> str: ...

    @property
    def contact(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Department:
    name: str
    contact: str


class Directory:
    def __init__(self, documents: Callable[[], Sequence[DocumentMeta]], general: Department) -> None:
        self._documents = documents
        self.general = general

    def _safe_documents(self) -> Sequence[DocumentMeta]:
        try:
            return self._documents()
        except Exception:  # no published version yet: only the general queue
            return ()

    def of_documents(self, document_ids: Iterable[str]) -> Department | None:
        """The department of the first of `document_ids` (most relevant first) that names one."""
        by_id = {d.id: d for d in self._safe_documents()}
        for document_id in document_ids:
            doc = by_id.get(document_id)
            if doc is not None and doc.department.strip():
                return Department(doc.department.strip(), doc.contact.strip() or self.general.contact)
        return None

    def all(self) -> list[Department]:
        """The general queue first, then every department the documents name, by name."""
        found: dict[str, str] = {}
        for doc in self._safe_documents():
            name = doc.department.strip()
            if name and (name not in found or not found[name]):
                found[name] = doc.contact.strip()
        rest = [
            Department(n, c or self.general.contact)
            for n, c in sorted(found.items())
            if n != self.general.name
        ]
        return [self.general, *rest]

    def named(self, name: str) -> Department | None:
        return next((d for d in self.all() if d.name == name), None)

    def contact(self, name: str) -> str:
        department = self.named(name)
        return department.contact if department is not None else self.general.contact
