"""What the queue shows of a resident's question: one line, cut at a word near 120 characters."""

from __future__ import annotations

import pytest

from bot.staff.desk import preview


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("How much is a parking permit?", "How much is a parking permit?"),
        ("Two\nlines   and  spaces", "Two lines and spaces"),
        ("word " * 30, ("word " * 23).strip() + "…"),
        ("x" * 200, "x" * 119 + "…"),
        ("Is it open, " + "a" * 150, "Is it open, " + "a" * 107 + "…"),  # no word end late enough: cut
        ("b" * 70 + ", and " + "c" * 80, "b" * 70 + ", and…"),
    ],
)
def test_a_question_is_shown_whole_or_cut_at_a_word_with_an_ellipsis(text: str, shown: str) -> None:
    assert preview(text) == shown
    assert len(preview(text)) <= 120
