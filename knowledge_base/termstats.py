"""Term statistics of a published version: how rare each term is, and which terms each document uses.

Used to ask "does the document we are about to cite talk about the specific thing the resident
asked about?" — a question term counts as covered by a document when the document has it, another
form of the same word (one is a prefix of the other, four letters at least and most of the longer
one: "renew" / "renewal", but not "pass" / "passport"), or a close spelling (typos: "birhtday").
"""

from __future__ import annotations

import difflib
import math
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping


class TermStats:
    def __init__(self, documents: Mapping[str, Iterable[str]]) -> None:
        """`documents`: the terms each document uses, by document id."""
        self.doc_terms: dict[str, frozenset[str]] = {d: frozenset(t) for d, t in documents.items()}
        self.df: Counter[str] = Counter()
        for terms_ in self.doc_terms.values():
            self.df.update(terms_)
        self.documents = max(1, len(self.doc_terms))
        self._by_prefix: dict[str, list[str]] = defaultdict(list)
        for term in self.df:
            self._by_prefix[term[:2]].append(term)

    def idf(self, term: str) -> float:
        n = self.df.get(term, 0)
        return math.log(1 + (self.documents - n + 0.5) / (n + 0.5))

    def covered_share(self, terms: Iterable[str], document_id: str | None = None) -> float:
        """The rarity-weighted (IDF) share of `terms` that the document (or any document) covers."""
        weight = {t: self.idf(t) for t in terms}
        total = sum(weight.values()) or 1.0
        return sum(w for t, w in weight.items() if self.covered(t, document_id)) / total

    def covered(self, term: str, document_id: str | None = None) -> bool:
        """Whether the document (or any document, when None) uses `term` or a near form of it."""
        vocabulary: Container[str] = (
            self.doc_terms.get(document_id, frozenset()) if document_id is not None else self.df
        )
        if term in vocabulary:
            return True
        candidates = [t for t in self._by_prefix.get(term[:2], ()) if t in vocabulary]
        if len(term) >= 4 and any(_same_word(term, t) for t in candidates):
            return True
        return len(term) >= 5 and bool(difflib.get_close_matches(term, candidates, n=1, cutoff=0.8))


def _same_word(a: str, b: str) -> bool:
    """Two forms of one word: the shorter (four letters at least) starts the longer and is most of it."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 4 and long_.startswith(short) and len(short) >= 0.6 * len(long_)
