"""Errors of the documents desk; each maps to one HTTP status in `bot/api/routes_staff_documents.py`.

DocumentsError
├── UploadRefusedError      the upload itself is unusable (no files, a type we do not ingest,
│                           metadata that names one document on several files): 422
├── EditRefusedError        a metadata edit that changes nothing: 422
├── UndoRefusedError        undoing a retirement that is not retired, or already served: 409
├── UnknownDocumentError    no document with that id: 404
└── UnknownJobError         no job with that id: 404
"""

from __future__ import annotations


class DocumentsError(Exception):
    """Base class; `str(error)` is safe to show to staff."""


class UploadRefusedError(DocumentsError):
    pass


class EditRefusedError(DocumentsError):
    pass


class UndoRefusedError(DocumentsError):
    pass


class UnknownDocumentError(DocumentsError):
    pass


class UnknownJobError(DocumentsError):
    pass
