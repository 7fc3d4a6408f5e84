"""Assemble the answering pipeline from plain values and the components it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.answering.classifier import BinaryClassifier
from bot.answering.composer import ComposerConfig, ExtractiveComposer, load_answer_types, load_quotable
from bot.answering.curated import CuratedIndex, PublishedDocuments
from bot.answering.gate import Gate, GateConfig, load_gate_config
from bot.answering.intent import IntentClassifier, load_intent_config, load_intent_examples
from bot.answering.language import LanguageCheck
from bot.answering.links import LinkPolicy
from bot.answering.manipulation import manipulation_classifier
from bot.answering.pipeline import Pipeline
from bot.answering.places import OtherPlaces
from bot.answering.planted import never_quoted
from bot.answering.records import RecordsClient, RecordsLookup, load_case_types
from bot.answering.replies import load_replies, load_routes
from bot.answering.steps import (
    CheckLinks,
    Compose,
    ConfidenceGate,
    Curated,
    Encode,
    Generate,
    Redact,
    Retrieve,
    Rewrite,
    Route,
    StatusLookup,
    Validate,
    Verify,
)
from bot.generation.generator import Generator
from bot.privacy import Redactor, load_placeholders
from knowledge_base.retriever import Retriever


@dataclass(frozen=True, slots=True)
class AnsweringConfig:
    city: str = "Millbrook"
    default_contact: str = (
        "the city's contact centre: call 311 or visit https://www.millbrook.example/contact"
    )
    login_url: str = ""
    max_message_chars: int = 1000
    passages: int = 5
    language: str = "en"
    allowed_link_hosts: tuple[str, ...] = ("www.millbrook.example",)
    composer: ComposerConfig = field(default_factory=ComposerConfig)
    gate: GateConfig = field(default_factory=load_gate_config)
    generation_passages: int = 3  # passages given to a language model, when one is configured
    generation_min_supported: float = 0.5  # share of its sentences that must verify


def build_intents(retriever: Retriever, language: str = "en") -> IntentClassifier:
    """The status-question classifier, fitted now on the shipped examples (blocking, about a second)."""
    intents = IntentClassifier(
        retriever.embed_examples, load_intent_examples(language), load_intent_config(language)
    )
    intents.warm_up()
    return intents


def build_language_check(language: str = "en") -> LanguageCheck:
    """Which languages are answered; its model loaded now (about half a second)."""
    check = LanguageCheck((language,))
    check.warm_up()
    return check


def other_places(city: str, retriever: Retriever) -> Callable[[str], str | None]:
    """`elsewhere(text)`: the other city a question is about, judged against the documents being
    served (a place they mention is theirs to answer); the gazetteer loaded now (about a second)."""
    places = OtherPlaces(city)
    places.warm_up()
    # the place's own name, not a near form: "Greendale" is not "green"
    return lambda text: places.elsewhere(text, lambda term: term in retriever.snapshot.term_stats.df)


def build_manipulation(retriever: Retriever, language: str = "en") -> BinaryClassifier:
    """The jailbreak and prompt-extraction classifier, fitted now on the shipped examples (blocking)."""
    classifier = manipulation_classifier(retriever.embed_examples, language)
    classifier.warm_up()
    return classifier


def may_quote(links: LinkPolicy, language: str = "en") -> Callable[[str], bool]:
    """Whether the composer may quote a sentence: no link or address off the city's hosts (the link
    policy), no planted instruction or request for data outside the city (`planted.never_quoted`)."""
    planted = never_quoted(language, links.domains)
    return lambda sentence: links.text_allowed(sentence) and not planted(sentence)


def build_pipeline(
    config: AnsweringConfig,
    redactor: Redactor,
    retriever: Retriever,
    curated: CuratedIndex | None = None,
    records: RecordsClient | None = None,
    intents: IntentClassifier | None = None,
    generator: Generator | None = None,
    manipulation: BinaryClassifier | None = None,
) -> Pipeline:
    replies = load_replies(config.language)
    links = LinkPolicy.of(config.allowed_link_hosts)
    placeholders = tuple(sorted(set(load_placeholders().values())))
    lookup = RecordsLookup(
        records,
        replies,
        config.login_url,
        config.default_contact,
        load_case_types(config.language),
        load_routes(config.language),
    )
    composer = ExtractiveComposer(
        config.composer,
        load_answer_types(config.language),
        load_quotable(config.language),
        may_quote(links, config.language),
    )
    gate = Gate(
        config.gate,
        replies,
        config.default_contact,
        lambda: retriever.snapshot.term_stats,
        answer_types=load_answer_types(config.language),
    )
    return Pipeline(
        redact=Redact(redactor, config.max_message_chars, placeholders),
        validate=Validate(replies, config.max_message_chars),
        encode=Encode(retriever),
        route=Route(
            load_routes(config.language),
            replies,
            intents or build_intents(retriever, config.language),
            config.city,
            config.default_contact,
            manipulation or build_manipulation(retriever, config.language),
            build_language_check(config.language),
            other_places(config.city, retriever),
            load_case_types(config.language),
            lambda text: retriever.encode(text, ()),
        ),
        status=StatusLookup(lookup),
        curated=Curated(curated, PublishedDocuments(lambda: retriever.snapshot))
        if curated is not None
        else None,
        retrieve=Retrieve(retriever, config.passages),
        compose=Compose(composer),
        verify=Verify(),
        gate=ConfidenceGate(gate),
        links=CheckLinks(links),
        replies=replies,
        generate=Generate(
            generator,
            config.generation_passages,
            config.generation_min_supported,
            links.text_allowed,
            composer.citation,
        )
        if generator is not None
        else None,
        rewrite=Rewrite(generator)
        if generator is not None and generator.rewrite_prompt is not None
        else None,
    )
