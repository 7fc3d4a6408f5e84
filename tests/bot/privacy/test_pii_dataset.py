"""The labelled dataset (bot/privacy/data/): size, split, coverage, validity of labels, reproducibility."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.privacy import DEFAULT_DATASET, SUPPORTED_ENTITIES
from bot.privacy.checksums import is_valid_cn_resident_id
from bot.privacy.data import build_pii_dataset
from bot.privacy.data.build_pii_dataset import PUBLIC_SLOTS, build, public_templates, render, split_templates
from bot.privacy.data.pii_lookalikes import SlotValues
from bot.privacy.data.pii_templates import (
    MORE,
    MORE_NEGATIVE,
    NEGATIVE,
    POSITIVE,
    SIGNATURE_NEGATIVE,
    SIGNATURES,
)
from bot.privacy.evaluation import LabelledSentence, load_dataset
from bot.privacy.folding import fold

TARGETED = ("CREDIT_CARD", "US_SSN", "IBAN_CODE", "EMAIL_ADDRESS", "PHONE_NUMBER")
NOT_DETECTED: tuple[str, ...] = ()  # every labelled type is looked for


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


def alphanumerics(value: str) -> str:
    """The value with digits of any script as ASCII and separators dropped."""
    return "".join(char for char in fold(value) if char.isalnum())


def luhn_ok(number: str) -> bool:
    digits = [int(char) for char in reversed(number)]
    doubled = [sum(divmod(2 * digit, 10)) for digit in digits[1::2]]
    return (sum(digits[0::2]) + sum(doubled)) % 10 == 0


def iban_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def test_the_committed_dataset_is_what_the_script_generates() -> None:
    assert DEFAULT_DATASET.read_text(encoding="utf-8") == render(build())


def test_the_dataset_has_at_least_600_sentences_in_two_splits(sentences: list[LabelledSentence]) -> None:
    splits = Counter(sentence.split for sentence in sentences)
    assert len(sentences) >= 600
    assert splits["test"] >= 600 and splits["train"] >= 200, splits
    assert len({sentence.text for sentence in sentences}) == len(sentences)


def test_the_test_split_covers_every_entity_type_and_hard_negatives(
    sentences: list[LabelledSentence],
) -> None:
    test = [sentence for sentence in sentences if sentence.split == "test"]
    counts = Counter(entity.type for sentence in test for entity in sentence.entities)
    assert set(counts) == set(SUPPORTED_ENTITIES) | set(NOT_DETECTED)
    assert all(counts[name] >= 100 for name in TARGETED), counts
    assert min(counts.values()) >= 20, counts
    assert sum(1 for sentence in test if not sentence.entities) >= 150


def test_disguised_values_are_labelled(sentences: list[LabelledSentence]) -> None:
    labelled = [value for name in TARGETED for value in values(sentences, name)]
    assert sum(1 for value in labelled if not value.isascii() and fold(value).isascii()) >= 30
    assert any(" dot " in value or "[at]" in value for value in values(sentences, "EMAIL_ADDRESS"))
    assert any(value.islower() for value in values(sentences, "IBAN_CODE"))
    assert any("ext" in value or "x" in value for value in values(sentences, "PHONE_NUMBER"))


def test_templates_are_split_whole_and_the_same_way_every_time() -> None:
    for templates in [
        *POSITIVE.values(),
        NEGATIVE,
        *MORE.values(),
        MORE_NEGATIVE,
        SIGNATURES,
        SIGNATURE_NEGATIVE,
    ]:
        split = split_templates(templates)
        assert set(split["train"]).isdisjoint(split["test"])
        assert sorted(split["train"] + split["test"]) == sorted(templates)
        assert 0.25 <= len(split["train"]) / len(templates) <= 0.45
        assert split == split_templates(list(reversed(templates)))


def test_the_public_templates_use_only_slots_we_fill() -> None:
    templates = public_templates()
    assert len(templates) >= 40
    assert not any("{{" in template for template in templates)
    assert len(PUBLIC_SLOTS) == len(set(PUBLIC_SLOTS))


def test_labelled_spans_start_and_end_on_the_value(sentences: list[LabelledSentence]) -> None:
    for sentence in sentences:
        for entity in sentence.entities:
            value = sentence.text[entity.start : entity.end]
            assert value == value.strip() and value, (sentence.text, entity)


def test_labelled_cards_pass_luhn(sentences: list[LabelledSentence]) -> None:
    cards = [alphanumerics(value) for value in values(sentences, "CREDIT_CARD")]
    assert cards and all(luhn_ok(card) and 12 <= len(card) <= 19 for card in cards)


def test_labelled_ibans_pass_mod_97(sentences: list[LabelledSentence]) -> None:
    ibans = [alphanumerics(value).upper() for value in values(sentences, "IBAN_CODE")]
    assert ibans and all(iban_ok(iban) for iban in ibans)


def test_labelled_resident_ids_are_valid(sentences: list[LabelledSentence]) -> None:
    ids = values(sentences, "CN_RESIDENT_ID")
    assert ids and all(is_valid_cn_resident_id(value) for value in ids)


def test_labelled_social_insurance_numbers_pass_luhn(sentences: list[LabelledSentence]) -> None:
    sins = [alphanumerics(value) for value in values(sentences, "CA_SIN")]
    assert sins and all(luhn_ok(sin) and len(sin) == 9 and sin[0] not in "08" for sin in sins)


def test_labelled_national_insurance_numbers_and_itins_follow_the_issuers_rules(
    sentences: list[LabelledSentence],
) -> None:
    ninos = [alphanumerics(value).upper() for value in values(sentences, "UK_NINO")]
    assert ninos and all(
        nino[0] not in "DFIQUV" and nino[1] not in "DFIOQUV" and nino[8] in "ABCD" for nino in ninos
    )
    itins = [alphanumerics(value) for value in values(sentences, "US_ITIN")]
    assert itins and all(
        itin[0] == "9" and (70 <= int(itin[3:5]) <= 88 or int(itin[3:5]) >= 90) for itin in itins
    )


def test_the_later_stages_leave_the_earlier_ones_as_they_were(sentences: list[LabelledSentence]) -> None:
    first = build_pii_dataset._build_stage(build_pii_dataset.SEED, SlotValues, build_pii_dataset._first_stage)
    assert sentences[: len(first)] == first
    assert sum("\n" in s.text and any(e.type == "PERSON" for e in s.entities) for s in sentences) >= 30
    assert any(
        entity.type == "US_MBI" for sentence in sentences[len(first) :] for entity in sentence.entities
    )
