"""What retrieval reads of a redacted message: the question, without the personal data around it.

Placeholders such as `[EMAIL]` are never search terms, and neither are the words that carried the
data ("my IBAN is", "call me at") or a signature next to it ("Jane Roe here", "thanks"): "My email is
[EMAIL] and my phone is [PHONE]. What day is my recycling picked up?" is searched as "What day is my
recycling picked up?", the same text as without the personal data. Each placeholder is removed with
the words before it that introduce personal data (`data/search_text.<language>.yml`); then a clause
(cut at sentence ends, commas, semicolons, line breaks) that is left empty goes, and so does a short one
beside the data that is only a name (capitalised words) or a greeting or thanks, and a few words after
the data that are not a question ("[SSN] if you need it") unless nothing else is left. Everything else stays
exactly as written, so a question with personal data around it is searched like the same question
without it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge_base.text import stopwords

_CLAUSES_KEEP = re.compile(r"((?<=[.!?;])\s+|\n+|,\s*|\s+-\s+)")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])")
_CLOSING = re.compile(r"\)*(?:\.\s*$)?")  # a closing bracket; a full stop only at the very end
_EMPTY_BRACKETS = re.compile(r"\(\s*\x00?\s*\)|\(\s*\x00?\s*$")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


_MARK = "\x00"  # where personal data was taken out


@dataclass(frozen=True, slots=True)
class SearchTextRules:
    introduces: re.Pattern[str]  # words that introduce personal data, right before a placeholder
    courtesy: re.Pattern[str]  # a greeting or a thanks that stands alone as a clause
    max_signature_words: int = 4


@lru_cache
def load_search_text_rules(language: str = "en") -> SearchTextRules:
    raw = yaml.safe_load((Path(__file__).parent / "data" / f"search_text.{language}.yml").read_text("utf-8"))
    alternatives = "|".join(re.escape(str(w)) for w in sorted(raw["introduces"], key=len, reverse=True))
    # words before a placeholder, separated by spaces or a colon (not a comma: "Jane Roe here, [PHONE]"
    # keeps its clause apart, and the name goes as a signature)
    return SearchTextRules(
        re.compile(rf"(?:\b(?:{alternatives})\b[\s:=#-]*)*$", re.IGNORECASE),
        re.compile(str(raw["courtesy"]), re.IGNORECASE),
    )


def _signature(clause: str, rules: SearchTextRules) -> bool:
    """A short clause next to personal data that says nothing searchable: a name, a greeting, a thanks."""
    found = _WORD.findall(clause)
    if not found or len(found) > rules.max_signature_words:
        return False
    if rules.courtesy.fullmatch(" ".join(found)):
        return True
    content = [w for w in found if w.lower().replace("'", "") not in stopwords()]
    return bool(content) and all(w[:1].isupper() for w in content)


def _courtesy(clause: str, rules: SearchTextRules) -> bool:
    """A greeting or a thanks on its own ("Hi", "thanks"), anywhere in a message with personal data."""
    return bool(rules.courtesy.fullmatch(" ".join(_WORD.findall(clause))))


def _tail_of_personal_data(clause: str, rules: SearchTextRules) -> bool:
    """The rest of a sentence that began with personal data ("[SSN] if you need it", "[CARD] last
    time"): a few words after the data, not a question. Left out only when something else of the
    message remains to be searched: on its own it is the question ("my phone is [PHONE] permit
    status", "my pin is [SECRET] check my permit")."""
    stripped = clause.strip()
    if not stripped.startswith(_MARK) or stripped.endswith("?"):
        return False
    return len(_WORD.findall(stripped)) <= rules.max_signature_words


def search_text(redacted: str, placeholders: Sequence[str], rules: SearchTextRules | None = None) -> str:
    present = [p for p in placeholders if p in redacted]
    if not present:
        return redacted
    rules = rules or load_search_text_rules()
    text = redacted
    for placeholder in present:
        while placeholder in text:
            at = text.index(placeholder)
            before = rules.introduces.search(text[:at].replace(_MARK, " "))
            start = before.start() if before is not None else at
            end = at + len(placeholder)
            closing = _CLOSING.match(text, end)  # its full stop or bracket goes with it
            end = closing.end() if closing is not None else end
            text = text[:start] + _MARK + text[end:]
    text = _EMPTY_BRACKETS.sub(" ", text)
    parts = _CLAUSES_KEEP.split(text)  # clause, separator, clause, separator, …
    clauses = parts[0::2]
    marked = [_MARK in c for c in clauses]
    kept: list[str] = []
    tails: list[str] = []
    for index, clause in enumerate(clauses):
        near = (
            marked[index]
            or (index > 0 and marked[index - 1])
            or (index + 1 < len(clauses) and marked[index + 1])
        )
        plain = clause.replace(_MARK, " ")
        if not _WORD.search(clause) or (near and _signature(plain, rules)) or _courtesy(plain, rules):
            continue
        if _tail_of_personal_data(clause, rules):
            tails.append(clause.replace(_MARK, " "))
            continue
        if kept:
            separator = parts[2 * index - 1]
            kept.append(separator if separator.strip() else " ")
        kept.append(clause.replace(_MARK, " "))
    if not kept:  # the tail was the question itself: "my phone is [PHONE] permit status"
        kept = [" ".join(tails)]
    cleaned = " ".join("".join(kept).split())
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", cleaned).strip(" ,;:-")
