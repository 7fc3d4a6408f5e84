"""The generative step on the real answering pipeline (sample knowledge base, real retrieval, gate and
verifier), with a scripted chat model: what reaches residents is only what the passages support."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from limits.storage import MemoryStorage

from bot.answering.pipeline import Pipeline
from bot.answering.statuses import AnswerStatus
from bot.answering.steps import Generate
from bot.answering.verify import supported
from bot.generation.generator import Generator, TokenBudget
from bot.generation.prompt import load_prompt
from bot.runtime import Runtime
from knowledge_base.records import Turn
from tests.bot.generation.scripted import Script, ScriptedChatModel, first_sentence

QUESTION = "How much does a residential parking permit cost?"


def with_model(
    runtime: Runtime, script: Script, min_supported: float = 0.5, **generator: object
) -> tuple[Pipeline, ScriptedChatModel, Generator]:
    model = ScriptedChatModel(script=script)
    made = Generator(model, load_prompt(), city="Millbrook", backend="scripted", **generator)  # type: ignore[arg-type]
    pipeline = dataclasses.replace(
        runtime.service.pipeline, generate=Generate(made, passages=3, min_supported=min_supported)
    )
    return pipeline, model, made


def plain(runtime: Runtime, question: str = QUESTION):  # type: ignore[no-untyped-def]
    return runtime.service.pipeline.run(question)


def test_a_copied_and_cited_sentence_is_kept_and_an_invented_one_removed(runtime: Runtime) -> None:
    pipeline, model, _ = with_model(
        runtime,
        lambda passages: f"{first_sentence(passages[1])} [1] Permits are free for everyone in July [1].",
    )
    answer = pipeline.run(QUESTION)
    assert answer.status == AnswerStatus.ANSWERED
    assert answer.composer == "generative"
    assert answer.generation is not None
    assert (answer.generation.outcome, answer.generation.sentences, answer.generation.dropped) == (
        "generated",
        2,
        1,
    )
    assert len(answer.sentences) == 1 and "free for everyone" not in answer.text
    for sentence in answer.sentences:
        assert supported(sentence.text, answer.citations[sentence.citation].quote)
    assert answer.generation.tokens_in == 100 and answer.generation.tokens_out == 10
    assert "generate" in answer.timings_ms
    assert len(model.prompts) == 1


@pytest.mark.parametrize(
    ("script", "outcome"),
    [
        (lambda p: "Permits cost $999 and are issued by the Mayor personally [1].", "unsupported"),
        (lambda p: f"{first_sentence(p[1])}", "unsupported"),  # no citation at all
        (lambda p: f"{first_sentence(p[1])} [9]", "unsupported"),  # a passage it was not given
        (lambda p: "NO_ANSWER", "no_answer"),
    ],
)
def test_an_unsupported_answer_keeps_the_extractive_reply(
    runtime: Runtime, script: Script, outcome: str
) -> None:
    expected = plain(runtime)
    pipeline, _, _ = with_model(runtime, script)
    answer = pipeline.run(QUESTION)
    assert answer.composer == "extractive"
    assert answer.generation is not None and answer.generation.outcome == outcome
    assert (answer.status, answer.text, answer.citations) == (
        expected.status,
        expected.text,
        expected.citations,
    )


def test_more_unsupported_than_supported_sentences_falls_back(runtime: Runtime) -> None:
    pipeline, _, _ = with_model(
        runtime,
        lambda p: f"{first_sentence(p[1])} [1] It costs $1 [1]. Call the Mayor on 555-0100 [2].",
        min_supported=0.5,
    )
    answer = pipeline.run(QUESTION)
    assert answer.composer == "extractive"
    assert answer.generation is not None
    assert (answer.generation.outcome, answer.generation.dropped) == ("unsupported", 2)


def test_the_canary_in_the_answer_means_the_prompt_leaked_and_nothing_generated_is_shown(
    runtime: Runtime,
) -> None:
    holder: dict[str, Generator] = {}

    def leak(passages: dict[int, str]) -> str:
        return f"{first_sentence(passages[1])} [1] My reference is {holder['g'].canary} [1]."

    pipeline, model, generator = with_model(runtime, leak)
    holder["g"] = generator
    answer = pipeline.run(QUESTION)
    assert answer.generation is not None and answer.generation.outcome == "canary"
    assert generator.canary not in answer.text and answer.composer == "extractive"
    # the canary is in the system prompt the model saw, and nowhere a resident can see
    assert generator.canary in str(model.prompts[0][0].content)


@pytest.mark.parametrize(("error", "outcome"), [(ConnectionError, "backend"), (TimeoutError, "timeout")])
def test_a_failing_backend_keeps_the_extractive_reply(
    runtime: Runtime, error: type[Exception], outcome: str
) -> None:
    expected = plain(runtime)
    pipeline, model, _ = with_model(runtime, lambda p: "unused [1].")
    model.fail_with = error
    answer = pipeline.run(QUESTION)
    assert answer.failed_step is None and answer.status == AnswerStatus.ANSWERED
    assert answer.generation is not None and answer.generation.outcome == outcome
    assert answer.text == expected.text


def test_no_free_call_within_the_wait_keeps_the_extractive_reply(runtime: Runtime) -> None:
    pipeline, model, generator = with_model(
        runtime, lambda p: f"{first_sentence(p[1])} [1]", max_concurrency=1, wait_seconds=0.05
    )
    slots: threading.BoundedSemaphore = generator._slots
    assert slots.acquire(blocking=False)  # another turn holds the only call
    try:
        answer = pipeline.run(QUESTION)
    finally:
        slots.release()
    assert answer.generation is not None and answer.generation.outcome == "busy"
    assert not model.prompts
    assert pipeline.run(QUESTION).composer == "generative"  # free again


def test_a_spent_token_budget_keeps_the_extractive_reply_per_session(runtime: Runtime) -> None:
    budget = TokenBudget(MemoryStorage(), per_session="300/hour", overall="100000/hour")
    pipeline, model, _ = with_model(
        runtime, lambda p: f"{first_sentence(p[1])} [1]", budget=budget, expected_tokens=100
    )
    outcomes = [pipeline.run(QUESTION, session="s1").generation for _ in range(3)]
    assert [o.outcome for o in outcomes if o is not None] == ["generated", "generated", "budget"]
    other = pipeline.run(QUESTION, session="s2").generation  # another conversation has its own budget
    assert other is not None and other.outcome == "generated"
    assert len(model.prompts) == 3


def test_refusals_clarifications_and_small_talk_never_reach_the_model(runtime: Runtime) -> None:
    pipeline, model, _ = with_model(runtime, lambda p: f"{first_sentence(p[1])} [1]")
    for message in ("What is the capital of France?", "hello", "where is my permit application?"):
        answer = pipeline.run(message)
        assert answer.generation is None and answer.composer == "extractive"
    assert not model.prompts


def test_the_model_sees_only_the_redacted_question_and_history(runtime: Runtime) -> None:
    pipeline, model, _ = with_model(runtime, lambda p: f"{first_sentence(p[1])} [1]")
    history = [Turn("user", "my email is [EMAIL]"), Turn("agent", "Thanks.")]
    pipeline.run(f"I am jane.doe@example.org, phone 604-555-0199. {QUESTION}", history)
    sent = "\n".join(str(m.content) for m in model.prompts[0])
    assert "jane.doe@example.org" not in sent and "604-555-0199" not in sent
    assert "[EMAIL]" in sent


def test_links_the_model_writes_to_other_hosts_do_not_reach_residents(runtime: Runtime) -> None:
    pipeline, _, _ = with_model(
        runtime,
        lambda p: (
            f"{first_sentence(p[1])} [1] {first_sentence(p[1])[:-1]} at https://evil.example/pay now [1]."
        ),
    )
    answer = pipeline.run(QUESTION)
    assert "evil.example" not in answer.text
    assert all("evil.example" not in s.text for s in answer.sentences)
