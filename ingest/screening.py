"""The ingest checks: what in a document must be seen by an editor before it is published.

Detect only; the knowledge base holds a document with findings until an editor confirms it.

    instructions   text addressed to an AI assistant ("ignore previous instructions", role-play ...)
    data-request   a request for personal data or payment at an address outside the city's domains
                   (with or without a scheme: "leafhelp-millbrook.com/apply", "x dot com"; an IP address
                   is never the city's), to a wallet or bank account named in the text, in bitcoin or
                   gift cards, to be typed into the chat or "the reply box below" (the city's assistant
                   never asks for either), for data such as a card number or date of birth to be given
                   by phone, by text, on a messaging app or to a caller, or for a PIN or password to be
                   handed to anyone
    hidden-text    text a reader of the page would not see (dropped by the parser, reported here)
    source-link    a source link whose host is outside the city's domains

The first two are scored by rules kept as data (`ingest/data/screening.<language>.yml`, described there):
weights of signals found in a window of two sentences, against a threshold. Two built-in signals need
more than a pattern: `foreign-address` (an address whose host is not the city's, `ingest.links`) and
`foreign-phone` (a phone number that is not one of the document's own contact numbers; 311 and other
three-digit numbers are never one). A signal may be dropped where a warning ends just before it
(`not_after`: "never give your PIN"), and a rule may read digits in words as the letters they stand for
(`fold_digits`: "ign0re prev1ous instructi0ns").
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ingest.links import addresses, host_of, is_city_host
from ingest.parsers.formats import HiddenText
from knowledge_base.lookalikes import fold_lookalikes
from knowledge_base.records import Document
from knowledge_base.review import Finding, shorten
from knowledge_base.settings import DEFAULT_CITY_DOMAINS
from knowledge_base.text import sentence_spans

DATA = Path(__file__).parent / "data"
FOREIGN_ADDRESS = "foreign-address"
FOREIGN_PHONE = "foreign-phone"
BUILTINS = (FOREIGN_ADDRESS, FOREIGN_PHONE)
MAX_FINDINGS_PER_CHECK = 5
_WARNING_CHARS = 80  # how far before a match `not_after` looks ("you will never be asked to ...")
MIN_HIDDEN_WORDS = 3  # hidden icons and single words (aria-hidden glyphs, icon ligatures) pass quietly
_WORD = re.compile(r"[^\W_]{2,}")
_TERM = re.compile(r"\{([a-z][a-z_-]*)\}")  # a named term in a pattern; "{0,3}" is a repetition
_SEP = r"(?:\s*[.-]\s*|\s)"  # "555-0199", "555.0199", "800 - 749 - 8387" (doc2dial spacing)
# A phone number: 7 or 10 digits in the usual groups with an optional country code, or an international
# number. Three-digit service numbers (311, 211, 911) are not matched: they are the city's or everyone's.
_PHONE = re.compile(
    rf"(?<![\w+-])(?:\+?1{_SEP}?)?(?:\(\d{{3}}\)\s*|\d{{3}}{_SEP})?\d{{3}}{_SEP}\d{{4}}(?![\w-])"
    r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\d{2,4}){2,5}(?!\w)"
)


class _SignalSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weight: float = Field(gt=0)
    patterns: list[str] = []
    builtin: str | None = None
    not_after: list[str] = []  # a match is dropped when one of these ends right before it in its sentence


class _RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    check: str | None = None  # the finding's check; the rule's own name when not given
    reason: str
    threshold: float = Field(gt=0)
    requires: list[str | list[str]] = []  # each entry a signal, or a list of which one is enough
    fold_digits: bool = False  # match over the text with digits in words read as letters ("ign0re")
    signals: dict[str, _SignalSpec]


class _RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    terms: dict[str, str] = {}  # `{name}` in a pattern stands for this (a group of words said many ways)
    rules: dict[str, _RuleSpec]


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    weight: float
    pattern: re.Pattern[str] | None  # None: a built-in signal
    builtin: str | None = None
    not_after: re.Pattern[str] | None = None  # matched against the text before a match, up to it


@dataclass(frozen=True, slots=True)
class Rule:
    check: str
    reason: str
    threshold: float
    requires: tuple[frozenset[str], ...]  # at least one signal of each group

    def required_present(self, found: Iterable[str]) -> bool:
        names = set(found)
        return all(group & names for group in self.requires)

    signals: tuple[Signal, ...]
    fold_digits: bool = False


@lru_cache(maxsize=16)
def load_rules(language: str) -> tuple[Rule, ...]:
    """The rules of one language's data file; () when there is none."""
    path = DATA / f"screening.{language}.yml"
    if not path.is_file():
        return ()
    spec = _RulesFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    rules = []
    for name, rule in spec.rules.items():
        signals = []
        for signal_name, signal in rule.signals.items():
            if signal.builtin not in (None, *BUILTINS):
                raise ValueError(f"{path.name}: unknown built-in signal {signal.builtin!r}")
            if bool(signal.builtin) == bool(signal.patterns):
                raise ValueError(f"{path.name}: signal {signal_name!r} needs either patterns or a built-in")
            pattern = _joined(signal.patterns, spec.terms, path.name)
            not_after = _joined(signal.not_after, spec.terms, path.name, suffix=r"\W*\Z")
            signals.append(Signal(signal_name, signal.weight, pattern, signal.builtin, not_after))
        requires = tuple(frozenset([r] if isinstance(r, str) else r) for r in rule.requires)
        rules.append(
            Rule(rule.check or name, rule.reason, rule.threshold, requires, tuple(signals), rule.fold_digits)
        )
    return tuple(rules)


def _joined(
    patterns: list[str], terms: dict[str, str], source: str, suffix: str = ""
) -> re.Pattern[str] | None:
    """One case-insensitive pattern of many (`suffix` after the alternatives); None for none."""
    if not patterns:
        return None
    joined = "|".join(f"(?:{_with_terms(p, terms, source)})" for p in patterns)
    return re.compile(f"(?:{joined}){suffix}", re.IGNORECASE)


def _with_terms(pattern: str, terms: dict[str, str], source: str) -> str:
    def term(match: re.Match[str]) -> str:
        if match[1] not in terms:
            raise ValueError(f"{source}: unknown term {{{match[1]}}} in a pattern")
        return f"(?:{terms[match[1]]})"

    return _TERM.sub(term, pattern)


def phone_numbers(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, digits) of each phone number in a text."""
    for match in _PHONE.finditer(text):
        yield match.start(), match.end(), re.sub(r"\D", "", match.group())


def _same_number(a: str, b: str) -> bool:
    """The same line, with or without the area and country code: the last seven digits agree."""
    return a[-7:] == b[-7:]


def _normalised(text: str) -> str:
    """Compatibility forms folded, invisible format characters (zero-width spaces ...) removed and
    look-alike letters of another script in a Latin word spelled in Latin, so "ig\u200bnore", full-width
    letters or "Ιgnore" with a Greek iota read as what a reader sees."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKC", text)
    return fold_lookalikes("".join(c for c in folded if unicodedata.category(c) != "Cf"))


# A word with digits, @ or $ in it; read as letters when it has two letters or more ("ign0re", "p@ssword").
_LEET_WORD = re.compile(r"(?<![\w@$])(?=[\w@$]*[\d@$])[\w@$]+")
_LEET = str.maketrans("0134578@$", "oieastbas")


def _leet(word: str) -> str:
    return word.translate(_LEET) if sum(c.isalpha() for c in word) >= 2 else word


def _digits_folded(text: str) -> str:
    """The text with the digits, @ and $ in words of letters read as letters, the same length: "ign0re
    prev1ous instructi0ns" reads "ignore previous instructions"; 555-0199 and "A4" stay as they are."""
    return _LEET_WORD.sub(lambda m: _leet(m.group()), text)


@dataclass(frozen=True, slots=True)
class _Hit:
    rule: Rule
    start: int
    end: int
    window: str


class Screener:
    """Runs the checks over a parsed document. Plain values in: the city's domains."""

    def __init__(self, city_domains: Sequence[str] = DEFAULT_CITY_DOMAINS) -> None:
        self.city_domains = tuple(d.lower().strip(".") for d in city_domains)

    def findings(self, document: Document, hidden: Sequence[HiddenText] = ()) -> list[Finding]:
        rules = self._rules(document.language)
        own = tuple(digits for _, _, digits in phone_numbers(_normalised(document.contact)))
        found: list[Finding] = []
        for text in (document.title, document.department, document.contact, document.text):
            found.extend(self._scan(text, rules, own))
        for item in hidden:
            if item.suspicious and len(_WORD.findall(item.text)) >= MIN_HIDDEN_WORDS:
                found.append(
                    Finding.of(
                        "hidden-text", f"text a reader would not see was dropped: {item.how}", item.text
                    )
                )
            found.extend(
                Finding(f.check, f"{f.reason}, in hidden text ({item.how})", f.snippet, f.fingerprint)
                for f in self._scan(item.text, rules, own)
            )
        uri = document.source_uri
        if uri and not uri.startswith("file:") and not is_city_host(host_of(uri), self.city_domains):
            host = host_of(uri) or "no host"
            found.append(
                Finding.of("source-link", f"the source link points outside the city's domains ({host})", uri)
            )
        return _capped(found)

    def scan(self, text: str, language: str = "en", own_numbers: Sequence[str] = ()) -> list[Finding]:
        """What the instruction and data-request rules find in a text. `own_numbers`: the digits of the
        phone numbers that are the city's (a document's contact numbers)."""
        return self._scan(text, self._rules(language), own_numbers)

    @staticmethod
    def _rules(language: str) -> tuple[Rule, ...]:
        base = language.lower().split("-")[0].split("_")[0]
        return load_rules(base) + (load_rules("en") if base != "en" else ())

    def _scan(self, raw: str, rules: Sequence[Rule], own_numbers: Sequence[str] = ()) -> list[Finding]:
        text = _normalised(raw)
        spans = sentence_spans(text)
        if not spans:
            return []
        starts = [s for s, _ in spans]
        builtin: dict[str, list[tuple[int, int]]] = {
            FOREIGN_ADDRESS: [
                (a.start, a.end) for a in addresses(text) if not is_city_host(a.host, self.city_domains)
            ],
            FOREIGN_PHONE: [
                (start, end)
                for start, end, digits in phone_numbers(text)
                if not any(_same_number(digits, own) for own in own_numbers)
            ],
        }
        folded = _digits_folded(text) if any(rule.fold_digits for rule in rules) else text
        hits: list[_Hit] = []
        for rule in rules:
            source = folded if rule.fold_digits else text
            # per sentence: signal name -> (start, end) of its first match there
            present: list[dict[str, tuple[int, int]]] = [{} for _ in spans]
            for signal in rule.signals:
                matches: Iterable[tuple[int, int]] = (
                    (m.span() for m in signal.pattern.finditer(source))
                    if signal.pattern is not None
                    else builtin[signal.builtin or ""]
                )
                for start, end in matches:
                    i = max(0, bisect.bisect_right(starts, start) - 1)
                    since = max(spans[i][0], start - _WARNING_CHARS)
                    if signal.not_after and signal.not_after.search(source, since, start):
                        continue  # "never give your PIN ...": a warning, not a request
                    present[i].setdefault(signal.name, (start, end))
            weights = {s.name: s.weight for s in rule.signals}
            last_end = -1
            for i in range(len(spans)):
                window = {**(present[i + 1] if i + 1 < len(spans) else {}), **present[i]}
                score = sum(weights[name] for name in window)
                if score < rule.threshold - 1e-9 or not rule.required_present(window):
                    continue
                first = min(s for s, _ in window.values())
                last = max(e for _, e in window.values())
                if first < last_end:
                    continue  # the same passage, found again by the next window
                last_end = last
                end_sentence = spans[min(i + 1, len(spans) - 1)][1]
                hits.append(_Hit(rule, first, last, text[spans[i][0] : end_sentence]))
        return [_finding(text, hit) for hit in hits]


def _finding(text: str, hit: _Hit) -> Finding:
    """The offending passage with a little context (the snippet) and the fingerprint of its window."""
    start = max(0, hit.start - 40)
    end = min(len(text), hit.end + 40)
    shown = ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
    finding = Finding.of(hit.rule.check, hit.rule.reason, hit.window)
    return Finding(finding.check, finding.reason, shorten(shown), finding.fingerprint)


def _capped(findings: list[Finding]) -> list[Finding]:
    """A few findings of each check (an editor needs examples, not all 300 of them), no repeats; the rest
    of a check is one more finding whose fingerprint covers them (so a change among them is seen)."""
    kept: list[Finding] = []
    rest: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    per_check: dict[str, int] = {}
    for f in findings:
        if (f.check, f.fingerprint) in seen:
            continue
        seen.add((f.check, f.fingerprint))
        if per_check.get(f.check, 0) >= MAX_FINDINGS_PER_CHECK:
            rest.setdefault(f.check, []).append(f.fingerprint)
            continue
        per_check[f.check] = per_check.get(f.check, 0) + 1
        kept.append(f)
    for check, fingerprints in rest.items():
        digest = hashlib.sha256("".join(sorted(fingerprints)).encode()).hexdigest()
        kept.append(Finding(check, f"and {len(fingerprints)} more passages found by this check", "", digest))
    return kept
