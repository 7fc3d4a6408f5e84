"""A model-free presidio `NlpEngine`: regex tokens and lower-cased words as lemmas.

Presidio's default engine loads a spaCy pipeline (`en_core_web_lg`), which has to be downloaded.
Our recognizers are all pattern- or checksum-based, so all they need from an NLP engine is the
token stream that presidio's `LemmaContextAwareEnhancer` reads to find context words ("passport",
"call", "ssn") near a match. This engine makes that from a regular expression, with no model and
no network. Presidio's own `NoOpNlpEngine` returns no tokens, so context words in the text
would be ignored; that is why we do not use it.

Tokens are handed to presidio as a spaCy `Doc` over an empty `Vocab` (the same object presidio's
no-op engine builds): spaCy the library is imported, no spaCy model is ever loaded.

This module imports presidio and spaCy, so it is imported only from `PiiDetector.warm_up()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from spacy.tokens import Doc
from spacy.vocab import Vocab

_TOKEN = re.compile(r"\w+|[^\w\s]")

# Function words that never carry context; presidio skips them when it counts words around a match.
_STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "if", "of", "at", "by", "for", "with", "to", "from", "in",
    "on", "into", "onto", "is", "are", "was", "were", "be", "been", "am", "i", "me", "my", "mine",
    "we", "us", "our", "you", "your", "he", "him", "his", "she", "her", "it", "its", "they", "them",
    "their", "this", "that", "these", "those", "here", "there", "as", "so", "than", "then", "too",
    "very", "can", "could", "will", "would", "should", "do", "does", "did", "have", "has", "had",
    "just", "not", "no", "please", "pls", "thanks", "thank", "hi", "hello", "also",
})  # fmt: skip


class TokenizingNlpEngine(NlpEngine):  # type: ignore[misc]  # presidio is untyped
    """Splits text into word and punctuation tokens; lemmas are the lower-cased tokens."""

    engine_name = "askcity_regex_tokens"
    is_available = True

    def __init__(self, languages: Iterable[str] = ("en",)) -> None:
        self._languages = tuple(languages)
        self._vocab: Vocab | None = None

    def load(self) -> None:
        self._vocab = Vocab()

    def is_loaded(self) -> bool:
        return self._vocab is not None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        self._check_language(language)
        assert self._vocab is not None
        matches = list(_TOKEN.finditer(text))
        words = [match.group() for match in matches]
        spaces = [match.end() < len(text) and text[match.end()].isspace() for match in matches]
        return NlpArtifacts(
            entities=[],
            tokens=Doc(self._vocab, words=words, spaces=spaces),
            tokens_indices=[match.start() for match in matches],
            lemmas=[word.lower() for word in words],
            nlp_engine=self,
            language=language,
            scores=[],
        )

    def process_batch(
        self,
        texts: Iterable[str],
        language: str,
        batch_size: int = 1,
        n_process: int = 1,
        **kwargs: Any,
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return word.lower() in _STOPWORDS

    def is_punct(self, word: str, language: str) -> bool:
        return bool(word) and not any(char.isalnum() for char in word)

    def get_supported_entities(self) -> list[str]:
        return []

    def get_supported_languages(self) -> list[str]:
        return list(self._languages)

    def _check_language(self, language: str) -> None:
        if self._vocab is None:
            raise RuntimeError("TokenizingNlpEngine.load() has not been called")
        if language not in self._languages:
            raise ValueError(f"language {language!r} is not configured")
