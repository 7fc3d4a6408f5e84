"""Plain-text helpers shared by indexing and answering: sentence spans and lexical terms."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import Stemmer

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "no",
        "nos",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "inc",
        "ltd",
        "co",
        "jr",
        "sr",
        "dept",
        "approx",
        "fig",
        "u.s",
        "a.m",
        "p.m",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "ave",
        "rd",
        "blvd",
        "sec",
        "art",
        "para",
        "p",
        "pp",
        "ch",
        "vol",
    ]
)
# A sentence ends at ., ! or ? (optionally followed by quotes/brackets) before whitespace, or at a line
# break (list items and headings are sentences of their own).
_BOUNDARY = re.compile(r"""(?<=[.!?])["')\]]*\s+|\n+""")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
# A list item as the parsers write one (a paragraph of its own): a bullet, "1." / "(a)" and a space.
_LIST_ITEM = re.compile(r"^\s*([-•*–·▪◦]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+", re.IGNORECASE)

_DATA = Path(__file__).parent / "data"


def is_list_item(text: str) -> bool:
    """Whether a paragraph or sentence is a list item ("- sofas and chairs;", "2. Pay the fee")."""
    return bool(_LIST_ITEM.match(text))


def leads_into_list(text: str) -> bool:
    """Whether a paragraph announces a list ("You can receive the supplement if:")."""
    return text.rstrip().endswith(":")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words and chat filler (data file, one per line); apostrophes are dropped before lookup."""
    lines = (_DATA / "stopwords.en.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of the sentences of `text[start:end]`, trimmed of surrounding whitespace."""
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, stop):
        if match.group().strip() == "" and "\n" not in match.group():
            before = text[cursor : match.start()].rsplit(None, 1)
            last_word = before[-1].lower().rstrip(".") if before else ""
            following = text[match.end() : match.end() + 1]
            if (
                last_word in _ABBREVIATIONS
                or (len(last_word) == 1 and last_word.isalpha())
                or following.islower()
                or following.isdigit()
            ):
                continue
        _append_trimmed(text, cursor, match.start(), spans)
        cursor = match.end()
    _append_trimmed(text, cursor, stop, spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, apostrophes kept inside words."""
    return _WORD.findall(text.lower().replace("’", "'"))


def terms(text: str) -> list[str]:
    """Stemmed content words: the lexical view used by BM25 and by answer support checks."""
    stop = stopwords()
    kept = [w for w in words(text) if w.replace("'", "") not in stop]
    return list(_stemmer().stemWords(kept))
