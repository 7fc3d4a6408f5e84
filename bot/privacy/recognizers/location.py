"""Street addresses: a house number, one to three name words and a street suffix ("62556 Soto Coves",
"4566 Ricardo Fork Apt. 544", "14 birch st apt 3"), with a flat written first ("Flat 2, 14 Church
Road") and the town and postcode after it ("..., London SW1A 1AA"); post office boxes ("PO Box 1234").

There is no named-entity model here, so an address is recognised by its shape. The street suffixes are
the USPS list of common suffixes (Publication 28, appendix C1) with the UK and Canadian ones a city's
residents also write. Written in title case, any of them makes an address; in lower case, only the
unmistakable ones do, since "a 10 minute drive" or "3 big green bins" would read as addresses. A flat,
suite or unit after the street belongs to the address. A number after "$", "#" or inside a longer
number is not a house number.

Right after an address's label ("my address is", "address:", "I live at", "moved to"), the house
number may be written in words or before a comma, and the street's words and suffix in any case ("my
address is 42, Elm Street", "I live at forty two Elm Street"): the label says an address follows.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import Pattern

from bot.privacy.detection import PiiEntity
from bot.privacy.number_words import CARDINAL_WORDS
from bot.privacy.recognizers.common import ShapeRecognizer, span_result

# USPS Publication 28, appendix C1 (common street suffixes), plural forms where USPS lists them, plus
# UK and Canadian ones (Close, Crescent, Gardens, Mews, Rise, Row, Walk, Wynd).
SUFFIXES: tuple[str, ...] = (
    "Alley", "Annex", "Arcade", "Avenue", "Bayou", "Beach", "Bend", "Bluff", "Bluffs", "Bottom",
    "Boulevard", "Branch", "Bridge", "Brook", "Brooks", "Burg", "Burgs", "Bypass", "Camp", "Canyon",
    "Cape", "Causeway", "Center", "Centers", "Centre", "Circle", "Circles", "Cliff", "Cliffs", "Close",
    "Club", "Common", "Commons", "Corner", "Corners", "Course", "Court", "Courts", "Cove", "Coves",
    "Creek", "Crescent", "Crest", "Crossing", "Crossroad", "Crossroads", "Curve", "Dale", "Dam",
    "Divide", "Drive", "Drives", "Estate", "Estates", "Expressway", "Extension", "Extensions", "Falls",
    "Ferry", "Field", "Fields", "Flat", "Flats", "Ford", "Fords", "Forest", "Forge", "Forges", "Fork",
    "Forks", "Fort", "Freeway", "Garden", "Gardens", "Gateway", "Glen", "Glens", "Green", "Greens",
    "Grove", "Groves", "Harbor", "Harbors", "Harbour", "Haven", "Heights", "Highway", "Hill", "Hills",
    "Hollow", "Inlet", "Island", "Islands", "Isle", "Junction", "Junctions", "Key", "Keys", "Knoll",
    "Knolls", "Lake", "Lakes", "Land", "Landing", "Lane", "Light", "Lights", "Loaf", "Lock", "Locks", "Lodge",
    "Loop", "Mall", "Manor", "Manors", "Meadow", "Meadows", "Mews", "Mill", "Mills", "Mission",
    "Motorway", "Mount", "Mountain", "Mountains", "Neck", "Orchard", "Oval", "Overpass", "Park",
    "Parks", "Parkway", "Parkways", "Pass", "Passage", "Path", "Pike", "Pine", "Pines", "Place",
    "Plain", "Plains", "Plaza", "Point", "Points", "Port", "Ports", "Prairie", "Radial", "Ramp",
    "Ranch", "Rapid", "Rapids", "Rest", "Ridge", "Ridges", "Rise", "River", "Road", "Roads", "Route",
    "Row", "Rue", "Run", "Shoal", "Shoals", "Shore", "Shores", "Skyway", "Spring", "Springs", "Spur",
    "Spurs", "Square", "Squares", "Station", "Stravenue", "Stream", "Street", "Streets", "Summit",
    "Terrace", "Throughway", "Trace", "Track", "Trafficway", "Trail", "Trailer", "Tunnel", "Turnpike",
    "Underpass", "Union", "Unions", "Valley", "Valleys", "Viaduct", "View", "Views", "Village",
    "Villages", "Ville", "Vista", "Walk", "Walks", "Wall", "Way", "Ways", "Well", "Wells", "Wynd",
    # the abbreviations residents write most
    "Ave", "Blvd", "Cir", "Cres", "Ct", "Dr", "Hwy", "Ln", "Pkwy", "Pl", "Rd", "Sq", "St", "Ter", "Terr",
)  # fmt: skip

# Unmistakable in lower case too ("14 birch st", "22 quay street").
LOWER_CASE_SUFFIXES: tuple[str, ...] = (
    "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane", "ln", "crescent",
    "cres", "terrace", "highway", "hwy", "parkway", "pkwy",
)  # fmt: skip

_NUMBER = r"(?<![\w$#£€.,/-])\d{1,6}[A-Za-z]?(?![\w.,/-]\d)"
_TITLE_WORD = r"(?:[A-Z][a-z'’-]+\.?|\d{1,3}(?:st|nd|rd|th)|[NSEW]\.?)"
_LOWER_WORD = r"[A-Za-z'’-]+"  # any case: the suffix decides
_UNIT = r"(?:,?[ \t]+(?i:apt\.?|apartment|suite|ste\.?|unit|flat|#)[ \t]*#?[A-Za-z0-9-]+)?"
# a flat written before the street ("Flat 2, 14 Church Road")
_UNIT_FIRST = r"(?:(?i:apt\.?|apartment|suite|unit|flat)[ \t]*#?[0-9][A-Za-z0-9-]*,?[ \t]+)?"
# after the street: a quarter ("NW"), then the town with its postcode ("London SW1A 1AA", "Washington, DC
# 20500", "Toronto, ON M5V 3L9"). A postcode alone is no address (it is how residents ask for their
# collection day), but after a street it is part of one.
_POSTCODE = r"(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)(?![\w-])"
_TOWN = (
    rf"(?:[ \t]+(?:NE|NW|SE|SW|N|S|E|W|North|South|East|West)\b)?"
    rf"(?:,?[ \t]+[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){{0,2}},?[ \t]+(?:[A-Z]{{2}}[ \t]+)?{_POSTCODE})?"
)


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


class StreetAddressRecognizer(ShapeRecognizer):
    """Street addresses by shape: house number, name words, street suffix, optional unit."""

    PATTERNS = (
        Pattern(
            "number, title-case name and suffix",
            rf"{_UNIT_FIRST}{_NUMBER}[ \t]+(?:{_TITLE_WORD}[ \t]+){{1,3}}(?:{_alternatives(SUFFIXES)})\b\.?"
            rf"{_UNIT}{_TOWN}",
            0.5,
        ),
        Pattern(
            "number, name and an unmistakable suffix",
            rf"{_UNIT_FIRST}{_NUMBER}[ \t]+(?:{_LOWER_WORD}[ \t]+){{1,2}}"
            rf"(?i:{_alternatives(LOWER_CASE_SUFFIXES)})\b\.?{_UNIT}{_TOWN}",
            0.5,
        ),
        Pattern(
            "post office box",
            r"(?i:\bP\.?[ \t]?O\.?[ \t]+Box|\bpost[ \t]+office[ \t]+box)[ \t]+#?\d{1,6}\b",
            0.5,
        ),
    )

    ENTITY = PiiEntity.STREET_ADDRESS
    CONTEXT = ("address", "live", "lives", "living", "moved", "street")
    REGEX_FLAGS = re.DOTALL | re.MULTILINE  # case matters: see the module's note

    # after an address's label: a house number in digits or words, perhaps a comma, and a street in any
    # case ("my address is 42, Elm Street", "I live at forty two Elm Street")
    LABELLED = re.compile(
        r"(?i:\b(?:address(?:[ \t]+is|[ \t]*[:=-])|(?:live|living|reside|residing)[ \t]+at|lives[ \t]+at|"
        r"moved[ \t]+to|move[ \t]+to))[ \t]*"
        rf"(?P<address>{_UNIT_FIRST}(?:{_NUMBER}|(?i:{CARDINAL_WORDS})),?[ \t]+(?:{_LOWER_WORD}[ \t]+){{1,3}}"
        rf"(?i:{_alternatives(SUFFIXES)})\b\.?{_UNIT}{_TOWN})"
    )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None, regex_flags: int | None = None
    ) -> list[Any]:
        results = list(super().analyze(text, entities, nlp_artifacts, regex_flags) or [])
        if self.ENTITY.value not in entities:
            return results
        results += [
            span_result(self, self.ENTITY.value, *match.span("address"), 0.5, "address after its label")
            for match in self.LABELLED.finditer(text)
        ]
        return results
