"""Masking (bot/privacy/masking.py): spans in, placeholders out, through presidio-anonymizer."""

from __future__ import annotations

import pytest

from bot.privacy import (
    SUPPORTED_ENTITIES,
    InvalidSpanError,
    PiiDetector,
    PiiSpan,
    Redactor,
    load_placeholders,
    redact,
)


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    redactor = Redactor(PiiDetector())
    redactor.warm_up()
    return redactor


def span_of(text: str, value: str, entity_type: str) -> PiiSpan:
    start = text.index(value)
    return PiiSpan(entity_type, start, start + len(value), 1.0)


@pytest.mark.parametrize(
    ("entity_type", "placeholder"),
    [
        ("EMAIL_ADDRESS", "[EMAIL]"),
        ("PHONE_NUMBER", "[PHONE]"),
        ("CREDIT_CARD", "[CARD]"),
        ("US_SSN", "[SSN]"),
        ("IBAN_CODE", "[IBAN]"),
        ("IP_ADDRESS", "[IP]"),
        ("CN_RESIDENT_ID", "[ID_NUMBER]"),
        ("PASSPORT", "[PASSPORT]"),
    ],
)
def test_each_entity_type_is_replaced_by_its_placeholder(entity_type: str, placeholder: str) -> None:
    text = "before SECRET after"
    assert redact(text, [span_of(text, "SECRET", entity_type)]) == f"before {placeholder} after"


def test_every_supported_entity_type_has_a_placeholder() -> None:
    assert set(SUPPORTED_ENTITIES) <= set(load_placeholders())


def test_an_unknown_entity_type_gets_the_default_placeholder() -> None:
    text = "badge 12345"
    assert redact(text, [span_of(text, "12345", "BADGE_NUMBER")]) == "badge [REDACTED]"


@pytest.mark.parametrize(
    "text", ["no personal data here", "", "case MB-7K3Q-X9P2, fine $1,250.00 due 2024-03-15"]
)
def test_when_there_are_no_spans_then_the_text_is_unchanged(text: str) -> None:
    assert redact(text, []) == text


def test_adjacent_spans_become_adjacent_placeholders() -> None:
    text = "jane@example.org+44 20 7946 0958"
    spans = [
        span_of(text, "jane@example.org", "EMAIL_ADDRESS"),
        span_of(text, "+44 20 7946 0958", "PHONE_NUMBER"),
    ]
    assert redact(text, spans) == "[EMAIL][PHONE]"


def test_two_numbers_of_one_type_separated_by_a_space_stay_two_placeholders() -> None:
    text = "call 555-0142 555-0199"
    spans = [span_of(text, "555-0142", "PHONE_NUMBER"), span_of(text, "555-0199", "PHONE_NUMBER")]
    assert redact(text, spans) == "call [PHONE] [PHONE]"


def test_spans_in_any_order_give_the_same_result() -> None:
    text = "a@example.org then 203.0.113.5"
    spans = [
        span_of(text, "a@example.org", "EMAIL_ADDRESS"),
        span_of(text, "203.0.113.5", "IP_ADDRESS"),
    ]
    assert redact(text, spans) == redact(text, spans[::-1]) == "[EMAIL] then [IP]"


def test_overlapping_spans_are_masked_as_one_and_nothing_leaks() -> None:
    text = "id 536228726123 end"
    spans = [PiiSpan("US_SSN", 3, 12, 0.4), PiiSpan("PASSPORT", 6, 15, 0.9)]
    assert redact(text, spans) == "id [PASSPORT] end"


@pytest.mark.parametrize(
    "span",
    [
        PiiSpan("EMAIL_ADDRESS", 5, 50, 1.0),
        PiiSpan("EMAIL_ADDRESS", -1, 3, 1.0),
        PiiSpan("EMAIL_ADDRESS", 4, 4, 1.0),
    ],
    ids=["past the end", "negative start", "empty"],
)
def test_when_a_span_does_not_fit_the_text_then_it_is_refused(span: PiiSpan) -> None:
    with pytest.raises(InvalidSpanError):
        redact("short text", [span])


def test_redactor_masks_what_the_detector_finds(redactor: Redactor) -> None:
    text = (
        "I paid with card 4111 1111 1111 1111 and was charged twice, "
        "email jane.doe@example.org or call (555) 014-2233. Passport E12345678."
    )
    result = redactor.redact(text)
    assert result.text == (
        "I paid with card [CARD] and was charged twice, email [EMAIL] or call [PHONE]. Passport [PASSPORT]."
    )
    assert [span.entity_type for span in result.spans] == [
        "CREDIT_CARD",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "PASSPORT",
    ]
    assert [text[span.start : span.end] for span in result.spans][1] == "jane.doe@example.org"


def test_redactor_leaves_text_without_pii_unchanged(redactor: Redactor) -> None:
    text = "Is the pool on 3rd Street open on 2024-07-04 at 10:30? We are 555 neighbours."
    result = redactor.redact(text)
    assert result.text == text
    assert result.spans == ()
