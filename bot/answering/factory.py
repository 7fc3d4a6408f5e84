"""Assemble the answering pipeline from plain values and the components it needs."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.answering.composer import ComposerConfig, ExtractiveComposer, load_answer_types
from bot.answering.curated import CuratedIndex
from bot.answering.gate import Gate, GateConfig, load_gate_config
from bot.answering.pipeline import Pipeline
from bot.answering.records import RecordsClient, RecordsLookup
from bot.answering.replies import load_replies, load_routes
from bot.answering.steps import (
    Compose,
    ConfidenceGate,
    Curated,
    Normalise,
    Redact,
    Retrieve,
    Route,
    StatusLookup,
    Step,
    Verify,
)
from bot.privacy import Redactor
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
    composer: ComposerConfig = field(default_factory=ComposerConfig)
    gate: GateConfig = field(default_factory=load_gate_config)


def build_pipeline(
    config: AnsweringConfig,
    redactor: Redactor,
    retriever: Retriever,
    curated: CuratedIndex | None = None,
    records: RecordsClient | None = None,
) -> Pipeline:
    replies = load_replies(config.language)
    steps: list[Step] = [
        Normalise(replies, config.max_message_chars),
        Redact(redactor),
        Route(load_routes(config.language), replies, config.city, config.default_contact),
        StatusLookup(RecordsLookup(records, replies, config.login_url, config.default_contact)),
    ]
    if curated is not None:
        steps.append(Curated(curated, retriever))
    steps += [
        Retrieve(retriever, config.passages),
        Compose(ExtractiveComposer(config.composer, load_answer_types(config.language))),
        Verify(),
        ConfidenceGate(
            Gate(config.gate, replies, config.default_contact, lambda: retriever.snapshot.term_stats)
        ),
    ]
    return Pipeline(steps)
