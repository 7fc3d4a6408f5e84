"""Numbers written as words (bot/privacy/number_words.py): plain `re`, no presidio."""

from __future__ import annotations

import re

import pytest

from bot.privacy.number_words import (
    ORDINAL_DAY_WORDS,
    SPOKEN_DIGITS,
    YEAR_WORDS,
    digit_parts,
    may_hold_spelled_number,
    spoken_digits,
)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        pytest.param("five five five oh one four two", "5550142", id="'oh' for zero"),
        pytest.param("five five five 0142", "5550142", id="words, then digits"),
        pytest.param("five-five-five, zero one four two", "5550142", id="dashes and a comma"),
        pytest.param("four one five double five five oh one", "41555501", id="'double five'"),
    ],
)
def test_digits_read_out_in_words_are_read_back(text: str, digits: str) -> None:
    spoken = SPOKEN_DIGITS.search(text)
    assert spoken is not None
    assert spoken_digits(spoken.group()) == digits


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("nineteen eighty five", id="nineteen eighty five"),
        pytest.param("nineteen eighty-five", id="with a hyphen"),
        pytest.param("nineteen oh five", id="oh five"),
        pytest.param("two thousand and one", id="two thousand and one"),
        pytest.param("twenty twelve", id="twenty twelve"),
    ],
)
def test_years_in_words(text: str) -> None:
    assert re.fullmatch(YEAR_WORDS, text, re.IGNORECASE)


@pytest.mark.parametrize("text", ["third", "twenty-first", "thirty first", "twelfth", "thirtieth"])
def test_days_as_ordinal_words(text: str) -> None:
    assert re.fullmatch(ORDINAL_DAY_WORDS, text, re.IGNORECASE)


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        pytest.param("call me on five five five oh one four two", True, id="seven digit words"),
        pytest.param("born the third of march nineteen eighty five", True, id="a year in words"),
        pytest.param("I need one or two bins, five or six", False, id="a few number words"),
        pytest.param("twenty minutes from the park", False, id="'twenty' alone"),
    ],
)
def test_the_pre_filter_sees_spelled_numbers(text: str, holds: bool) -> None:
    assert may_hold_spelled_number(text) is holds


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        pytest.param("536|22|8741", ["536", "22", "8741"], id="bars"),
        pytest.param(" (4111)(1111)", ["4111", "1111"], id="brackets, after a space"),
        pytest.param("536\n22\n8741 please", ["536", "22", "8741"], id="newlines"),
        pytest.param("4111 then 1111 and then 1111", ["4111", "1111", "1111"], id="joining words"),
        pytest.param("4111 one double one 1111", ["4111", "1", "11", "1111"], id="digits and words"),
        pytest.param("3rd of March", [], id="a digit glued to letters"),
        pytest.param("about 12", [], id="a word first"),
    ],
)
def test_a_number_written_in_parts_is_read_part_by_part(text: str, parts: list[str]) -> None:
    assert [digits for _, _, digits in digit_parts(text, 0)] == parts
