"""Folding look-alike characters to ASCII (bot/privacy/folding.py), and offsets after it."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.privacy import PiiDetector, Redactor
from bot.privacy.folding import fold, fold_char, fold_letters
from tests.bot.privacy.conftest import found


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        pytest.param("٠١٢٣٤٥٦٧٨٩", "0123456789", id="Arabic-Indic digits"),
        pytest.param("۰۱۲۳۴۵۶۷۸۹", "0123456789", id="Extended Arabic-Indic (Persian) digits"),
        pytest.param("०१२३४५६७८९", "0123456789", id="Devanagari digits"),
        pytest.param("০১২৩৪৫৬৭৮৯", "0123456789", id="Bengali digits"),
        pytest.param("๐๑๒๓๔๕๖๗๘๙", "0123456789", id="Thai digits"),
        pytest.param("０１２３４５６７８９", "0123456789", id="full-width digits"),
        pytest.param("𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗", "0123456789", id="mathematical bold digits (astral)"),
        pytest.param("jane＠example．org", "jane@example.org", id="full-width at and full stop"),
        pytest.param("ＤＥ８９", "DE89", id="full-width letters"),
        pytest.param(
            "4111\u00a01111\u202f1111\u20091111", "4111 1111 1111 1111", id="no-break and thin spaces"
        ),
        pytest.param(
            "4111\u200b1111\u200d1111\ufeff1111", "4111 1111 1111 1111", id="invisible format characters"
        ),
        pytest.param("536\u201322\u22128726", "536-22-8726", id="en dash and minus sign"),
        pytest.param("Straße café ﬁne 身份证", "Straße café ﬁne 身份证", id="letters kept"),
        pytest.param(
            "5\u04176-22-874\u0406", "536-22-8741", id="Cyrillic look-alikes of digits, next to digits"
        ),
        pytest.param("\u0417\u04175", "335", id="look-alikes of digits next to one another"),
        pytest.param(
            "\u0417 \u041c\u043e\u0441\u043a\u0432\u0430 5",
            "\u0417 \u041c\u043e\u0441\u043a\u0432\u0430 5",
            id="away from digits, one script",
        ),
        pytest.param("m\u0430ria@gmail.com", "maria@gmail.com", id="a Cyrillic letter in a Latin word"),
        pytest.param("plain ASCII, unchanged", "plain ASCII, unchanged", id="ASCII"),
    ],
)
def test_look_alike_characters_fold_to_ascii(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_every_unicode_decimal_digit_folds_to_its_ascii_digit() -> None:
    digits = [
        chr(code) for code in range(sys.maxunicode + 1) if unicodedata.decimal(chr(code), None) is not None
    ]
    assert len(digits) > 600
    assert all(fold_char(char) == str(unicodedata.decimal(char)) for char in digits)


@given(st.text())
def test_folding_keeps_the_length_and_maps_one_character_to_one(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    assert all(len(fold_char(char)) == 1 for char in text)


@pytest.mark.parametrize(
    ("text", "value", "entity_type"),
    [
        ("اتصل بي على ٠٦ ٢٣ ٣٥ ٣٣ ٥٥ من فضلك", "٠٦ ٢٣ ٣٥ ٣٣ ٥٥", "PHONE_NUMBER"),
        ("شماره من ۲۱۲-۵۵۵-۰۱۸۷ است", "۲۱۲-۵۵۵-۰۱۸۷", "PHONE_NUMBER"),
        ("card ٤١١١ ١١١١ ١١١١ ١١١١ please", "٤١١١ ١١١١ ١١١١ ١١١١", "CREDIT_CARD"),
        ("SSN ٥٣٦-٢٢-٨٧٢٦ thanks", "٥٣٦-٢٢-٨٧٢٦", "US_SSN"),
        ("iban DE٨٩ ٣٧٠٤ ٠٠٤٤ ٠٥٣٢ ٠١٣٠ ٠٠ ok", "DE٨٩ ٣٧٠٤ ٠٠٤٤ ٠٥٣٢ ٠١٣٠ ٠٠", "IBAN_CODE"),
        ("card 𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 twice", "𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏", "CREDIT_CARD"),
        ("mail jane＠example.org", "jane＠example.org", "EMAIL_ADDRESS"),
    ],
)
def test_spans_found_in_the_folded_text_cover_the_original_characters(
    detector: PiiDetector, text: str, value: str, entity_type: str
) -> None:
    assert found(detector, text) == [(entity_type, value)]


def test_redaction_replaces_the_arabic_indic_digits_and_keeps_the_text_around_them(
    detector: PiiDetector,
) -> None:
    text = "رقمي ٠٦ ٢٣ ٣٥ ٣٣ ٥٥ وبطاقتي ٤١١١ ١١١١ ١١١١ ١١١١ شكرا"
    result = Redactor(detector).redact(text)
    assert result.text == "رقمي [PHONE] وبطاقتي [CARD] شكرا"
    assert [text[span.start : span.end] for span in result.spans] == ["٠٦ ٢٣ ٣٥ ٣٣ ٥٥", "٤١١١ ١١١١ ١١١١ ١١١١"]


@pytest.mark.parametrize(
    ("text", "skeleton"),
    [
        pytest.param("José Álvarez", "Jose Alvarez", id="Latin with accents"),
        pytest.param("Иван", "Aaaa", id="Cyrillic keeps its case"),
        pytest.param("王伟", "aa", id="Chinese: no case, read as lower case"),
        pytest.param("محمد علي", "aaaa aaa", id="Arabic: no case"),
        pytest.param("राहुल", "aaaaa", id="Devanagari: vowel signs are part of the word"),
        pytest.param("ok 👍\ufe0f", "ok 👍\ufe0f", id="a variation selector is no letter"),
    ],
)
def test_fold_letters_reads_names_of_any_script_as_an_ascii_skeleton(text: str, skeleton: str) -> None:
    folded = fold_letters(text)
    assert folded == skeleton
    assert len(folded) == len(text)
