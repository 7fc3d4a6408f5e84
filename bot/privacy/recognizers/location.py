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


# Addresses of continental Europe and Latin America, where the street's word comes first ("7 Rue de la
# Paix, 75002 Paris", "Calle Mayor 5, 28013 Madrid") or is glued to its name and the number follows
# ("Hauptstrasse 5, 10115 Berlin", "Keizersgracht 12, 1015 CS Amsterdam"). A postcode and a town after
# them make an address; after an address's or a delivery's label (`LABELLED`), the street alone does.
STREET_FIRST_WORDS: tuple[str, ...] = (
    "Rue", "Avenue", "Boulevard", "Bd", "Av", "Avda", "Chemin", "Impasse", "Allée", "Allee", "Quai",
    "Place", "Calle", "Carrer", "Avenida", "Paseo", "Camino", "Plaza", "Rua", "Travessa", "Largo", "Via",
    "Viale", "Corso", "Piazza", "Vicolo", "Strada",
)  # fmt: skip
_PARTICLE = r"(?:de|du|des|la|le|les|del|della|di|da|do|dos|das|d['’]|l['’]|von|van|der|den|am|an|im)"
_STREET_FIRST_NAME = (
    rf"(?:{_alternatives(STREET_FIRST_WORDS)})(?:[ \t]+(?:{_PARTICLE}[ \t]*)*[A-ZÀ-Ý][\w'’-]+){{1,3}}"
)
_GLUED_STREET = (
    r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*"
    r"(?:stra(?:ss|ß)e|str\.|weg|gasse|platz|allee|damm|ring|ufer|chaussee|straat|laan|plein|gracht|kade|dijk|steeg)"
)
# a continental postcode (four or five digits, perhaps with a country letter and the Dutch letters)
# and a capitalised town
_CONTINENTAL_TOWN = r"(?:[A-Z]{1,2}-)?\d{4,5}(?:[ \t]+[A-Z]{2})?[ \t]+[A-ZÀ-Ý][\w'’-]+(?![\w'’-])"
# a full UK postcode; a flat first, or a building's name, says the words before it are an address
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}(?![\w-])"
_UNIT_REQUIRED = r"(?:(?i:apt\.?|apartment|suite|unit|flat)[ \t]*#?[0-9][A-Za-z0-9-]*,?[ \t]+)"
BUILDINGS: tuple[str, ...] = (
    "House", "Court", "Building", "Buildings", "Mansions", "Lodge", "Tower", "Towers", "Cottage",
    "Cottages", "Farm", "Hall", "Villas", "Apartments", "Residence", "Wharf", "Mill",
)  # fmt: skip


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
            r"(?i:\bP\.?[ \t]?O\.?[ \t]*Box|\bP\.?O\.?B\.?|\bpost[ \t]+office[ \t]+box|\bpostfach|\bpostbus"
            r"|\bbo[îi]te[ \t]+postale|\bapartado(?:[ \t]+de[ \t]+correos)?"
            r"|\bcasilla(?:[ \t]+de[ \t]+correo)?"
            r"|\bcaixa[ \t]+postal|\bcasella[ \t]+postale)[ \t]+#?\d{1,6}\b",
            0.5,
        ),
        Pattern(
            "street word first, then a postcode and a town",
            rf"(?<![\w-]){_NUMBER},?[ \t]+{_STREET_FIRST_NAME},?[ \t]+{_CONTINENTAL_TOWN}",
            0.5,
        ),
        Pattern(
            "street name with its suffix glued, a number, then a postcode and a town",
            rf"\b{_GLUED_STREET}[ \t]+\d{{1,4}}[A-Za-z]?,?[ \t]+{_CONTINENTAL_TOWN}",
            0.5,
        ),
        Pattern(
            "street word first and a number after, then a postcode and a town",
            rf"\b{_STREET_FIRST_NAME}[ \t]+\d{{1,4}}[A-Za-z]?,?[ \t]+{_CONTINENTAL_TOWN}",
            0.5,
        ),
        Pattern(
            "a flat or a building's name, then a town and a UK postcode",
            rf"(?:{_UNIT_REQUIRED}(?:{_TITLE_WORD}[ \t]+){{0,3}}{_TITLE_WORD}"
            rf"|(?:{_UNIT_REQUIRED})?(?:{_TITLE_WORD}[ \t]+){{1,3}}(?:{_alternatives(BUILDINGS)})),"
            rf"[ \t]+[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?,?[ \t]+{_UK_POSTCODE}",
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
        r"moved[ \t]+to|move[ \t]+to|deliver(?:ed|y)?[ \t]+(?:it[ \t]+)?to|send[ \t]+(?:it[ \t]+)?to|"
        r"ship(?:ped)?[ \t]+(?:it[ \t]+)?to|post[ \t]+(?:it[ \t]+)?to|mail[ \t]+(?:it[ \t]+)?to))[ \t]*"
        rf"(?P<address>{_UNIT_FIRST}(?:{_NUMBER}|(?i:{CARDINAL_WORDS})),?[ \t]+(?:{_LOWER_WORD}[ \t]+){{1,3}}"
        rf"(?i:{_alternatives(SUFFIXES)})\b\.?{_UNIT}{_TOWN}"
        rf"|{_NUMBER},?[ \t]+{_STREET_FIRST_NAME}(?:,?[ \t]+{_CONTINENTAL_TOWN})?"
        rf"|(?:{_STREET_FIRST_NAME}|{_GLUED_STREET})[ \t]+\d{{1,4}}[A-Za-z]?\b"
        rf"(?:,?[ \t]+{_CONTINENTAL_TOWN})?)"
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
