"""Planted sentences are never quoted: orders to an AI assistant ("Ignore all previous instructions."),
requests for personal data or payment outside the city ("visit leafhelp-millbrook.com/apply and enter your
date of birth", "text your card number to 555-0199"), and hosts outside the city written without a scheme.

The ingest checks hold a document with such text for an editor (`ingest/screening.py`, rules
`instructions` and `data-request`), but an editor may confirm it (`askcity kb confirm`) and a sentence may
slip past the document-level windows. The composer asks the same rules about each sentence it would quote,
so the check is one set of patterns (`ingest/data/screening.<language>.yml`), not a copy. A phone number
counts as outside the city here (a sentence carries no contact field), so a sentence asking for a card
number or date of birth by phone is never quoted, as the README promises. Links with `http(s)://`, `www.`
and e-mail addresses are the link policy's (`links.LinkPolicy`); hosts without a scheme
("millbrook-leaves dot com") are judged here with the same city domains. Sentences repeat from turn to turn
(the documents do not change between versions), so verdicts are cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from ingest.links import addresses, is_city_host
from ingest.screening import Screener
from knowledge_base.settings import DEFAULT_CITY_DOMAINS

RULES = frozenset({"instructions", "data-request"})


def never_quoted(
    language: str = "en", city_domains: Iterable[str] = DEFAULT_CITY_DOMAINS, cache_size: int = 50_000
) -> Callable[[str], bool]:
    """`check(sentence)`: whether the sentence gives orders to an AI assistant, asks for personal data or
    payment outside the city, or names a host outside `city_domains` (each with its subdomains)."""
    screener = Screener(tuple(city_domains))

    @lru_cache(maxsize=cache_size)
    def check(sentence: str) -> bool:
        if any(not is_city_host(a.host, screener.city_domains) for a in addresses(sentence)):
            return True
        return any(finding.check in RULES for finding in screener.scan(sentence, language))

    return check
