"""Which case a status question is about (bot/answering/records.py, data/case_types.en.yml) and whose
(`others_case` in data/routes.en.yml): a kind no case type is, and another person's case, are never
answered with one of the resident's own cases as if it were the one asked about."""

from __future__ import annotations

import pytest

from bot.answering.records import asked_type, load_case_types
from bot.answering.replies import load_routes


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("where is my dog licence", "dog licence"),
        ("where is my dog’s licence?", "dog licence"),
        ("my dog tag hasnt come in the mail yet", "dog licence"),
        ("is our marriage license ready", "marriage licence"),
        ("has our street party permit been approved", "street party permit"),
    ],
)
def test_a_kind_the_records_service_has_no_type_for_is_told_apart(question: str, kind: str) -> None:
    wanted = asked_type(question, load_case_types())
    assert wanted is not None  # it names a kind of case (a follow-up naming it is a status question)
    other = wanted.other_kind(question)
    assert other is not None and other.label == kind


@pytest.mark.parametrize(
    ("question", "case_type"),
    [
        ("has my business licence been approved", "licence"),
        ("my dog licence and my business licence, any news", "licence"),
        ("any news on my vendor permit", "licence"),
        ("has my building permit been approved", "permit"),
        ("is my parking permit approved", "parking"),
    ],
)
def test_the_kind_of_a_case_type_itself_is_that_type(question: str, case_type: str) -> None:
    wanted = asked_type(question, load_case_types())
    assert wanted is not None and wanted.name == case_type and wanted.other_kind(question) is None


@pytest.mark.parametrize(
    "question",
    [
        "can you check my husband's permit",
        "what about my wife's benefit application",
        "is my mother's benefit approved yet",
        "status of my son's parking permit",
        "my husbands ticket appeal, any news",
        "can you check her permit",
        "what is my neighbour's complaint status?",
    ],
)
def test_another_persons_case_is_someone_elses(question: str) -> None:
    assert load_routes().matches("others_case", question)


@pytest.mark.parametrize(
    "question",
    [
        "where is my permit",
        "my husband called about our permit, is it approved",
        "my wife and I applied for rental assistance, any news",
        "has my dog licence been renewed",
    ],
)
def test_ones_own_case_is_not_someone_elses(question: str) -> None:
    assert not load_routes().matches("others_case", question)
