"""The answering steps. Each is a small callable from one typed value to the next (`bot.answering.turn`),
or to a `Reply` that ends the turn:

    redact    TurnRequest     → RedactedMessage            normalise, mask personal data, search text
    validate  RedactedMessage → RedactedMessage | Reply    empty or too long
    encode    RedactedMessage → Query                      embed the question with its conversation
    route     (RedactedMessage, Query) → Routed | Reply    small talk, handoff, abuse, manipulation
                                                           attempts, status questions
    status    Routed          → Reply                      the resident's own cases (records service)
    rewrite   (RedactedMessage, history) → Rewritten       optional: the model makes a follow-up a
                                                           standalone search text (then encoded alone)
    curated   Query           → Reply | None               an editor's pinned answer
    retrieve  Query           → Hits
    compose   Hits            → Draft
    verify    Draft           → VerifiedDraft
    gate      VerifiedDraft   → Reply                      answer, ask which topic, or refuse and route
    generate  (Reply, Hits)   → Reply                      optional: the model rephrases an answered reply,
                                                           each sentence cited and verified, else kept as is
    links     Reply           → Reply                      citation links only to the city's hosts
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.answering.classifier import BinaryClassifier
from bot.answering.composer import ExtractiveComposer
from bot.answering.curated import CuratedIndex, CuratedMatch
from bot.answering.gate import Gate
from bot.answering.intent import IntentClassifier
from bot.answering.language import LanguageCheck
from bot.answering.links import LinkPolicy
from bot.answering.normalise import normalise
from bot.answering.records import CaseType, RecordsLookup, as_ones_own, asked_type, names_a_case
from bot.answering.replies import Replies, RoutePatterns
from bot.answering.search_text import search_text
from bot.answering.statuses import AnswerStatus
from bot.answering.turn import (
    AnswerSentence,
    Draft,
    GenerationNote,
    Hits,
    Intent,
    RedactedMessage,
    Reply,
    Rewritten,
    Routed,
    TurnRequest,
    VerifiedDraft,
)
from bot.answering.verify import supported
from bot.generation.citations import CitedSentence, cited_sentences, says_no_answer
from bot.generation.generator import GenerationError, Generator
from bot.generation.rewrite import rewrite_follow_up
from bot.privacy import Redactor
from knowledge_base.continuity import keeps_subject, load_cues, refers_back
from knowledge_base.records import Citation, RetrievedChunk, Turn
from knowledge_base.retriever import Query, Retriever
from knowledge_base.text import terms

# Intents recognised by patterns over the whole message, in this order (abuse first).
_CANNED: tuple[Intent, ...] = ("abuse", "greeting", "thanks", "handoff", "login_help")


@dataclass(frozen=True)
class Redact:
    """Normalise, then redact: the first thing that happens to every message. A message far over the
    limit is cut before redaction (it will be refused; only its redacted start is recorded)."""

    redactor: Redactor
    max_chars: int
    placeholders: tuple[str, ...]
    name: str = "redact"

    def __call__(self, request: TurnRequest) -> RedactedMessage:
        text = normalise(request.message)
        length = len(text)
        said = [t.text for t in request.history if t.role == "user" and t.text.strip()]
        result = self.redactor.redact(text[: self.max_chars], said[-1] if said else "")
        return RedactedMessage(
            text=result.text,
            search_text=search_text(result.text, self.placeholders),
            pii_found=tuple(sorted({span.entity_type for span in result.spans})),
            normalised_chars=length,
        )


@dataclass(frozen=True)
class Validate:
    replies: Replies
    max_chars: int
    name: str = "validate"

    def __call__(self, message: RedactedMessage) -> RedactedMessage | Reply:
        if message.normalised_chars > self.max_chars:
            return Reply(
                AnswerStatus.REJECTED,
                self.replies.get(
                    "rejected_too_long",
                    length=f"{message.normalised_chars:,}",
                    limit=f"{self.max_chars:,}",
                ),
            )
        if not any(ch.isalnum() for ch in message.text):
            return Reply(AnswerStatus.REJECTED, self.replies.get("rejected_empty"))
        return message


@dataclass(frozen=True)
class Encode:
    """Embed the question (its search text) with the conversation, once for every later step."""

    retriever: Retriever
    name: str = "encode"

    def __call__(self, message: RedactedMessage, history: Sequence[Turn]) -> Query:
        return self.retriever.encode(message.search_text, history)


@dataclass(frozen=True)
class Route:
    """Small talk and handoff by patterns over the whole message; then jailbreak and prompt-extraction
    attempts by a classifier trained on written examples (`bot/answering/data/manipulation/`), before
    anything else reads the message, except that a message in a language that is not answered
    (`language.py`) first gets a reply that says so and offers a person; status questions by a
    classifier trained on labelled paraphrases (`bot/answering/data/intent/`), or by a case reference.
    Both classifiers score the question vector `Encode` computed, so routing costs no model call. A
    question about someone else's case (`others_case`: "can you check my husband's permit") is a status
    question when it would be one about one's own ("can you check my permit", `records.as_ones_own`,
    one more encoding): the classifier, trained on one's own cases, scored it below its threshold, and
    it was answered as a question about the rules; "how do I renew my son's parking permit?" stays one. A
    question about another city ("a dog licence in Vancouver") is told that the city's documents answer
    for the city only (`places.py`)."""

    patterns: RoutePatterns
    replies: Replies
    intents: IntentClassifier
    city: str
    default_contact: str
    manipulation: BinaryClassifier | None = None
    language: LanguageCheck | None = None
    # the other place a question is about ("a dog licence in Vancouver"), or None (`places.py`)
    elsewhere: Callable[[str], str | None] | None = None
    # for a follow-up that goes on from a status question to a kind of case ("what about the parking
    # one?"): the kinds of case (`records.load_case_types`), how to encode the previous question, and
    # how many times likelier a status question is right after one than the classifier's prior
    case_types: tuple[CaseType, ...] = ()
    encode: Callable[[str], Query] | None = None
    after_status_odds: float = 10.0
    name: str = "route"

    def __call__(self, message: RedactedMessage, query: Query, history: Sequence[Turn] = ()) -> Routed:
        text = message.text
        for intent in _CANNED:
            if self.patterns.matches(intent, text):
                return Routed(message, intent)
        if names_a_case(text):  # a case reference: always a status lookup (which shows only one's own)
            return Routed(message, "status")
        if self.language is not None and self.language.other_language(text) is not None:
            # before the manipulation check, which reads any language it was not trained on as odd: a
            # question in Polish is offered a person, not rejected (an attempt in French is answered
            # the same way, and nothing is quoted)
            return Routed(message, "other_language")
        if self.manipulation is not None:
            flagged, p = self.manipulation.flags(message.search_text, query.question_vector)
            if flagged:
                return Routed(message, "manipulation", p)
        # the text as searched, misspelt words respelled (`Query.question`), as its vector was embedded
        probability = self.intents.status_probability(query.question, query.question_vector)
        status = probability if probability >= self.intents.threshold else self._as_ones_own(text)
        if status >= self.intents.threshold and not self._narrows_a_question(query, history):
            return Routed(message, "status", status)
        after = self._after_status(text, probability, history)
        if after >= self.intents.threshold:
            return Routed(message, "status", after)
        place = self.elsewhere(text) if self.elsewhere is not None else None
        if place is not None:
            return Routed(message, "other_place", place=place)
        return Routed(message, "question", 1.0 - probability)

    def _as_ones_own(self, text: str) -> float:
        """The status probability of a question about someone else's case (`others_case`) read as one
        about one's own ("can you check my husband's permit" as "can you check my permit"); 0 for any
        other message."""
        if self.encode is None or not self.patterns.matches("others_case", text):
            return 0.0
        own = self.encode(as_ones_own(text, self.patterns))
        return self.intents.status_probability(own.question, own.question_vector)

    def _narrows_a_question(self, query: Query, history: Sequence[Turn]) -> bool:
        """Whether the message narrows the last question with a preposition ("and for my contractor?",
        `keeps_subject`) and that question was about the rules: it asks the same again for someone
        else, not about a case of one's own ("how many visitor passes can I buy?", "and for my
        contractor?" got the login prompt)."""
        if self.encode is None or not keeps_subject(
            query.question, query.question_terms, query.history_terms, load_cues()
        ):
            return False
        previous = _previous_question(history)
        if not previous or names_a_case(previous):
            return False
        before = self.encode(previous)
        return (
            self.intents.status_probability(before.question, before.question_vector) < self.intents.threshold
        )

    def _after_status(self, text: str, probability: float, history: Sequence[Turn]) -> float:
        """The status probability of a follow-up that goes on from a status question to a kind of case
        ("what about the parking one?", "and the benefit?" after "any news on my applications?"): on
        its own the classifier reads it as a question about parking, but right after a status question
        a status question is `after_status_odds` times likelier. 0 for any other message: one that
        does not refer back, names no kind of case, or follows something else ("and how much is a
        parking permit?" stays a question about the rules: its own odds are too low). A follow-up that
        names nothing at all ("and the other one?", "the second one?") can only be about the cases
        just discussed, and so can one that names a kind with "one" standing for the case ("whats the
        waste one about", "the parking ones"): after a status question it is one (1.0)."""
        if self.encode is None:
            return 0.0
        cues = load_cues()
        names_nothing = not (set(terms(text)) - cues.generic)
        if asked_type(text, self.case_types) is None and not names_nothing:
            return 0.0
        if not refers_back(text, cues):
            return 0.0
        previous = _previous_question(history)
        if not previous:
            return 0.0
        if not names_a_case(previous):
            before = self.encode(previous)
            was = self.intents.status_probability(before.question, before.question_vector)
            if was < self.intents.threshold:
                return 0.0
        if names_nothing or self.patterns.matches("one_of_them", text):
            return 1.0
        odds = self.after_status_odds * probability / max(1e-9, 1.0 - probability)
        return odds / (1.0 + odds)

    def unsure(self, routed: Routed) -> bool:
        """Whether a message routed as a status question may be a question about the rules after all
        (the classifier's probability is below its `sure` level; a case reference is always sure)."""
        return routed.intent == "status" and routed.intent_confidence < self.intents.config.sure

    def canned(self, routed: Routed) -> Reply | None:
        """The fixed reply of small talk, abuse and handoff requests; None for questions."""
        match routed.intent:
            case "abuse":
                return Reply(AnswerStatus.REJECTED, self.replies.get("rejected_abuse"))
            case "manipulation":
                return Reply(AnswerStatus.REJECTED, self.replies.get("rejected_manipulation"))
            case "other_language":
                return Reply(
                    AnswerStatus.NO_ANSWER, self.replies.get("other_language", contact=self.default_contact)
                )
            case "other_place":
                text = self.replies.get(
                    "other_place", city=self.city, place=routed.place, contact=self.default_contact
                )
                return Reply(AnswerStatus.NO_ANSWER, text)
            case "greeting":
                return Reply(AnswerStatus.ANSWERED, self.replies.get("greeting", city=self.city))
            case "thanks":
                if self.patterns.matches("goodbye", routed.message.text):
                    return Reply(AnswerStatus.ANSWERED, self.replies.get("goodbye", city=self.city))
                if self.patterns.matches("acknowledgement", routed.message.text):
                    return Reply(AnswerStatus.ANSWERED, self.replies.get("acknowledgement"))
                return Reply(AnswerStatus.ANSWERED, self.replies.get("thanks"))
            case "login_help":
                return Reply(
                    AnswerStatus.ANSWERED,
                    self.replies.get("login_help", city=self.city, contact=self.default_contact),
                )
            case "handoff":
                return Reply(AnswerStatus.HANDOFF, self.replies.get("handoff", contact=self.default_contact))
        return None


def _previous_question(history: Sequence[Turn]) -> str:
    return next((t.text for t in reversed(history) if t.role == "user" and t.text.strip()), "")


@dataclass(frozen=True)
class StatusLookup:
    lookup: RecordsLookup
    name: str = "status"

    def __call__(self, routed: Routed, access_token: str | None, client_address: str | None) -> Reply:
        return self.lookup.answer(routed.message.text, access_token, client_address)


@dataclass(frozen=True)
class Curated:
    """An editor's pinned answer, unless a document it cites is no longer published (`published`:
    document id -> version being served; without it every curated answer is served)."""

    index: CuratedIndex
    published: Callable[[], Mapping[str, int]] | None = None
    name: str = "curated"

    def match(self, query: Query) -> CuratedMatch | None:
        return self.index.match(query.question_vector, self.published() if self.published else None)

    def __call__(self, query: Query) -> Reply | None:
        match = self.match(query)
        if match is None:
            return None
        return Reply(
            AnswerStatus.CURATED,
            match.answer,
            sentences=(AnswerSentence(match.answer, 0 if match.citations else -1),),
            citations=match.citations,
            confidence=match.similarity,
            curated_id=match.curated_id,
        )


@dataclass(frozen=True)
class Retrieve:
    retriever: Retriever
    k: int = 5
    name: str = "retrieve"

    def __call__(self, query: Query, history: Sequence[Turn]) -> Hits:
        found = self.retriever.search_detailed(query, k=self.k)
        return Hits(
            query,
            found.chunks,
            tuple(history),
            found.question_best,
            found.question_by_document,
            found.question_sentence_best,
            found.changed_subject,
        )


@dataclass(frozen=True)
class Compose:
    composer: ExtractiveComposer
    name: str = "compose"

    def __call__(self, hits: Hits) -> Draft:
        citations: list[Citation] = []
        sentences: list[AnswerSentence] = []
        for picked in self.composer.compose(hits.query.question, list(hits.chunks)):
            citation = self.composer.citation(picked.hit)
            if citation not in citations:
                citations.append(citation)
            sentences.append(
                AnswerSentence(picked.sentence.text, citations.index(citation), picked.list_item)
            )
        return Draft(hits, tuple(sentences), tuple(citations))


@dataclass(frozen=True)
class Verify:
    name: str = "verify"

    def __call__(self, draft: Draft) -> VerifiedDraft:
        kept = [s for s in draft.sentences if supported(s.text, draft.citations[s.citation].quote)]
        used = sorted({s.citation for s in kept})
        return VerifiedDraft(
            hits=draft.hits,
            sentences=tuple(replace(s, citation=used.index(s.citation)) for s in kept),
            citations=tuple(draft.citations[i] for i in used),
            dropped=len(draft.sentences) - len(kept),
        )


@dataclass(frozen=True)
class ConfidenceGate:
    gate: Gate
    name: str = "gate"

    def __call__(self, draft: VerifiedDraft) -> Reply:
        return self.gate.decide(draft)


@dataclass(frozen=True)
class Rewrite:
    """A follow-up rewritten into a standalone question by the language model, for retrieval only (when
    one is configured and ASKCITY_LLM_REWRITE is on): "how much is it?" after parking permits becomes
    "how much is a residential parking permit?". The model sees the redacted question and conversation;
    its text replaces only the search text, so routing, the transcript and the resident's view keep the
    resident's words. Any failure keeps the retriever's own conversation handling."""

    generator: Generator
    name: str = "rewrite"

    def __call__(self, message: RedactedMessage, history: Sequence[Turn], session: str = "") -> Rewritten:
        text, outcome = rewrite_follow_up(self.generator, message.search_text, history, session)
        return Rewritten(replace(message, search_text=text) if text is not None else None, outcome)


@dataclass(frozen=True)
class Generate:
    """The generative composer, after the gate: only a reply the extractive pipeline already answered
    is rephrased, so answerability stays the calibrated gate's decision and a refusal costs no tokens.

    The model gets the reply's cited passages first, then the next best hits (`passages` in all), and
    the redacted question and history. Each sentence it writes must cite a passage it was given and be
    supported by that passage (`verify.supported`, the check the extractive path uses); the others are
    removed. If fewer than `min_supported` of its sentences remain, or the model fails, times out,
    is busy, over budget, finds no answer or leaks the prompt's canary, the extractive reply stands and
    the note says why."""

    generator: Generator
    passages: int = 3
    min_supported: float = 0.5
    text_allowed: Callable[[str], bool] = lambda text: True  # the links policy (streamed sentences)
    # a passage's citation as given to the model: the composer's, whose quote leaves out the sentences
    # never quoted (planted instructions, requests for personal data)
    cite: Callable[[RetrievedChunk], Citation] = RetrievedChunk.citation
    name: str = "generate"

    def __call__(self, reply: Reply, hits: Hits, session: str = "", emit: Emit | None = None) -> Reply:
        if reply.status != AnswerStatus.ANSWERED or not reply.citations:
            return reply
        given = self._passages(reply, hits)
        note = GenerationNote(self.generator.backend, "", self.generator.prompt.version)
        live = _LiveSentences(given, emit, self.text_allowed) if emit is not None else None
        try:
            generated = self.generator.generate(
                hits.query.question, given, hits.history, session, live.update if live else None
            )
        except GenerationError as exc:
            return replace(reply, generation=replace(note, outcome=exc.reason))
        note = replace(
            note, tokens_in=generated.tokens_in, tokens_out=generated.tokens_out, seconds=generated.seconds
        )
        if generated.canary_leaked:
            return replace(reply, generation=replace(note, outcome="canary"))
        read = cited_sentences(generated.text)
        if says_no_answer(generated.text) and not any(s.passages for s in read):
            return replace(reply, generation=replace(note, outcome="no_answer"))
        citations: list[Citation] = []
        sentences = [s for s in (_verified(sentence, given, citations) for sentence in read) if s is not None]
        note = replace(note, sentences=len(read), dropped=len(read) - len(sentences))
        if not sentences or len(sentences) < self.min_supported * len(read):
            return replace(reply, generation=replace(note, outcome="unsupported"))
        return replace(
            reply,
            text=" ".join(s.text for s in sentences),
            sentences=tuple(sentences),
            citations=tuple(citations),
            composer="generative",
            generation=replace(note, outcome="generated"),
        )

    def _passages(self, reply: Reply, hits: Hits) -> tuple[Citation, ...]:
        """The reply's own citations' chunks first, then the other hits, each passage once."""
        chunks = {(c.document_id, c.start): self.cite(c) for c in hits.chunks}
        keys = [(c.document_id, c.start) for c in reply.citations]
        cited = [chunks.get(key, c) for key, c in zip(keys, reply.citations, strict=True)]
        seen = set(keys)
        rest = [c for key, c in chunks.items() if key not in seen]
        return tuple((cited + rest)[: self.passages])


Emit = Callable[[Mapping[str, object]], None]


def _verified(
    sentence: CitedSentence, given: Sequence[Citation], citations: list[Citation]
) -> AnswerSentence | None:
    """The sentence citing the first passage it names that supports it (added to `citations`), or None."""
    source = next(
        (
            given[n - 1]
            for n in sentence.passages
            if 0 < n <= len(given) and supported(sentence.text, given[n - 1].quote)
        ),
        None,
    )
    if source is None:
        return None
    if source not in citations:
        citations.append(source)
    return AnswerSentence(sentence.text, citations.index(source))


class _LiveSentences:
    """Streaming: each sentence of the text so far that is complete (its citation marker is written)
    and verifies is emitted once, as `{"index", "text", "citation"}`, in the order and with the
    citation numbers the finished answer will have if it is kept. The finished turn's `done` event is
    what counts: a widget replaces what it showed with it (the extractive answer, when too little
    verified)."""

    def __init__(self, given: Sequence[Citation], emit: Emit, allowed: Callable[[str], bool]) -> None:
        self.given = given
        self.emit = emit
        self.allowed = allowed
        self.citations: list[Citation] = []
        self.seen = 0
        self.shown = 0

    def update(self, text: str) -> None:
        # complete: its citation marker has been written (what follows the last marker may still grow)
        complete = [sentence for sentence in cited_sentences(text) if sentence.passages]
        for sentence in complete[self.seen :]:
            kept = _verified(sentence, self.given, self.citations)
            if kept is not None and self.allowed(kept.text):
                self.emit(
                    {"index": self.shown, "text": kept.text, "citation": kept.citation, "list_item": False}
                )
                self.shown += 1
        self.seen = max(self.seen, len(complete))


@dataclass(frozen=True)
class CheckLinks:
    """Citation links and any link or address in a reply must point to the city's own hosts."""

    policy: LinkPolicy
    name: str = "links"

    def __call__(self, reply: Reply) -> Reply:
        return self.policy.check(reply)
