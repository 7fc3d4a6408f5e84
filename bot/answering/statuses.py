"""The closed set of answer statuses (the API's `status` field)."""

from __future__ import annotations

from enum import StrEnum


class AnswerStatus(StrEnum):
    ANSWERED = "answered"  # grounded in the documents, with citations
    CURATED = "curated"  # an editor's pinned answer
    CLARIFICATION = "clarification"  # the question fits several topics; we ask which
    NO_ANSWER = "no_answer"  # the documents do not answer it; we say so and route to a person
    HANDOFF = "handoff"  # the resident asked for a person (or a service we need is down)
    NEEDS_LOGIN = "needs_login"  # a status lookup needs the resident to log in
    REJECTED = "rejected"  # empty, abusive or too long
    ERROR = "error"  # a step failed; the resident gets a polite reply and the turn is still recorded
