"""Planted sentences are never quoted: orders to an AI assistant ("Ignore all previous instructions."),
requests for personal data or payment outside the city ("visit leafhelp-millbrook.com/apply and enter your
date of birth", "text your card number to 555-0199").

The ingest checks hold a document with such text for an editor (`ingest/screening.py`, rules
`instructions` and `data-request`), but an editor may confirm it (`askcity kb confirm`) and a sentence may
slip past the document-level windows. The composer asks the same rules about each sentence it would quote,
so the check is one set of patterns (`ingest/data/screening.<language>.yml`), not a copy. A phone number
counts as outside the city here (a sentence carries no contact field), so a sentence asking for a card
number or date of birth by phone is never quoted, as the README promises. Links and addresses, hosts
written without a scheme included ("millbrook-leaves dot com"), are the link policy's
(`links.LinkPolicy`, which finds them with the same `ingest.links.addresses`), not checked here again.
Sentences repeat from turn to turn (the documents do not change between versions), so verdicts are
cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from ingest.screening import Screener
from knowledge_base.settings import DEFAULT_CITY_DOMAINS

RULES = frozenset({"instructions", "data-request"})


def never_quoted(
    language: str = "en", city_domains: Iterable[str] = DEFAULT_CITY_DOMAINS, cache_size: int = 50_000
) -> Callable[[str], bool]:
    """`check(sentence)`: whether the sentence gives orders to an AI assistant or asks for personal data or
    payment outside the city (`city_domains`, each with its subdomains, are where data may go)."""
    screener = Screener(tuple(city_domains))

    @lru_cache(maxsize=cache_size)
    def check(sentence: str) -> bool:
        return any(finding.check in RULES for finding in screener.scan(sentence, language))

    return check
