"""The extractive composer: verbatim sentences from the retrieved passages, each with its citation.

No language model: sentences are scored against the question, the best one is chosen, and its
neighbours in the same passage are added while they still look relevant and the answer stays short.
Redundant sentences (too similar to one already chosen) are skipped. A sentence holding the kind of
answer the question asks for (an amount for "how much", a date for "when": `data/answer_types.*.yml`)
gets a small bonus, and so does a passage whose own section heading matches the question. For a
kind whose sentences are told apart surely (a duration: a number with its unit), a sentence holding
it is preferred over a better-scoring one that holds nothing the question asks for:
"how long does a building permit take?" gets "usually take 20 business days", not the definition of a
building permit, which matched its words better (and won or lost on a trailing "?").

Lists are answered as lists: an item is shown with the sentence that leads into it ("Fees for the
permit year are:"), and when the question asks for costs, documents or steps, a short list of them is
shown whole, even when another sentence of the passage matches the question better ("How much does a
dog licence cost?" gets the fees, not only "licences bought after July 1 cost half"). An answer never
ends on a lead-in without its list. Sentences that only describe the page ("This page explains ...")
score lower, and a sentence asking residents to send personal data, passwords or payments, or pointing
outside the city's hosts, is never quoted (`data/quotable.*.yml`, `links.LinkPolicy`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge_base.continuity import load_cues
from knowledge_base.records import Citation, RetrievedChunk, Sentence
from knowledge_base.text import is_list_item, terms, words

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class ComposerConfig:
    passages: int = 2  # how many top passages sentences are taken from
    max_sentences: int = 3
    max_chars: int = 250
    lexical_weight: float = 0.6
    question_weight: float = 0.3  # weight of the similarity to the question alone (vs. with conversation)
    rank_weight: float = 0.6
    keep_ratio: float = 0.3  # a neighbour is kept when its score is at least this share of the best
    redundancy: float = 0.8  # word-overlap ratio above which a sentence repeats one already chosen
    min_words: int = 3
    forward_bonus: float = 0.0  # preference for continuing after the best sentence (reading order)
    answer_type_weight: float = 0.2  # bonus for a sentence holding the kind of answer the question wants
    # kinds of answer (`data/answer_types.*.yml` keys) a sentence holding which is preferred over a
    # better-scoring one holding nothing asked for, when it scores at least `preferred_floor` of it.
    # Not "amount": a cost question's list of fees is chosen by its own rules (`_asked_list`), which
    # keep the best sentence beside it ("licences bought after July 1 cost half")
    preferred_kinds: tuple[str, ...] = ("duration",)
    preferred_floor: float = 0.8
    heading_weight: float = 0.4  # bonus x share of the question's terms in the passage's own heading
    signpost_penalty: float = 0.3  # "This page explains ..." is about the page, not an answer
    max_list_items: int = 8  # a list asked for as a whole is shown whole up to this many items ...
    max_list_chars: int = 520  # ... and characters (lead-in included)
    list_passages: int = 3  # a list asked for is looked for in this many top passages
    antecedent: bool = True  # a quote opening on a pronoun ("It is required ...") gets the sentence before


@dataclass(frozen=True, slots=True)
class Picked:
    hit: RetrievedChunk
    sentence: Sentence
    score: float
    list_item: bool = False


@dataclass(frozen=True, slots=True)
class AnswerType:
    name: str  # its key in the data file ("duration")
    question: re.Pattern[str]
    answer: re.Pattern[str]
    whole_list: bool = False  # a question of this type is answered with a whole (short) list
    # a sentence that also matches this holds another kind of thing unless the question asks for it
    # too: "how much is the tree permit?" asks for the fee, not the $5,000 fine for cutting without one
    unless: re.Pattern[str] | None = None

    def holds(self, sentence: str, question: str) -> bool:
        """Whether `sentence` holds what a question of this type asks for."""
        if not self.answer.search(sentence):
            return False
        unless = self.unless
        return unless is None or not unless.search(sentence) or bool(unless.search(question))


AnswerTypes = tuple[AnswerType, ...]


@dataclass(frozen=True, slots=True)
class Quotable:
    """Which sentences are never quoted and which are signposts (list items: `text.is_list_item`, the
    same test the chunker keeps lists whole with)."""

    send: re.Pattern[str]
    sensitive: re.Pattern[str]
    in_chat: re.Pattern[str]
    payment_scams: re.Pattern[str]
    signpost: re.Pattern[str]

    def never_quote(self, sentence: str) -> bool:
        asks = self.send.search(sentence) or self.in_chat.search(sentence)
        return bool((asks and self.sensitive.search(sentence)) or self.payment_scams.search(sentence))


@lru_cache
def load_answer_types(language: str = "en") -> AnswerTypes:
    """Answer types from `data/answer_types.<language>.yml`."""
    raw = yaml.safe_load((DATA / f"answer_types.{language}.yml").read_text(encoding="utf-8")) or {}
    return tuple(
        AnswerType(
            str(k),
            re.compile(v["question"], re.IGNORECASE),
            re.compile(v["answer"], re.IGNORECASE),
            bool(v.get("whole_list", False)),
            re.compile(v["unless"], re.IGNORECASE) if v.get("unless") else None,
        )
        for k, v in raw.items()
    )


@lru_cache
def load_quotable(language: str = "en") -> Quotable:
    raw = yaml.safe_load((DATA / f"quotable.{language}.yml").read_text(encoding="utf-8"))
    never = raw["never_quote"]
    return Quotable(
        send=re.compile(never["send"], re.IGNORECASE),
        sensitive=re.compile(never["sensitive"], re.IGNORECASE),
        in_chat=re.compile(never["in_chat"], re.IGNORECASE),
        payment_scams=re.compile(never["payment_scams"], re.IGNORECASE),
        signpost=re.compile(raw["signpost"], re.IGNORECASE),
    )


def _overlap(question_terms: set[str], sentence: str) -> float:
    if not question_terms:
        return 0.0
    return len(question_terms & set(terms(sentence))) / len(question_terms)


_SPACES = re.compile(r"[ \t]{2,}")
_BLANK_LINES = re.compile(r"\s*\n\s*\n\s*")


def _similar(a: str, b: str) -> float:
    ta, tb = set(terms(a)), set(terms(b))
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


def _mostly_of(texts: list[str], kinds: list[AnswerType]) -> bool:
    """Whether most of a list's items hold the kind of answer one of `kinds` asks for."""
    return any(sum(bool(t.answer.search(x)) for x in texts) * 2 > len(texts) for t in kinds)


def _heading(hit: RetrievedChunk) -> str:
    """The passage's own heading: its deepest section (none for the document's opening passage)."""
    return hit.section_path[-1] if hit.section_path else ""


class ExtractiveComposer:
    def __init__(
        self,
        config: ComposerConfig | None = None,
        answer_types: AnswerTypes = (),
        quotable: Quotable | None = None,
        allowed: Callable[[str], bool] | None = None,
    ) -> None:
        """`allowed(sentence)` may veto a sentence (the link policy: links only to the city's hosts)."""
        self.config = config or ComposerConfig()
        self.answer_types = answer_types
        self.quotable = quotable or load_quotable()
        self.allowed = allowed

    def quotable_sentence(self, text: str) -> bool:
        if self.quotable.never_quote(text):
            return False
        return self.allowed is None or self.allowed(text)

    def citation(self, hit: RetrievedChunk) -> Citation:
        """The passage's citation, its quote without the sentences that may not be quoted: the quote
        is shown to residents and agents (and read by a language model) as much as the answer is, so
        a planted or phishing sentence the answer leaves out must not come back through it."""
        citation = hit.citation()
        dropped = [s for s in hit.sentences if not self.quotable_sentence(s.text)]
        if not dropped:
            return citation
        quote = hit.text
        for sentence in sorted(dropped, key=lambda s: -s.start):
            start, end = sentence.start - hit.start, sentence.end - hit.start
            if 0 <= start <= end <= len(quote):
                quote = quote[:start] + quote[end:]
        quote = _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", quote)).strip()
        return citation.model_copy(update={"quote": quote})

    def compose(
        self,
        question: str,
        hits: list[RetrievedChunk],
        skip: frozenset[tuple[str, int]] = frozenset(),
    ) -> list[Picked]:
        """The answer's sentences from `hits`. Sentences in `skip` (document id, start offset: already
        quoted) are left out, and a window does not grow across them."""
        cfg = self.config
        if not hits:
            return []
        question_terms = set(terms(question))
        types = [t for t in self.answer_types if t.question.search(question)]
        list_types = [t for t in types if t.whole_list]
        top_score = max(h.score for h in hits[: cfg.passages]) or 1.0
        scored: list[tuple[float, int, int]] = []
        holds: dict[tuple[int, int], set[str]] = {}  # per sentence scored: the kinds asked for it holds
        # which sentences may be quoted, per passage read (those scored, and those a list is looked for in)
        allowed_in = [self._allowed(h, skip) for h in hits[: max(cfg.passages, cfg.list_passages)]]
        for h_index, hit in enumerate(hits[: cfg.passages]):
            prior = cfg.rank_weight * (hit.score / top_score)
            prior += cfg.heading_weight * _overlap(question_terms, _heading(hit))
            for s_index, sentence in enumerate(hit.sentences):
                if not allowed_in[h_index][s_index] or len(sentence.text.split()) < cfg.min_words:
                    continue
                score = (
                    (1 - cfg.question_weight) * sentence.similarity
                    + cfg.question_weight * sentence.question_similarity
                    + cfg.lexical_weight * _overlap(question_terms, sentence.text)
                    + prior
                )
                held = {t.name for t in types if t.holds(sentence.text, question)}
                if held:
                    score += cfg.answer_type_weight
                    holds[h_index, s_index] = held
                if self.quotable.signpost.search(sentence.text):
                    score -= cfg.signpost_penalty
                scored.append((score, h_index, s_index))
        if not scored:
            return []
        best_score, h_index, s_index = self._best(scored, holds, [h.document_id for h in hits])
        hit = hits[h_index]
        by_position = {s: sc for sc, h, s in scored if h == h_index}
        items = self._items(hit)
        allowed = allowed_in[h_index]
        chosen = self._list_answer(hit, s_index, items, allowed, by_position, list_types)
        if chosen is None:
            chosen = self._asked_list(hit, s_index, items, allowed, by_position, list_types)
        if chosen is None and list_types:
            # the list asked for (the fees of "how much is a dog licence?") may be in another top
            # passage of the same page than the best single sentence ("License your dog online ..."):
            # the first that has it
            for other in range(min(cfg.list_passages, len(hits))):
                if other == h_index or hits[other].document_id != hit.document_id:
                    continue  # from the page the answer is on: another page's fees answer another question
                o_items = self._items(hits[other])
                o_scores = {s: sc for sc, h, s in scored if h == other}
                listed = self._asked_list(hits[other], -1, o_items, allowed_in[other], o_scores, list_types)
                if listed is not None:
                    hit, items, by_position, chosen = hits[other], o_items, o_scores, listed
                    break
        if chosen is None:
            chosen = self._window(hit, s_index, best_score, by_position, items)
            chosen = self._close_lead_in(hit, chosen, s_index, items, allowed, by_position, list_types)
            if cfg.antecedent:
                chosen = self._with_antecedent(hit, chosen, items, allowed)
        picked = [
            Picked(hit, hit.sentences[i], by_position.get(i, best_score), items[i]) for i in sorted(chosen)
        ]
        return picked

    def _best(
        self,
        scored: list[tuple[float, int, int]],
        holds: dict[tuple[int, int], set[str]],
        documents: Sequence[str],
    ) -> tuple[float, int, int]:
        """The best-scoring sentence; but when it holds nothing the question asks for, the best one of
        the same document holding a preferred kind (a duration for "how long") that scores at least
        `preferred_floor` of it: the other matched the question's words, not what it asks. Never
        another document's: "how long does it take?" after a business-licence question got a building
        permit's 20 business days."""
        best = max(scored)
        if holds.get((best[1], best[2])):
            return best
        preferred, floor = set(self.config.preferred_kinds), self.config.preferred_floor * best[0]
        holding = [
            s
            for s in scored
            if holds.get((s[1], s[2]), set()) & preferred
            and s[0] >= floor
            and documents[s[1]] == documents[best[1]]
        ]
        return max(holding) if holding else best

    def _allowed(self, hit: RetrievedChunk, skip: frozenset[tuple[str, int]]) -> list[bool]:
        """Per sentence of the passage: not already quoted (`skip`) and quotable."""
        return [
            (hit.document_id, s.start) not in skip and self.quotable_sentence(s.text) for s in hit.sentences
        ]

    def _items(self, hit: RetrievedChunk) -> list[bool]:
        """Per sentence of the passage: a list item."""
        return [is_list_item(s.text) for s in hit.sentences]

    def _list_answer(
        self,
        hit: RetrievedChunk,
        best: int,
        items: list[bool],
        allowed: list[bool],
        scores: dict[int, float],
        list_types: list[AnswerType],
    ) -> set[int] | None:
        """Sentences for an answer from a list: the lead-in and the best item, or the whole list when it
        is short and either the question asks for that kind of list (costs, documents, steps) and most
        of its items are of that kind, or the best sentence is the lead-in itself ("You will need:"):
        what a lead-in announces is the list, and part of it would read as all of it. None when the best
        sentence is not about a list."""
        cfg = self.config
        n = len(items)
        if items[best]:
            first = best
        elif best + 1 < n and items[best + 1] and hit.sentences[best].text.rstrip().endswith(":"):
            first = best + 1  # the best sentence leads into a list
        else:
            return None
        while first > 0 and items[first - 1]:
            first -= 1
        last = first
        while last + 1 < n and items[last + 1]:
            last += 1
        lead = first - 1 if first > 0 and allowed[first - 1] else None
        run = [i for i in range(first, last + 1) if allowed[i]]
        if not run:
            return None
        lead_chars = len(hit.sentences[lead].text) if lead is not None else 0
        run_chars = sum(len(hit.sentences[i].text) for i in run)
        texts = [hit.sentences[i].text for i in run]
        if (
            (_mostly_of(texts, list_types) or not items[best] or lead is not None)
            and len(run) <= cfg.max_list_items
            and lead_chars + run_chars <= cfg.max_list_chars
        ):
            chosen = set(run)
        else:
            # the best items, in document order, as many as fit
            ranked = sorted(run, key=lambda i: -scores.get(i, 0.0))
            chosen = set()
            chars = lead_chars
            best_item = best if items[best] else ranked[0]
            for i in [best_item, *ranked]:
                if i in chosen:
                    continue
                if chosen and (
                    len(chosen) >= cfg.max_sentences - (lead is not None)
                    or chars + len(hit.sentences[i].text) > cfg.max_chars
                    or scores.get(i, 0.0) < cfg.keep_ratio * scores.get(best_item, 0.0)
                ):
                    break
                chosen.add(i)
                chars += len(hit.sentences[i].text)
        if lead is not None:
            chosen.add(lead)
        return chosen

    def _asked_list(
        self,
        hit: RetrievedChunk,
        best: int,
        items: list[bool],
        allowed: list[bool],
        scores: dict[int, float],
        list_types: list[AnswerType],
    ) -> set[int] | None:
        """A question asking for costs, documents or steps, answered from a passage that lists them
        ("The annual fees are: - Spayed or neutered dog: $25 ..."), gets that list whole, with the best
        sentence when it fits, even when the best single sentence is outside the list. None when the
        passage has no such list (or the list is too long to show whole)."""
        cfg = self.config
        if not list_types:
            return None
        i, n = 0, len(items)
        while i < n:
            if not items[i]:
                i += 1
                continue
            last = i
            while last + 1 < n and items[last + 1]:
                last += 1
            texts = [hit.sentences[j].text for j in range(i, last + 1) if allowed[j]]
            if _mostly_of(texts, list_types):
                listed = self._list_answer(hit, i, items, allowed, scores, list_types)
                if listed is None or not listed >= {j for j in range(i, last + 1) if allowed[j]}:
                    return None  # too long to show whole: the usual answer instead
                chars = sum(len(hit.sentences[j].text) for j in listed)
                if best >= 0 and chars + len(hit.sentences[best].text) <= cfg.max_list_chars:
                    listed.add(best)  # (best < 0: the best sentence is in another passage)
                return listed
            i = last + 1
        return None

    def _close_lead_in(
        self,
        hit: RetrievedChunk,
        window: set[int],
        best: int,
        items: list[bool],
        allowed: list[bool],
        scores: dict[int, float],
        list_types: list[AnswerType],
    ) -> set[int]:
        """A window never ends on a sentence that leads into a list ("The tax is paid in two equal
        instalments:", or a table's header row "Charge | 2026 rate"): the list follows it, as a list
        answer would show it, or, when its items are not there to show (another passage, never
        quoted), the lead-in is left out."""
        last = max(window)
        if last == best or not _leads_in(hit, last, items):
            return window
        listed = self._list_answer(hit, last, items, allowed, scores, list_types)
        if listed is None:
            return window - {last}
        return window | listed

    def _with_antecedent(
        self, hit: RetrievedChunk, chosen: set[int], items: list[bool], allowed: list[bool]
    ) -> set[int]:
        """A quote does not open on a pronoun that points at a sentence it leaves out ("It is required
        for passports." names no certificate; "They must be renewed ..." no licence): the sentence
        before it in the passage comes too. The pronouns are those a follow-up points back with
        (`knowledge_base/data/continuity.<language>.yml`), less an opening "there" ("There is no fee")."""
        first = min(chosen)
        if first == 0 or items[first] or items[first - 1] or not allowed[first - 1]:
            return chosen
        opening = words(hit.sentences[first].text)[:1]
        if not opening or opening[0] == "there" or opening[0] not in load_cues().pointing:
            return chosen
        return chosen | {first - 1}

    def _window(
        self,
        hit: RetrievedChunk,
        s_index: int,
        best_score: float,
        by_position: dict[int, float],
        items: list[bool],
    ) -> set[int]:
        """A contiguous window around the best sentence, grown towards the better-scoring neighbour."""
        cfg = self.config
        first = last = s_index
        chars = len(hit.sentences[s_index].text)
        while last - first + 1 < cfg.max_sentences:
            options = []
            for index in (last + 1, first - 1):
                neighbour = by_position.get(index)
                if neighbour is None or neighbour < cfg.keep_ratio * best_score or items[index]:
                    continue
                text = hit.sentences[index].text
                if chars + len(text) > cfg.max_chars:
                    continue
                if any(
                    _similar(hit.sentences[i].text, text) > cfg.redundancy for i in range(first, last + 1)
                ):
                    continue
                options.append((neighbour + (cfg.forward_bonus if index > last else 0.0), index))
            if not options:
                break
            _, index = max(options)
            first, last = min(first, index), max(last, index)
            chars += len(hit.sentences[index].text)
        return set(range(first, last + 1))


def _leads_in(hit: RetrievedChunk, index: int, items: list[bool]) -> bool:
    """A sentence that announces a list: it ends with a colon, or it is no item and items follow it
    (a table's header row above its rows)."""
    if hit.sentences[index].text.rstrip().endswith(":"):
        return True
    return not items[index] and index + 1 < len(items) and items[index + 1]
