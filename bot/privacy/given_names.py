"""Known first names and surnames, for the few places where the words alone cannot say a name is one.

A capital letter is what tells a name from a word in most of `bot.privacy.names`; where residents write
a name without one ("i'm maria lopez whats the status of my permit", "hi it's maria lopez") or a name
is a single word with a weak cue ("... please - Maria", "Lopez, Maria - any news"), the words are
looked up here instead: "i'm moving next week", "i'm not sure", "please - Urgent" name no one.

The lists are Faker's person providers (a runtime dependency already), first names and surnames of
the locales most residents' names come from, romanised where the locale's own script is not Latin
(Chinese, Japanese), folded like the text the name patterns read (`folding.fold_letters`: "José" is
"jose"). Read once, by `PiiDetector.warm_up()` (about 0.2 s).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable

from bot.privacy.folding import fold_letters

# Faker's locales whose person provider has names in Latin letters (or romanised ones)
_LOCALES = (
    "en_US", "en_GB", "en_IE", "en_IN", "es_ES", "es_MX", "fr_FR", "de_DE", "it_IT",
    "pt_BR", "pt_PT", "nl_NL", "pl_PL", "vi_VN", "tr_TR", "zh_CN", "ja_JP", "sw", "yo_NG",
)  # fmt: skip
_FIRST = ("first_names", "first_romanized_names")
_LAST = ("last_names", "last_romanized_names")
# words of English that are also somebody's name in a locale's list: never a name here in lower case
_COMMON_WORDS = frozenset(
    (
        "a", "an", "as", "at", "be", "by", "do", "go", "he", "in", "is", "it", "me", "my", "no", "of",
        "on", "or", "so", "to", "up", "us", "we", "am", "are", "was", "the", "and", "but", "for", "not",
        "new", "good", "fine", "well", "here", "there", "still", "just", "also", "very", "back", "home",
        "else", "edit", "floor", "forum", "server", "lot", "job", "toy", "guy", "german", "urban",
        "will", "may", "can", "grant", "hunter", "marine", "sure", "young", "long", "little", "best",
        "free", "rich", "love", "hope", "faith", "joy", "gay", "black", "white", "brown", "green",
    )
)  # fmt: skip


def _names(attributes: Iterable[str]) -> frozenset[str]:
    names: set[str] = set()
    for locale in _LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ModuleNotFoundError:
            continue
        for attribute in attributes:
            for name in getattr(provider, attribute, ()):
                folded = fold_letters(str(name)).lower()
                if folded.isascii() and folded.isalpha() and len(folded) > 1:
                    names.add(folded)
    return frozenset(names - _COMMON_WORDS)


@functools.cache
def first_names() -> frozenset[str]:
    """Known first names, lower case and folded ("maria", "jose", "wei")."""
    return _names(_FIRST)


@functools.cache
def surnames() -> frozenset[str]:
    """Known surnames, lower case and folded ("lopez", "nguyen", "zhang")."""
    return _names(_LAST)


def is_first_name(word: str) -> bool:
    return word.lower() in first_names()


def is_surname(word: str) -> bool:
    return word.lower() in surnames()
