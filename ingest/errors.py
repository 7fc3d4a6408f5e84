"""Errors raised while ingesting files. Each becomes one line of the ingest summary; the batch goes on.

IngestError
├── UnsupportedFormatError  no parser for this file type
├── OversizedFileError      larger than the configured limit
├── EmptyDocumentError      no text after parsing
├── EncryptedFileError      password-protected
├── CorruptFileError        cannot be parsed (truncated, not what its extension says)
└── MetadataError           its .meta.json sidecar is invalid
"""

from __future__ import annotations


class IngestError(Exception):
    """Base class; `str(error)` is the reason shown to the person running the ingest."""


class UnsupportedFormatError(IngestError):
    pass


class OversizedFileError(IngestError):
    pass


class EmptyDocumentError(IngestError):
    pass


class EncryptedFileError(IngestError):
    pass


class CorruptFileError(IngestError):
    pass


class MetadataError(IngestError):
    pass
