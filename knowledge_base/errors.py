"""Errors raised by the knowledge base.

    KnowledgeBaseError
    ├── ModelMismatchError      an index opened with a different embedding model than it was built with
    ├── NoPublishedVersionError nothing has been published yet
    ├── CorruptVersionError     a version directory fails its manifest checks
    ├── RollbackError           there is no earlier version to return to
    ├── DocumentNotFoundError   no document with that id
    ├── NotHeldError            an editor confirmed a document that is not held for review
    ├── NoDraftError            no draft is open
    ├── VersionNotFoundError    no kept version of that name
    ├── DraftStateError         an action the draft's state does not allow (approve unsubmitted)
    └── ModelLoadError          the embedding model cannot be loaded (offline, bad path)

Messages are written for the operator running a command: they name the thing and the fix, never internals.
"""

from __future__ import annotations


class KnowledgeBaseError(Exception):
    """Base class of every error the knowledge base raises."""


class ModelMismatchError(KnowledgeBaseError):
    pass


class NoPublishedVersionError(KnowledgeBaseError):
    pass


class CorruptVersionError(KnowledgeBaseError):
    pass


class RollbackError(KnowledgeBaseError):
    pass


class DocumentNotFoundError(KnowledgeBaseError):
    pass


class NotHeldError(KnowledgeBaseError):
    pass


class ModelLoadError(KnowledgeBaseError):
    pass


class NoDraftError(KnowledgeBaseError):
    pass


class VersionNotFoundError(KnowledgeBaseError):
    pass


class DraftStateError(KnowledgeBaseError):
    pass


class SupersededError(KnowledgeBaseError):
    """A build's caller no longer holds the work it was built for (a job claimed again elsewhere)."""
