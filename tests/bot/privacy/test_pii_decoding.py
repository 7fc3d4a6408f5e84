"""Decoding before detection (bot/privacy/decoding.py): what is decoded, and the map back to the text
the resident typed."""

from __future__ import annotations

import pytest

from bot.privacy.decoding import decode


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        pytest.param("maria.lopez%40gmail.com", "maria.lopez@gmail.com", id="percent-encoding"),
        pytest.param("maria%2540gmail.com", "maria@gmail.com", id="percent-encoded twice"),
        pytest.param("caf%C3%A9", "café", id="UTF-8 bytes"),
        pytest.param("&#53;36 &#x35; &commat; &amp;", "536 5 @ &", id="HTML character references"),
        pytest.param("a\\u0040b", "a@b", id="JSON escape"),
        pytest.param("name=Maria+Lopez&phone=%2B1212", "name=Maria Lopez&phone=+1212", id="form data"),
        pytest.param("/form?q=bin+day", "/form?q=bin day", id="a query after '?'"),
    ],
)
def test_encodings_are_decoded(text: str, decoded: str) -> None:
    assert decode(text).text == decoded


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("100% sure, 50%OFF", id="percent signs"),
        pytest.param("Q&A at 10am, B&B", id="ampersands"),
        pytest.param("1+1 = 2, a+b", id="a plus outside form data"),
        pytest.param("call +1 212 555 0199", id="a phone number's plus"),
        pytest.param("what is my balance?", id="a question mark"),
    ],
)
def test_text_with_nothing_encoded_is_returned_as_it_is(text: str) -> None:
    decoded = decode(text)
    assert (decoded.text, decoded.starts) == (text, ())
    assert decoded.original(0, len(text)) == (0, len(text))


def test_a_span_of_the_decoded_text_maps_back_onto_every_character_it_came_from() -> None:
    text = "mail maria%2540gmail.com now"
    decoded = decode(text)
    start = decoded.text.index("maria")
    end = start + len("maria@gmail.com")
    assert text[slice(*decoded.original(start, end))] == "maria%2540gmail.com"
    at = decoded.text.index("@")
    assert text[slice(*decoded.original(at, at + 1))] == "%2540"
