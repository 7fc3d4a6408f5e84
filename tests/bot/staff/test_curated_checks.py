"""Curated answers: markup in the answer and questions that would never be served are refused with the
reason; an expired answer stops at midnight exactly (checked at each match, not at the index's next
reload); an edit's audit row keeps the old and the new text."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from bot.answering.curated import CuratedAnswer, CuratedIndex
from bot.editors.audit import EditorAuditLog
from bot.staff.curated_console import CuratedInputError, screen_answer, screen_questions
from tests.bot.staff.staff_harness import StaffStack
from tests.conftest import CountingEmbedder


@pytest.mark.parametrize(
    "answer",
    ["<b>Call 311</b> for a permit.", 'See <a href="https://x.example">the page</a>.', "Fees &amp; fines"],
)
def test_an_answer_holding_html_is_refused_naming_the_markup(answer: str) -> None:
    with pytest.raises(CuratedInputError, match="HTML") as refused:
        screen_answer(answer, lambda text: [])
    assert refused.value.field == "answer"


@pytest.mark.parametrize("answer", ["Fees under $50 < fees over $50.", "Call AT&T or 311.", "Plain text."])
def test_plain_text_with_angle_brackets_or_ampersands_is_accepted(answer: str) -> None:
    screen_answer(answer, lambda text: [])


@pytest.mark.parametrize(
    "question", ["yes", "Thanks!", "hello", "talk to a person about fences", "how long?", "the"]
)
def test_a_question_residents_would_never_be_served_for_is_refused(question: str) -> None:
    with pytest.raises(CuratedInputError, match="never get this answer"):
        screen_questions(["how much is a dog licence", question])


def test_an_expired_answer_is_not_served_after_midnight_even_before_the_index_reloads() -> None:
    day = [date(2027, 3, 31)]
    answer = CuratedAnswer(7, ("when is the spring cleanup",), "April 12.", (), {}, expires_on=day[0])
    embedder = CountingEmbedder()
    index = CuratedIndex(lambda: [answer], lambda: "same", embedder, check_seconds=3600, today=lambda: day[0])
    vector = np.asarray(embedder.embed(["when is the spring cleanup"])[0], dtype=np.float32)
    index.refresh()  # loaded on its expiry day; not again for an hour
    found = index.match(vector)
    assert found is not None and found.curated_id == 7  # served through its expiry day
    day[0] += timedelta(days=1)
    assert index.match(vector) is None  # the day after: not served, though the index has not reloaded


def test_a_curated_update_audit_row_keeps_the_old_and_the_new_text(stack: StaffStack) -> None:
    api, editor = stack.client(), stack.bearer("editor")
    body = {
        "questions": ["when does the leaf pickup start"],
        "answer": "In October.",
        "cite": ["animals-dog-licences"],
    }
    created = api.post("/api/v1/staff/curated", json=body, headers=editor)
    assert created.status_code == 201, created.text
    curated_id = created.json()["entry"]["id"]
    changed = api.put(
        f"/api/v1/staff/curated/{curated_id}", json={**body, "answer": "In November."}, headers=editor
    )
    assert changed.status_code == 200, changed.text
    row = EditorAuditLog(stack.runtime.kb.store).entries(5, "curated_update")[0]
    assert row.target == str(curated_id)
    assert row.detail["answer"] == "In October. \u2192 In November.", row.detail
    assert "questions" not in row.detail  # only what changed
    assert api.delete(f"/api/v1/staff/curated/{curated_id}", headers=editor).status_code == 204
