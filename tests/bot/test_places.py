"""Which questions are about another place (`bot/answering/places.py`), with the real gazetteer; the
knowledge base's own words are a small stand-in set here (the pipeline test uses the sample city's)."""

from __future__ import annotations

import pytest

from bot.answering.places import OtherPlaces

PLACES = OtherPlaces("Millbrook")
KB_WORDS = {"toronto", "riversid", "park"}  # stemmed terms the documents use


def elsewhere(text: str) -> str | None:
    return PLACES.elsewhere(text, lambda term: term in KB_WORDS)


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("how much is a dog licence in vancouver", "Vancouver"),
        ("what are the fees for dog licences in vancouver?", "Vancouver"),
        ("garbage days in springfield", "Springfield"),
        ("what are the bus fares in new york?", "New York"),
        ("how do i get a parking permit in chicago, and how much is it", "Chicago"),
        ("what is the property tax rate in texas", "Texas"),
        ("when is garbage day in the town of greendale", "Greendale"),  # named as a town: any name
        ("is there rental assistance in the city of boston?", "Boston"),
    ],
)
def test_a_service_asked_about_in_another_place_names_it(question: str, place: str) -> None:
    assert elsewhere(question) == place


@pytest.mark.parametrize(
    "question",
    [
        "how much is a residential parking permit in toronto",  # the documents name Toronto
        "dog licence in Millbrook",
        "garbage day in the city of millbrook",
        "do you have a pool in riverside park",
        "can i pay in person",
        "is parking free in january",
        "how do i book an inspection for my reno",  # "my reno" is no Reno
        "can I get a library card for Victoria?",  # a child's name
        "camp fees for Austin",
        "which bin do I use for turkey?",
        "how do I get rid of broken china?",
        "I was born in Chicago, can I get my birth certificate here?",  # someone placed there
        "my mother lives in Boston, can she get a visitor parking pass when she visits me?",
        "I go to school in Chicago, can I get a free library card?",
        "my father passed away in India, how do I get a death certificate?",
        "can I pay my water bill online while I'm in Denver?",
        "we are having our wedding in Boston, do we need a marriage licence?",
        "I just moved in from Calgary, when is garbage day?",
        "we moved here from Leeds, how do I register to vote",
        "I need a long-form birth certificate to apply for citizenship in Canada",  # no countries
    ],
)
def test_no_other_place_is_read_into_a_question_about_the_city(question: str) -> None:
    assert elsewhere(question) is None
