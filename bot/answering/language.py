"""Which language a resident wrote in, when it is not one askcity answers in.

A question in French about a page that answers it in English used to get "I can't answer that from
the city's documents", which is not true and tells the resident nothing useful. A message identified
as another language gets a reply that says which languages are answered and offers a person instead
(`Route`), and a ticket opened from such a conversation carries its language, so the contact centre
can give it to someone who speaks it (`bot/service.py`).

Identification is langid.py's naive Bayes model over byte n-grams (Lui & Baldwin 2012, 97 languages;
the `py3langid` package ships the model, nothing is downloaded). Short chat messages are where it
errs, so a message counts as another language only when (1) it has at least `min_words` words,
(2) the model gives that language at least `sure` probability, and (3) for English, fewer than half
of its words are English words (SymSpell's English list, `knowledge_base/spelling.py`): "garbage
day?", "hello" and "plz help asap" stay English whatever the model says. Anything it is not sure of
is answered as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from knowledge_base.spelling import english_words
from knowledge_base.text import words


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@dataclass(frozen=True, slots=True)
class LanguageCheck:
    served: Sequence[str] = ("en",)
    min_words: int = 2
    sure: float = 0.5

    def warm_up(self) -> None:
        _identifier()  # the model loads in about half a second

    def other_language(self, text: str) -> str | None:
        """The language of `text` when it is sure to be one that is not served, else None."""
        tokens = words(text)
        ideographs = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
        if len(tokens) < self.min_words and ideographs < 4:
            return None
        if "en" in self.served and tokens:
            known = english_words()
            if sum(t.replace("'", "") in known for t in tokens) >= len(tokens) / 2:
                return None
        language, probability = _identifier().classify(text)
        if probability < self.sure or language in self.served:
            return None
        return str(language)
