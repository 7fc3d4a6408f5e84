"""Messages in a language askcity does not answer in are told so; short or mixed English ones are not."""

from __future__ import annotations

import pytest

from bot.answering.language import LanguageCheck


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Combien coûte un permis de stationnement résidentiel ?", "fr"),
        ("¿Cuánto cuesta un permiso de estacionamiento?", "es"),
        ("Wie viel kostet ein Anwohnerparkausweis?", "de"),
        ("居民停车许可证多少钱？", "zh"),
        ("Moja skarga dotyczy hałasu sąsiada", "pl"),
    ],
)
def test_a_message_in_another_language_is_named(text: str, language: str) -> None:
    assert LanguageCheck(("en",)).other_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "is the bus free for kids?",
        "garbage day?",
        "hello",
        "plz help asap",
        "wen is my recyling colected",
        "Millbrook Transit fares",
        "gracias",  # one word: too short to be sure
        "what does 'permis de stationnement' mean on my ticket?",
    ],
)
def test_english_and_messages_too_short_to_tell_are_answered_as_usual(text: str) -> None:
    assert LanguageCheck(("en",)).other_language(text) is None


def test_a_served_language_is_never_another_one() -> None:
    assert LanguageCheck(("en", "fr")).other_language("Combien coûte un permis de stationnement ?") is None


def test_the_offer_of_a_person_is_accepted_in_the_residents_language() -> None:
    from bot.answering.statuses import ACCEPTS_OFFER

    assert all(ACCEPTS_OFFER.match(word) for word in ("yes", "sí", "oui", "ja", "да", "是", "sí, por favor"))
    assert not any(ACCEPTS_OFFER.match(word) for word in ("no", "non", "nein", "sí señor, dónde pago"))
