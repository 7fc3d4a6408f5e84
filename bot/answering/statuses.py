"""The closed set of answer statuses (the API's `status` field), and the reply that accepts the offer
of a person a `no_answer` ends with."""

from __future__ import annotations

import re
from enum import StrEnum


class AnswerStatus(StrEnum):
    ANSWERED = "answered"  # grounded in the documents, with citations
    CURATED = "curated"  # an editor's pinned answer
    CLARIFICATION = "clarification"  # the question fits several topics; we ask which
    NO_ANSWER = "no_answer"  # the documents do not answer it; we say so and route to a person
    HANDOFF = "handoff"  # the resident asked for a person (or a service we need is down)
    NEEDS_LOGIN = "needs_login"  # a status lookup needs the resident to log in
    REJECTED = "rejected"  # empty, abusive, too long, or an attempt to manipulate the assistant
    ERROR = "error"  # a step failed; the resident gets a polite reply and the turn is still recorded


# "no" (and the like) right after a `no_answer`: the resident declines the offer of a person (a bare
# "no" elsewhere answers something else, and goes to the pipeline)
DECLINES_OFFER = re.compile(r"^\s*(no|nope|nah|no,? not now|not now|no need)[\s!.]*$", re.IGNORECASE)

# "yes" (and the like) right after a `no_answer`: the resident accepts the offer of a person
# (also in the languages a resident who was told "only English" may answer in: "sí", "oui", "ja", "да")
ACCEPTS_OFFER = re.compile(
    r"^\s*(yes|yeah|yep|yup|y|sure|ok(ay)?|please|yes,? please|please do|go ahead"
    r"|s[ií]|oui|ja|sim|tak|да|так|是|好|はい|네|có|vâng|oo|opo|evet|نعم|بله|हाँ|हां|ہاں|ndiyo|haa)"
    r"[\s!.,¡]*(por favor|s'il vous plaît|bitte|please)?[\s!.]*$",
    re.IGNORECASE,
)
