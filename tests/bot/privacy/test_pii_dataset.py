"""The labelled dataset (bot/privacy/data/): size, coverage, validity of labels, reproducibility."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.privacy import DEFAULT_DATASET, SUPPORTED_ENTITIES
from bot.privacy.checksums import is_valid_cn_resident_id
from bot.privacy.data.build_pii_dataset import build, render
from bot.privacy.evaluation import LabelledSentence, load_dataset


@pytest.fixture(scope="module")
def sentences() -> list[LabelledSentence]:
    return load_dataset(DEFAULT_DATASET)


def values(sentences: list[LabelledSentence], entity_type: str) -> list[str]:
    return [
        sentence.text[entity.start : entity.end]
        for sentence in sentences
        for entity in sentence.entities
        if entity.type == entity_type
    ]


def luhn_ok(number: str) -> bool:
    digits = [int(char) for char in reversed(number)]
    doubled = [sum(divmod(2 * digit, 10)) for digit in digits[1::2]]
    return (sum(digits[0::2]) + sum(doubled)) % 10 == 0


def iban_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def test_the_committed_dataset_is_what_the_script_generates() -> None:
    assert DEFAULT_DATASET.read_text(encoding="utf-8") == render(build())


def test_the_dataset_is_large_and_covers_every_entity_type(
    sentences: list[LabelledSentence],
) -> None:
    counts = Counter(entity.type for sentence in sentences for entity in sentence.entities)
    assert len(sentences) >= 320
    assert set(counts) == set(SUPPORTED_ENTITIES)
    assert min(counts.values()) >= 25, counts
    assert sum(1 for sentence in sentences if not sentence.entities) >= 100
    assert len({sentence.text for sentence in sentences}) == len(sentences)


def test_labelled_spans_start_and_end_on_the_value(sentences: list[LabelledSentence]) -> None:
    for sentence in sentences:
        for entity in sentence.entities:
            value = sentence.text[entity.start : entity.end]
            assert value == value.strip() and value, (sentence.text, entity)


def test_labelled_cards_pass_luhn(sentences: list[LabelledSentence]) -> None:
    cards = [value.replace(" ", "").replace("-", "") for value in values(sentences, "CREDIT_CARD")]
    assert cards and all(luhn_ok(card) for card in cards)


def test_labelled_ibans_pass_mod_97(sentences: list[LabelledSentence]) -> None:
    ibans = [value.replace(" ", "") for value in values(sentences, "IBAN_CODE")]
    assert ibans and all(iban_ok(iban) for iban in ibans)


def test_labelled_resident_ids_are_valid(sentences: list[LabelledSentence]) -> None:
    ids = values(sentences, "CN_RESIDENT_ID")
    assert ids and all(is_valid_cn_resident_id(value) for value in ids)
