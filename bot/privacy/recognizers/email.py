"""Email addresses: written plainly, and written to slip past a pattern.

`OfflineEmailRecognizer` is presidio's own ("jane.doe@example.org"). `ObfuscatedEmailRecognizer`
finds the forms people use to keep an address from scrapers:

    jane.doe [at] example [dot] org     jane.doe(at)example(dot)org     jane.doe {at} example.org
    jane dot doe at example dot org     JANE AT EXAMPLE DOT ORG         jane.doe @ example dot org
    jane.doe[@]example[.]org            jane.doe at example.org
    "jane.doe" at "example.org"         j a n e @ e x a m p l e . o r g
    jane.doe@gmail                      jane.doe at gmail (a webmail provider, no suffix)
    jane.doe@@example.org               jane . doe @ example . org

It starts from each "at" (bracketed, the word, or "@"), takes the name before it and the domain
after it (labels joined by ".", "dot" or "[dot]"), and keeps the longest domain whose last labels are
a public suffix (tldextract's bundled list, never fetched). The plain word "at" before a plainly
written domain is weak: "the form at permits.springfield.gov" is a web address mentioned in passing.
It is strong when the name before it looks like a mailbox ("jane.doe at gmail.com", "jd42 at
gmail.com"), and "my email is jane at gmail.com" is found through the context word. Quotes around
the name or the domain make it strong: they are put there to keep it from a filter.

A webmail provider's name may stand for the whole domain ("jsmith at gmail", "j.smith@gmail";
`bot.privacy.mailboxes`), weak after the word "at" and a plain word as above, and never after a word
that is no mailbox ("email me at gmail"). An address spelled out one character at a time, the
characters between single spaces, is read with its spaces taken out.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import tldextract
from presidio_analyzer import EntityRecognizer, LocalRecognizer
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from bot.privacy.detection import PiiEntity
from bot.privacy.mailboxes import NOT_MAILBOXES, WEBMAIL_PROVIDERS
from bot.privacy.recognizers.common import STRONG_SCORE, WEAK_SCORE, span_result

_OPEN, _CLOSE = r"[\[({<]", r"[\])}>]"
_QUOTE = "[\"'“”‘’]"
_AT = re.compile(
    rf"(?P<quote>{_QUOTE}(?=[ \t]*(?:@|at\b)))?"
    rf"(?:[ \t]*{_OPEN}[ \t]*(?:at|@)[ \t]*{_CLOSE}[ \t]*|(?:[ \t]*@)+[ \t]*|[ \t]+at[ \t]+)"
    rf"(?(quote){_QUOTE}|{_QUOTE}?)",
    re.IGNORECASE,
)
# one character at a time, between single spaces, with an "@" among them: "j s m i t h @ g m a i l . c o m"
_SPACED_OUT = re.compile(r"(?<!\S)\S(?:[ \t]\S(?!\S)){4,}")
_PLAIN_ADDRESS = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)*)", re.IGNORECASE)
# "dot", "[dot]", "[.]", or a full stop with spaces on both sides ("maria . lopez @ gmail . com"; a
# sentence's full stop has none before it)
_SPELLED_DOT = rf"[ \t]*{_OPEN}[ \t]*(?:dot|\.)[ \t]*{_CLOSE}[ \t]*|[ \t]+dot[ \t]+|[ \t]+\.[ \t]+"
_DOT = re.compile(rf"{_SPELLED_DOT}|\.", re.IGNORECASE)
_LOCAL_NAME = rf"[\w+\-]+(?:(?:{_SPELLED_DOT}|\.)[\w+\-]+)*\Z"
_LOCAL = re.compile(rf"(?<![\w'’]){_LOCAL_NAME}", re.IGNORECASE)
_QUOTED_LOCAL = re.compile(rf"(?<={_QUOTE}){_LOCAL_NAME}", re.IGNORECASE)  # "'jsmith' at 'gmail.com'"
_WORD = re.compile(r"[^\W\d_]+")  # letters only: reads as a word, not a mailbox
_LABEL = re.compile(r"[\w\-]+")
# a word right before a plain local part: a first name before a last one ("maria lopez at gmail")
_NAME_BEFORE = re.compile(r"(?<![\w'’.@-])([A-Za-z][a-z'’-]+)[ \t]+\Z")
# words before a plain word and "at gmail" that start a sentence, not a name ("write to lopez at gmail")
_NOT_FIRST_NAMES = frozenset(
    {
        "to", "is", "at", "me", "my", "the", "a", "an", "and", "or", "but", "for", "of", "on", "in", "by",
        "with", "from", "was", "are", "be", "it", "that", "this", "reach", "contact", "write", "send",
        "email", "mail", "message", "ping", "find", "try", "use", "via", "also", "still", "not", "now",
        "please", "thanks", "hi", "hello", "dear", "called", "named", "address", "account",
    }
)  # fmt: skip


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
        for spaced in _SPACED_OUT.finditer(text):
            address = _PLAIN_ADDRESS.fullmatch(spaced.group().replace(" ", "").replace("\t", ""))
            if address is not None and _is_mail_domain(address.group(1)):
                results.append(
                    span_result(
                        self, PiiEntity.EMAIL_ADDRESS.value, *spaced.span(), STRONG_SCORE, "spaced out"
                    )
                )
        return list(EntityRecognizer.remove_duplicates(results))

    @staticmethod
    def _address_around(text: str, at: re.Match[str]) -> tuple[int, int, float] | None:
        """(start, end, score) of the address around `at`, or None."""
        quoted = at.group("quote") is not None
        local = (_QUOTED_LOCAL if quoted else _LOCAL).search(text, 0, at.start())
        labels, dots = _domain_labels(text, at.end())
        if local is None or not labels:
            return None
        at_kind = at.group().strip(" \t\"'“”‘’").lower()
        plain_word = _WORD.fullmatch(local.group()) is not None
        for count in range(len(labels), 1, -1):
            spelled_dot = any(dot != "." for dot in dots[: count - 1])
            if at_kind == "@" and at.group() == "@" and not spelled_dot:
                return None  # a plain address: presidio's recognizer has it
            domain = ".".join(label.group() for label in labels[:count])
            if offline_suffixes()(f"{local.group()}@{domain}").fqdn:
                weak = at_kind == "at" and not spelled_dot and plain_word and not quoted
                return local.start(), labels[count - 1].end(), WEAK_SCORE if weak else STRONG_SCORE
        if labels[0].group().lower() in WEBMAIL_PROVIDERS and local.group().lower() not in NOT_MAILBOXES:
            weak = at_kind == "at" and plain_word and not quoted
            name = _NAME_BEFORE.search(text, 0, local.start()) if weak else None
            if name is not None and name.group(1).lower() not in NOT_MAILBOXES | _NOT_FIRST_NAMES:
                # a first and a last name at a webmail provider: "maria lopez at gmail"
                return name.start(1), labels[0].end(), STRONG_SCORE
            return local.start(), labels[0].end(), WEAK_SCORE if weak else STRONG_SCORE
        if len(labels) > 1 and any(dot != "." for dot in dots[: len(labels) - 1]):
            # "dot" spelled between the domain's labels, ending in a word: a domain written to slip past
            # a filter, whatever its suffix ("maria.lopez at mail dot millbrook dot example")
            last = labels[len(labels) - 1].group()
            if (
                last.isalpha()
                and 2 <= len(last) <= 24
                and not (plain_word and at_kind == "at" and not quoted)
            ):
                return local.start(), labels[-1].end(), STRONG_SCORE
        return None


def _is_mail_domain(domain: str) -> bool:
    """Whether `domain` ends in a public suffix, or is a webmail provider's name."""
    return bool(offline_suffixes()(f"x@{domain}").fqdn) or domain.lower() in WEBMAIL_PROVIDERS


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
