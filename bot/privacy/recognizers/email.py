"""Email addresses: written plainly, and written to slip past a pattern.

`OfflineEmailRecognizer` is presidio's own ("jane.doe@example.org"). `ObfuscatedEmailRecognizer`
finds the forms people use to keep an address from scrapers:

    jane.doe [at] example [dot] org     jane.doe(at)example(dot)org     jane.doe {at} example.org
    jane dot doe at example dot org     JANE AT EXAMPLE DOT ORG         jane.doe @ example dot org
    jane.doe[@]example[.]org            jane.doe at example.org

It starts from each "at" (bracketed, the word, or "@"), takes the name before it and the domain
after it (labels joined by ".", "dot" or "[dot]"), and keeps the longest domain whose last labels are
a public suffix (tldextract's bundled list, never fetched). The plain word "at" before a plainly
written domain is weak: "the form at permits.springfield.gov" is a web address mentioned in passing.
It is strong when the name before it looks like a mailbox ("jane.doe at gmail.com", "jd42 at
gmail.com"), and "my email is jane at gmail.com" is found through the context word.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import tldextract
from presidio_analyzer import EntityRecognizer, LocalRecognizer
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from bot.privacy.detection import PiiEntity
from bot.privacy.recognizers.common import STRONG_SCORE, WEAK_SCORE, span_result

_OPEN, _CLOSE = r"[\[({<]", r"[\])}>]"
_AT = re.compile(
    rf"[ \t]*{_OPEN}[ \t]*(?:at|@)[ \t]*{_CLOSE}[ \t]*|[ \t]*@[ \t]*|[ \t]+at[ \t]+", re.IGNORECASE
)
_SPELLED_DOT = rf"[ \t]*{_OPEN}[ \t]*(?:dot|\.)[ \t]*{_CLOSE}[ \t]*|[ \t]+dot[ \t]+"
_DOT = re.compile(rf"{_SPELLED_DOT}|\.", re.IGNORECASE)
_LOCAL = re.compile(rf"(?<![\w'’])[\w+\-]+(?:(?:{_SPELLED_DOT}|\.)[\w+\-]+)*\Z", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")  # letters only: reads as a word, not a mailbox
_LABEL = re.compile(r"[\w\-]+")


@functools.cache
def offline_suffixes() -> tldextract.TLDExtract:
    """tldextract over the public-suffix snapshot it ships: no download, no on-disk cache."""
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):  # type: ignore[misc]  # presidio is untyped
    """Presidio's email recognizer, but its domain check never fetches the public-suffix list.

    Presidio calls `tldextract.extract`, which downloads the list on first use; this uses the
    snapshot shipped inside tldextract and keeps no on-disk cache.
    """

    def validate_result(self, pattern_text: str) -> bool:
        return offline_suffixes()(pattern_text).fqdn != ""


class ObfuscatedEmailRecognizer(LocalRecognizer):  # type: ignore[misc]
    """Addresses with "at" and "dot" spelled out or bracketed (see the module)."""

    CONTEXT = ("email", "e-mail", "mail", "address", "write", "inbox")

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[PiiEntity.EMAIL_ADDRESS.value],
            supported_language=supported_language,
            context=list(self.CONTEXT),
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        results = []
        for at in _AT.finditer(text):
            found = self._address_around(text, at)
            if found is not None:
                results.append(span_result(self, PiiEntity.EMAIL_ADDRESS.value, *found, "obfuscated email"))
        return list(EntityRecognizer.remove_duplicates(results))

    @staticmethod
    def _address_around(text: str, at: re.Match[str]) -> tuple[int, int, float] | None:
        """(start, end, score) of the address around `at`, or None."""
        local = _LOCAL.search(text, 0, at.start())
        labels, dots = _domain_labels(text, at.end())
        if local is None or len(labels) < 2:
            return None
        at_kind = at.group().strip().lower()
        for count in range(len(labels), 1, -1):
            spelled_dot = any(dot != "." for dot in dots[: count - 1])
            if at_kind == "@" and at.group() == "@" and not spelled_dot:
                return None  # a plain address: presidio's recognizer has it
            domain = ".".join(label.group() for label in labels[:count])
            if offline_suffixes()(f"{local.group()}@{domain}").fqdn:
                plain = at_kind == "at" and not spelled_dot and _WORD.fullmatch(local.group()) is not None
                return local.start(), labels[count - 1].end(), WEAK_SCORE if plain else STRONG_SCORE
        return None


def _domain_labels(text: str, position: int) -> tuple[list[re.Match[str]], list[str]]:
    """The labels of a domain written from `position` on, and the separators between them."""
    labels: list[re.Match[str]] = []
    dots: list[str] = []
    while (label := _LABEL.match(text, position)) is not None:
        labels.append(label)
        dot = _DOT.match(text, label.end())
        if dot is None or _LABEL.match(text, dot.end()) is None:
            break
        dots.append(dot.group().strip())
        position = dot.end()
    return labels, dots
