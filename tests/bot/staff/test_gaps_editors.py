"""The gap report for editors, continued: a message that asks nothing ("yes" after an answer) is no
content gap; answers the gate passed only weakly are listed and grouped; "Start a curated answer" puts
a group's other phrasings in as question variants (repeats and masked personal data left out)."""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.staff.curated_console import MAX_VARIANTS, draft_questions
from bot.staff.gaps import Period
from bot.storage.database import BotDatabase
from bot.storage.gaps import GapQueries
from bot.storage.tables import TranscriptRow
from tests.bot.staff.staff_harness import StaffStack
from tests.bot.staff.test_gaps import add_turn

HENS = "can i keep chickens in my backyard"
WEAK = "what time does the recycling centre close on sundays"


def add_answer(
    db: BotDatabase, question: str, confidence: float, cites: list[str], days_ago: float = 0.1
) -> None:
    """An answered turn with its gate confidence and the documents it cited."""
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(TranscriptRow),
            {
                "answer_id": uuid.uuid4().hex,
                "session_ref": uuid.uuid4().hex * 2,
                "created_at": datetime.now(UTC) - timedelta(days=days_ago),
                "question": question,
                "answer": "The centre is open until noon.",
                "status": "answered",
                "confidence": confidence,
                "citations": [{"document_id": d, "title": d, "source_url": ""} for d in cites],
                "intent": "question",
                "private": False,
            },
        )


def test_a_yes_after_an_answer_is_not_a_content_gap(database: BotDatabase) -> None:
    add_turn(database, "when is bulky item pickup", "answered", session="y", days_ago=0.3)
    add_turn(database, "yes", "no_answer", session="y", days_ago=0.29)  # no offer to accept: no_answer
    add_turn(database, "Yes please!", "no_answer", session="z", days_ago=0.2)
    add_turn(database, HENS, session="y", days_ago=0.28)
    period = Period.last(30)
    asked = {r.question for r in GapQueries(database.engine).asked(period.since, period.until)}
    assert asked == {HENS}, asked


def test_weak_answers_are_selected_under_the_level_with_the_documents_they_cite(
    database: BotDatabase,
) -> None:
    for _ in range(2):
        add_answer(database, WEAK, 0.34, ["waste-recycling-centre"])
    add_answer(database, WEAK, 0.41, ["waste-recycling-centre", "parks-opening-hours"])
    add_answer(database, "how do i renew a dog licence", 0.92, ["animals-dog-licences"])  # strong
    add_answer(database, "how old is the oldest tree", 0.2, [], days_ago=45)  # before the period
    add_turn(database, "can i fly a drone in the park", "no_answer")  # a gap, not an answer
    queries, period = GapQueries(database.engine), Period.last(30)
    weak = queries.weak_answers(period.since, period.until, 0.5)
    assert [(w.question, w.times, round(w.lowest, 2)) for w in weak] == [(WEAK, 3, 0.34)]
    cited = queries.weak_citations(period.since, period.until, 0.5, [WEAK])
    assert cited == {WEAK: {"waste-recycling-centre": 3, "parks-opening-hours": 1}}
    assert queries.weak_answers(period.since, period.until, 0.3) == []


@pytest.mark.parametrize(
    ("phrasings", "variants"),
    [
        ([HENS, "Can I keep  chickens in my backyard?", "are backyard hens allowed"],
         [HENS, "are backyard hens allowed"]),
        ([HENS, "can [NAME] keep chickens at [ADDRESS]", "hens in the garden"], [HENS, "hens in the garden"]),
        (["my number is [PHONE], can i keep hens", "are hens allowed"], ["are hens allowed"]),
        (["my number is [PHONE], can i keep hens"], ["my number is [PHONE], can i keep hens"]),
        ([f"question {n}" for n in range(30)], [f"question {n}" for n in range(MAX_VARIANTS)]),
    ],
)  # fmt: skip
def test_a_groups_phrasings_become_question_variants(phrasings: list[str], variants: list[str]) -> None:
    assert draft_questions(phrasings) == variants


def test_the_page_starts_a_curated_answer_with_the_groups_phrasings(stack: StaffStack) -> None:
    db = stack.runtime.service.database
    for question in (HENS, HENS, "can i keep chickens in my back yard"):
        add_turn(db, question)
    add_turn(db, "yes", "no_answer", session="w")
    add_answer(db, WEAK, 0.33, ["animals-dog-licences"])
    api, editor = stack.client(), stack.bearer("editor")
    report = api.get("/api/v1/staff/gaps?days=7", headers=editor).json()
    group = next(g for g in report["groups"] if HENS in g["phrasings"])
    assert group["phrasings"][0] == HENS and "can i keep chickens in my back yard" in group["phrasings"]
    assert not any(e["question"] == "yes" for g in report["groups"] for e in g["examples"])

    page = api.get("/staff/gaps?days=7", headers=editor).text
    for variant in group["phrasings"][1:]:
        assert f'<input type="hidden" name="variant" value="{html.escape(variant)}">' in page, variant
    weak = page.split('id="weak-heading"', 1)[1]
    assert WEAK in weak and 'href="/staff/documents/animals-dog-licences"' in weak, weak
    assert api.get("/staff/gaps?days=7&below=0", headers=editor).status_code == 422

    started = api.post(
        "/staff/gaps/curated-draft",
        data={"question": HENS, "variant": [*group["phrasings"][1:], HENS.upper(), "hens at [ADDRESS]"]},
        headers=editor,
    )
    assert started.status_code == 303, started.text
    draft = db.curated_drafts()[0]
    assert draft.question.splitlines() == group["phrasings"], draft.question
    shown = api.get(f"/staff/curated/drafts/{draft.id}", headers=editor).text
    assert "can i keep chickens in my back yard</textarea>" in shown
    assert api.post(f"/staff/curated/drafts/{draft.id}/dismiss", headers=editor).status_code == 303
