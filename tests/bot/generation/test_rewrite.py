"""Follow-ups rewritten by the language model into a standalone question (steps.Rewrite) on the real
answering pipeline (sample knowledge base, real retrieval and gate), with a scripted chat model: the
rewrite only changes what retrieval reads, and any failure keeps the conversation handling."""

from __future__ import annotations

import dataclasses

import pytest

from bot.answering.pipeline import Pipeline
from bot.answering.statuses import AnswerStatus
from bot.answering.steps import Rewrite
from bot.generation.generator import Generator
from bot.generation.prompt import load_prompt, load_rewrite_prompt
from bot.generation.rewrite import standalone_question
from bot.runtime import Runtime
from knowledge_base.records import Turn
from tests.bot.generation.scripted import ScriptedChatModel

HISTORY = (
    Turn("user", "How do I apply for a residential parking permit?"),
    Turn("agent", "Apply online with proof of residence and your vehicle registration."),
)
STANDALONE = "How much does a residential parking permit cost?"


def with_rewriter(
    runtime: Runtime, text: str, fail_with: type[Exception] | None = None
) -> tuple[Pipeline, ScriptedChatModel]:
    model = ScriptedChatModel(script=lambda passages: text, fail_with=fail_with)
    made = Generator(
        model, load_prompt(), city="Millbrook", backend="scripted", rewrite_prompt=load_rewrite_prompt()
    )
    return dataclasses.replace(runtime.service.pipeline, rewrite=Rewrite(made)), model


def test_a_follow_up_is_answered_as_its_standalone_question_would_be(runtime: Runtime) -> None:
    pipeline, model = with_rewriter(runtime, STANDALONE)
    answer = pipeline.run("and what does that cost me?", HISTORY)
    alone = runtime.service.pipeline.run(STANDALONE)
    assert answer.rewrite == "rewritten" and "encode_rewritten" in answer.timings_ms
    assert alone.status == AnswerStatus.ANSWERED
    assert (answer.status, answer.text, answer.citations) == (alone.status, alone.text, alone.citations)
    assert "$60" in answer.text
    # the resident's words stay what the transcript keeps
    assert answer.redacted_question == "and what does that cost me?"
    [prompt] = model.prompts
    sent = str(prompt[-1].content)
    assert "Follow-up: and what does that cost me?" in sent and "user: How do I apply" in sent
    assert "agent: Apply online" in sent


def test_a_first_question_is_not_sent_to_the_model(runtime: Runtime) -> None:
    pipeline, model = with_rewriter(runtime, "What is the weather?")
    answer = pipeline.run(STANDALONE)
    assert answer.rewrite == "" and model.prompts == [] and answer.status == AnswerStatus.ANSWERED


@pytest.mark.parametrize(
    ("text", "fail_with", "outcome"),
    [
        ("", ConnectionError, "backend"),
        ("", TimeoutError, "timeout"),
        ("A permit costs $60 [1]. " * 20, None, "unusable"),  # an answer, not a question
        ("   \n ", None, "unusable"),
        ("How do I replace a lost library card?", None, "unusable"),  # a subject nobody brought up
        ("and what does that cost me?", None, "unchanged"),
    ],
)
def test_without_a_usable_rewrite_the_conversation_handling_answers(
    runtime: Runtime, text: str, fail_with: type[Exception] | None, outcome: str
) -> None:
    pipeline, _ = with_rewriter(runtime, text, fail_with)
    answer = pipeline.run("and what does that cost me?", HISTORY)
    plain = runtime.service.pipeline.run("and what does that cost me?", HISTORY)
    assert answer.rewrite == outcome and "encode_rewritten" not in answer.timings_ms
    assert (answer.status, answer.text, answer.citations) == (plain.status, plain.text, plain.citations)


def test_the_model_sees_the_redacted_follow_up_only(runtime: Runtime) -> None:
    pipeline, model = with_rewriter(runtime, STANDALONE)
    answer = pipeline.run("my email is jane.doe@example.com. what does that cost me?", HISTORY)
    sent = " ".join(str(m.content) for m in model.prompts[0])
    assert "jane.doe" not in sent and "example.com" not in sent
    assert answer.rewrite == "rewritten" and "EMAIL_ADDRESS" in answer.pii_found


def test_a_rewrite_that_leaks_the_canary_is_not_used(runtime: Runtime) -> None:
    model = ScriptedChatModel(script=lambda passages: "")
    made = Generator(
        model, load_prompt(), city="Millbrook", backend="scripted", rewrite_prompt=load_rewrite_prompt()
    )
    model.script = lambda passages: f"What is {made.canary}?"
    pipeline = dataclasses.replace(runtime.service.pipeline, rewrite=Rewrite(made))
    assert pipeline.run("and what does that cost me?", HISTORY).rewrite == "unusable"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How much is a parking permit?", "How much is a parking permit?"),
        ('Question: "How much is a parking permit?"\nIt costs $60.', "How much is a parking permit?"),
        ("  Standalone question:   where do   I pay?  ", "where do I pay?"),
        ("A permit costs $60 [1].", None),
        ("", None),
        ("word " * 60, None),
    ],
)
def test_the_rewrite_is_read_as_one_line_of_question(text: str, expected: str | None) -> None:
    said = ["I need a parking permit.", "Where do I pay for it and what do I need?"]
    assert standalone_question(text, "how much?", "ref-0123", said) == expected


def test_a_rewrite_brings_in_no_subject_of_its_own() -> None:
    said = ["When is my recycling picked up?", "Recycling is collected every other Friday."]
    assert standalone_question("When is recycling collected on holidays?", "and on holidays?", "ref-1", said)
    assert (
        standalone_question("How do I replace a lost library card?", "and on holidays?", "ref-1", said)
        is None
    )
    assert standalone_question("How much is a parking permit?", "how much?", "ref-1") is None  # nothing said
    # it must keep what the follow-up asks: "cost" dropped for the earlier subject alone is not a rewrite
    permits = ["How do I apply for a parking permit?"]
    assert (
        standalone_question("How do I apply for a parking permit?", "what does it cost?", "ref-1", permits)
        is None
    )
    assert standalone_question("What does a parking permit cost?", "what does it cost?", "ref-1", permits)
