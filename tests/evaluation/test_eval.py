"""`askcity eval ...` (retrieval, answers, calibrate, carry-over, near-topic, intent, pii-invariance) end to
end on a small labelled set in the benchmark format, with the real ingest pipeline, bundled model, FAISS
and the answering pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from askcity_cli.main import app
from bot.answering.gate import FEATURES, GateConfig, probability
from evaluation.answers import token_f1
from evaluation.calibrate import Row, asks_nothing, fit
from evaluation.carry_over import FollowUp, OutOfScope, build_probes, document_split, groups
from evaluation.near_topic import build_probes as near_topic_probes
from evaluation.near_topic import exchange_openers, without_domain
from evaluation.questions import load_questions
from knowledge_base.settings import get_kb_settings

runner = CliRunner()

DOCUMENTS = [
    {
        "id": "dogs",
        "title": "Dog licences",
        "domain": "animals",
        "text": "Dog licences\n\nEvery dog older than four months must be licensed with the city. "
        "A licence costs $20 per year for a spayed or neutered dog and $40 otherwise.\n\n"
        "Renewing\n\nLicences expire on December 31 and can be renewed online or at the shelter.",
    },
    {
        "id": "waste",
        "title": "Garbage and recycling collection",
        "domain": "waste",
        "text": "Collection days\n\nGarbage is collected every Tuesday morning. Recycling is collected "
        "every other Friday.\n\nBulky items\n\nSofas and mattresses are picked up by appointment "
        "for a fee of $25.",
    },
    {
        "id": "library",
        "title": "Library cards",
        "domain": "library",
        "text": "Getting a card\n\nLibrary cards are free for residents. Bring a photo identity document "
        "and proof of your address to any branch.\n\nLate fees\n\nThe library charges no late fees "
        "on children's books.",
    },
]

QUESTIONS = [
    {
        "id": "q1",
        "question": "how much is a licence for my dog?",
        "history": [],
        "gold_doc_ids": ["dogs"],
        "gold_spans": [
            {
                "doc_id": "dogs",
                "text": "A licence costs $20 per year for a spayed or neutered dog and $40 otherwise.",
            }
        ],
    },
    {
        "id": "q2",
        "question": "when do they expire?",
        "history": [{"role": "user", "text": "how much is a licence for my dog?"}],
        "gold_doc_ids": ["dogs"],
        "gold_spans": [{"doc_id": "dogs", "text": "Licences expire on December 31"}],
    },
    {
        "id": "q3",
        "question": "which day is garbage picked up?",
        "history": [],
        "gold_doc_ids": ["waste"],
        "gold_spans": [{"doc_id": "waste", "text": "Garbage is collected every Tuesday morning."}],
    },
    {
        "id": "q4",
        "question": "what do I need to get a library card?",
        "history": [],
        "gold_doc_ids": ["library"],
        "gold_spans": [
            {
                "doc_id": "library",
                "text": "Bring a photo identity document and proof of your address to any branch.",
            }
        ],
    },
    {"id": "q5", "question": "who won the football match last night?", "history": [], "gold_doc_ids": []},
]


@pytest.fixture
def labelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("ASKCITY_DATA_DIR", str(tmp_path / "data"))
    get_kb_settings.cache_clear()
    documents = tmp_path / "documents.jsonl"
    questions = tmp_path / "questions.jsonl"
    documents.write_text("\n".join(json.dumps(d) for d in DOCUMENTS) + "\n", encoding="utf-8")
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n", encoding="utf-8")
    yield documents, questions
    get_kb_settings.cache_clear()


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_eval_retrieval_prints_every_figure(labelled: tuple[Path, Path], tmp_path: Path) -> None:
    documents, questions = labelled
    args = ["eval", "retrieval", "--documents", str(documents), "--questions", str(questions), "--json"]
    figures = _json([*args, "--workdir", str(tmp_path / "work")])
    assert set(figures) >= {
        "n",
        "doc_recall@1",
        "doc_recall@5",
        "doc_recall@10",
        "span_recall@1",
        "span_recall@5",
        "span_recall@10",
        "mrr@10",
        "mean_chunk_chars",
        "latency_ms_p50",
        "latency_ms_p95",
        "index_seconds",
        "topic_change_n",
        "topic_change_doc_recall@1",
    }
    assert figures["n"] == 4  # the out-of-scope question is not a retrieval question
    assert figures["doc_recall@1"] == 1.0 and figures["span_recall@5"] == 1.0
    # each first-turn question asked right after an unrelated one still finds its own document
    assert figures["topic_change_n"] == 3 and figures["topic_change_doc_recall@1"] == 1.0
    assert 0 < float(figures["mean_chunk_chars"]) < 400  # type: ignore[arg-type]
    # a kept workdir is reused: the second run embeds nothing new and reports the same figures
    again = _json([*args, "--workdir", str(tmp_path / "work")])
    assert again["doc_recall@1"] == figures["doc_recall@1"] and again["mrr@10"] == figures["mrr@10"]


def test_eval_answers_scores_answers_and_refusals(labelled: tuple[Path, Path]) -> None:
    documents, questions = labelled
    figures = _json(
        ["eval", "answers", "--documents", str(documents), "--questions", str(questions), "--json"]
    )
    assert figures["n"] == 5 and figures["out_of_scope_n"] == 1
    assert sum(figures["status_counts"].values()) == 5  # type: ignore[union-attr]
    assert figures["out_of_scope_refusal_rate"] == 1.0
    assert float(figures["answer_f1"]) > 50  # type: ignore[arg-type]
    assert 0 < float(figures["mean_answer_chars"]) <= 400  # type: ignore[arg-type]


def test_eval_rejects_a_broken_question_file_with_a_clear_error(
    labelled: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "500")  # one line however long the temporary path is
    documents, _ = labelled
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "x", "question": "ok"}\n{not json\n', encoding="utf-8")
    for command in ("retrieval", "answers"):
        result = runner.invoke(
            app, ["eval", command, "--documents", str(documents), "--questions", str(broken)]
        )
        output = " ".join(result.output.split())  # rich wraps long lines
        assert result.exit_code == 1
        assert "broken.jsonl:2: not a labelled question" in output
        assert "Traceback" not in output


def _row(strength: float, label: int, kind: str, group: int) -> Row:
    """Features that grow with `strength`; the missing-term ones fall with it."""
    falling = {"miss", "maxmiss", "absent", "qgap"}
    values = tuple(1 - strength if name in falling else strength for name in FEATURES)
    return Row(values, label, kind, f"g{group}", "train")


def test_calibration_separates_and_keeps_the_false_refusal_budget() -> None:
    answerable = [_row(0.5 + 0.01 * i, 1, "set/answerable", i % 7) for i in range(40)]
    out_of_scope = [_row(0.05 + 0.02 * i, 0, "set/out_of_scope", i % 7) for i in range(10)]
    result = fit(answerable + out_of_scope, max_false_refusal=0.05)
    assert set(result.weights) == set(FEATURES)
    assert result.false_refusal_rate <= 0.05 and result.out_of_scope_refusal_rate == 1.0
    config = GateConfig(weights=result.weights, bias=result.bias, answer_threshold=result.threshold)
    strong = dict(zip(FEATURES, _row(0.8, 1, "x", 0).values, strict=True))
    weak = dict(zip(FEATURES, _row(0.1, 0, "x", 0).values, strict=True))
    assert probability(config, strong) >= result.threshold > probability(config, weak)
    with pytest.raises(ValueError, match="both answerable and out-of-scope"):
        fit([_row(0.5, 1, "set/answerable", 0)])


@pytest.mark.parametrize(
    ("message", "in_conversation", "left_out"),
    [
        ("yes", True, True),
        ("No, I am not.", True, True),
        ("I do.", True, True),
        ("Yes, I will receive a pension for work not covered by Social Security.", True, True),
        ("yes", False, False),  # a first message is asked as it is
        ("and the old tv?", True, False),
        ("how much", True, False),
        ("what about for seniors", True, False),
        ("Yes, I would like to learn about GPO.", True, False),
        ("No, that is not what I need to know.", True, False),
        ("lost my library card :(", True, False),
    ],
)
def test_calibration_leaves_out_replies_to_the_assistants_own_questions(
    message: str, in_conversation: bool, left_out: bool
) -> None:
    """doc2dial labels a resident's "yes" answerable by the passage its agent quoted next: such replies
    ask nothing of the documents and are not training probes for the gate."""
    assert asks_nothing(message, in_conversation) is left_out


def test_probes_keep_their_split_and_ask_after_a_real_first_exchange(labelled: tuple[Path, Path]) -> None:
    _, questions = labelled
    out_of_scope = [OutOfScope("o1", "what's the weather tomorrow?", "train")]
    follow_ups = [FollowUp("f1", "dogs", "and when do they expire?")]
    probes = build_probes(load_questions(questions), out_of_scope, follow_ups)
    kinds = {p.kind for p in probes}
    assert kinds == {
        "answerable_first",
        "out_of_scope",
        "other_topic",
        "follow_up",
        "out_of_scope_first",
        "new_subject_follow_up",
    }
    for probe in probes:
        if probe.kind in ("other_topic", "follow_up"):
            # the question before and the probe's document sit on the same side of the split
            assert probe.split == document_split(probe.expected_docs[0])
            assert probe.before is not None
    assert all(not p.answerable for p in probes if p.kind.startswith("out_of_scope"))
    assert {p.expected_docs for p in probes if p.kind == "follow_up"} == {("dogs",)}
    for probe in (p for p in probes if p.kind == "new_subject_follow_up"):
        # a first question, then another document's (the "before" exchange), then its follow-up
        assert probe.expected_docs == ("dogs",) and len(probe.earlier) == 1 and probe.before is not None
    # one out-of-scope question asked after several topics is one cross-validation group (else a model
    # could learn the question itself and cross-validation would not see it)
    after_topics = [p for p in probes if p.kind == "out_of_scope"]
    assert len({p.before.question for p in after_topics if p.before}) > 1
    assert {groups(probes)[p.id].split(":", 1)[1] for p in after_topics} == {"o1"}


def test_eval_carry_over_prints_figures_per_kind_and_split(
    labelled: tuple[Path, Path], tmp_path: Path
) -> None:
    documents, questions = labelled
    figures = _json(
        [
            "eval",
            "carry-over",
            "--documents",
            str(documents),
            "--questions",
            str(questions),
            "--json",
            "--workdir",
            str(tmp_path / "w"),
        ]
    )
    assert set(figures["figures"]) >= {"answerable_first", "out_of_scope", "other_topic"}  # type: ignore[arg-type]
    first = figures["figures"]["answerable_first"]["all"]  # type: ignore[index]
    assert first["n"] == 4 and 0 <= first["correct"] <= 1


def test_near_topic_probes_are_answerable_only_with_their_domain(
    labelled: tuple[Path, Path], tmp_path: Path
) -> None:
    documents, questions = labelled
    reduced = without_domain(documents, "animals", tmp_path / "reduced.jsonl")
    assert "dogs" not in reduced.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="no document of domain"):
        without_domain(documents, "weather", tmp_path / "none.jsonl")
    dog_questions = [q for q in load_questions(questions) if q.gold_doc_ids == ("dogs",)]
    openers = exchange_openers(documents, "animals")
    assert openers and all("Dog" not in o.question for o in openers)
    inside = near_topic_probes(dog_questions, openers, in_scope=True)
    outside = near_topic_probes(dog_questions, openers, in_scope=False)
    assert {p.kind for p in inside} == {"first", "after", "own_history"}
    assert all(p.answerable for p in inside) and not any(p.answerable for p in outside)


def test_eval_intent_reports_recall_and_false_triggers_on_the_test_split() -> None:
    figures = _json(["eval", "intent", "--json"])
    assert figures["test_status_n"] >= 90 and figures["test_policy_n"] >= 90  # type: ignore[operator]
    assert 0.5 < float(figures["status_recall"]) <= 1.0  # type: ignore[arg-type]
    assert 0.0 <= float(figures["false_trigger_rate"]) < 0.5  # type: ignore[arg-type]


def test_eval_pii_invariance_compares_answers_with_and_without_personal_data(
    labelled: tuple[Path, Path],
) -> None:
    documents, questions = labelled
    figures = _json(
        ["eval", "pii-invariance", "--documents", str(documents), "--questions", str(questions), "--json"]
    )
    assert figures["n"] == 4
    assert 0.0 <= float(figures["same_both"]) <= 1.0  # type: ignore[arg-type]
    assert figures["same_document"] >= figures["same_both"]  # type: ignore[operator]


def test_token_f1_is_squad_style() -> None:
    assert token_f1("The fee is $20.", "fee is $20") == 1.0
    assert token_f1("nothing in common", "fee is $20") == 0.0
    assert 0 < token_f1("the fee is $20 per year", "fee is $20") < 1


def test_eval_retrieval_with_rewrite_retrieves_each_follow_up_as_the_model_wrote_it(
    labelled: tuple[Path, Path], tmp_path: Path
) -> None:
    from evaluation.retrieval import run
    from knowledge_base.factory import make_embedder

    documents, questions = labelled
    args = ["eval", "retrieval", "--documents", str(documents), "--questions", str(questions), "--rewrite"]
    refused = runner.invoke(app, args)  # no language model configured here
    assert refused.exit_code == 1 and "ASKCITY_LLM_BACKEND" in refused.stderr, refused.output
    asked: list[tuple[str, int]] = []

    def rewrite(standalone: str | None):  # type: ignore[no-untyped-def]
        def call(question: str, history: object) -> str | None:
            asked.append((question, len(history)))  # type: ignore[arg-type]
            return standalone

        return call

    embedder, work = make_embedder(get_kb_settings()), tmp_path / "work"
    good = run(documents, questions, embedder, workdir=work, rewrite=rewrite("when do dog licences expire?"))
    assert asked == [("when do they expire?", 1)]  # only the follow-up goes to the model
    assert (good.rewrite_asked, good.rewrite_used, good.doc_recall_at_1) == (1, 1, 1.0)
    wrong = run(
        documents, questions, embedder, workdir=work, rewrite=rewrite("which day is garbage picked up?")
    )
    assert wrong.doc_recall_at_1 == 0.75  # the follow-up was searched as the (wrong) rewrite says
    kept = run(documents, questions, embedder, workdir=work, rewrite=rewrite(None))
    assert (kept.rewrite_asked, kept.rewrite_used, kept.doc_recall_at_1) == (1, 0, 1.0)
