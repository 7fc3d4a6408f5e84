"""Errors of the editors' review flow, mapped to HTTP in `bot/api/routes_staff_drafts.py`.

    EditorError
    └── ApprovalRequiredError   an editor publishes where publishing needs a supervisor's approval: 403

Knowledge-base errors pass through: NoDraftError (409), DraftStateError (409), VersionNotFoundError (404).
"""

from __future__ import annotations


class EditorError(Exception):
    pass


class ApprovalRequiredError(EditorError):
    pass
