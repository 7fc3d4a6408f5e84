"""Generate `pii_sentences.jsonl`: messages to a city bot with labelled PII, and hard negatives.

    .venv/bin/python -m bot.privacy.data.build_pii_dataset    # rewrites the JSONL next to this file

Deterministic (seeded `random` and seeded Faker). Templates (`pii_templates.py`, and the public ones
in `presidio_evaluator_templates.txt`) hold slots: an UPPER-case slot is a labelled entity, a
lower-case slot is plain text (a date, an amount, a look-alike that is *not* PII). Offsets are
computed while the slots are filled. Check digits (Luhn, IBAN MOD 97, PRC ID MOD 11-2) and card
issuer ranges are written here, independently of the detector's code, so a bug there cannot hide in
the labels; invalid look-alikes are valid values with a broken check digit or date. National phone
numbers are drawn until `phonenumbers` calls them valid for their region: that library is what
defines a dialable number.

Split: each template list is split by template (`split_templates`), about a third to "train" (what
the rules were developed on), the rest to "test" (what is reported); the public templates and the
known limits are all "test".
"""

from __future__ import annotations

import json
import random
import re
import zlib
from collections.abc import Callable
from pathlib import Path

from faker import Faker

from bot.privacy.data.pii_lookalikes import SlotValues
from bot.privacy.data.pii_templates import (
    KNOWN_LIMITS,
    LABELLED,
    LABELLED_NEGATIVE,
    MIXED,
    MORE,
    MORE_NEGATIVE,
    NEGATIVE,
    POSITIVE,
    SIGNATURE_NEGATIVE,
    SIGNATURES,
)
from bot.privacy.data.pii_values import LabelledValues, MoreValues
from bot.privacy.evaluation import GoldEntity, LabelledSentence, Split

SEED = 20240611
OUTPUT = Path(__file__).with_name("pii_sentences.jsonl")
PUBLIC_TEMPLATES = Path(__file__).with_name("presidio_evaluator_templates.txt")
TRAIN_SHARE = 0.35
PER_TYPE = {"EMAIL_ADDRESS": 150, "PHONE_NUMBER": 170, "CREDIT_CARD": 150, "US_SSN": 150, "IBAN_CODE": 150}
PER_OTHER_TYPE = 32
MIXED_COUNT = 60
NEGATIVE_COUNT = 260
PUBLIC_REPEATS = 2
SLOT = re.compile(r"\{(\w+)\}")
ENTITY_SLOTS = {
    "EMAIL": "EMAIL_ADDRESS", "PLAINATEMAIL": "EMAIL_ADDRESS", "PHONE": "PHONE_NUMBER",
    "LOCALPHONE": "PHONE_NUMBER", "BAREPHONE": "PHONE_NUMBER", "WORDPHONE": "PHONE_NUMBER",
    "CARD": "CREDIT_CARD", "SSN": "US_SSN", "BARESSN": "US_SSN", "IBAN": "IBAN_CODE",
    "IP": "IP_ADDRESS", "CNID": "CN_RESIDENT_ID", "PASSPORT": "PASSPORT",
    "NAME": "PERSON", "FIRSTNAME": "PERSON", "STREET": "STREET_ADDRESS",
    "BIRTHDATE": "DATE_OF_BIRTH", "CARDCODE": "CARD_SECURITY_CODE", "NINO": "UK_NINO",
    "UKDRIVINGLICENCE": "UK_DRIVING_LICENCE", "CASIN": "CA_SIN", "ITIN": "US_ITIN", "MBI": "US_MBI",
    "PLAINSTREET": "STREET_ADDRESS", "BADSSN": "US_SSN", "LABELLEDSSN": "US_SSN",
    "DRIVERLICENCE": "LABELLED_ID", "TAXID": "LABELLED_ID", "HEALTHCARD": "LABELLED_ID",
    "MEMBERID": "LABELLED_ID", "BANKACCOUNT": "LABELLED_ID", "ROUTING": "LABELLED_ID",
    "PASSWORD": "SECRET", "PIN": "SECRET",
}  # fmt: skip
# The second stage, appended after the first with its own seed, so the first stays as it was.
MORE_SEED = 20261203
PER_MORE_TYPE = 34
MORE_NEGATIVE_COUNT = 60
# The third stage (signatures), again with its own seed after the others.
SIGNATURE_SEED = 20261204
SIGNATURE_COUNT = 40
SIGNATURE_NEGATIVE_COUNT = 24
# The fourth stage (labelled values), with its own seed after the others.
LABELLED_SEED = 20261205
PER_LABELLED_TYPE = 30
LABELLED_NEGATIVE_COUNT = 30
# presidio-evaluator's slots, and ours for them
PUBLIC_SLOTS = {
    "credit_card_number": "CARD", "iban": "IBAN", "phone_number": "PHONE", "email": "EMAIL",
    "ip_address": "IP", "ssn": "SSN", "person": "NAME", "name": "NAME", "first_name": "FIRSTNAME",
    "address": "STREET", "city": "city",
}  # fmt: skip


def fill(template: str, values: SlotValues, split: Split) -> LabelledSentence:
    """The template with every slot replaced, and the labelled spans of the entity slots."""
    text, entities, cursor = "", [], 0
    for match in SLOT.finditer(template):
        text += template[cursor : match.start()]
        slot = match.group(1)
        value = getattr(values, slot.lower())()
        if slot in ENTITY_SLOTS:
            entities.append(GoldEntity(type=ENTITY_SLOTS[slot], start=len(text), end=len(text) + len(value)))
        text += value
        cursor = match.end()
    return LabelledSentence(text=text + template[cursor:], entities=tuple(entities), split=split)


def split_templates(templates: list[str]) -> dict[Split, list[str]]:
    """About `TRAIN_SHARE` of the templates (at least one) for training, the rest for testing.

    Which ones depends on a checksum of each template, not on its place in the list, so adding a
    template does not move the others between splits.
    """
    ranked = sorted(templates, key=lambda template: zlib.crc32(template.encode("utf-8")))
    cut = max(1, round(TRAIN_SHARE * len(templates)))
    return {"train": ranked[:cut], "test": ranked[cut:]}


_PUBLIC_SLOT = re.compile(r"\{\{(\w+)\}\}")


def _our_slot(slot: re.Match[str]) -> str:
    return "{" + PUBLIC_SLOTS[slot.group(1)] + "}"


def public_templates() -> list[str]:
    """presidio-evaluator's templates with our slots: `{{credit_card_number}}` -> `{CARD}`."""
    templates = []
    for line in PUBLIC_TEMPLATES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            _, template = line.split("\t", 1)
            templates.append(_PUBLIC_SLOT.sub(_our_slot, template))
    return templates


class StageTwoValues(SlotValues, MoreValues):
    """The first stage's slots and the second's."""


class StageFourValues(SlotValues, LabelledValues):
    """The first stage's slots and the fourth's (which has the second's)."""


def build() -> list[LabelledSentence]:
    sentences = _build_stage(SEED, SlotValues, _first_stage)
    stages = (
        (MORE_SEED, StageTwoValues, _second_stage),
        (SIGNATURE_SEED, StageTwoValues, _third_stage),
        (LABELLED_SEED, StageFourValues, _fourth_stage),
    )
    for seed, values, stage in stages:
        seen = {sentence.text for sentence in sentences}
        sentences += [s for s in _build_stage(seed, values, stage) if s.text not in seen]
    return sentences


def _first_stage(take: Take, take_split: TakeSplit) -> None:
    for entity_type, templates in POSITIVE.items():
        take_split(templates, PER_TYPE.get(entity_type, PER_OTHER_TYPE))
    take_split(MIXED, MIXED_COUNT)
    take_split(NEGATIVE, NEGATIVE_COUNT)
    public = public_templates()
    take(public, PUBLIC_REPEATS * len(public), "test")
    take(KNOWN_LIMITS, len(KNOWN_LIMITS), "test")


def _second_stage(take: Take, take_split: TakeSplit) -> None:
    for templates in MORE.values():
        take_split(templates, PER_MORE_TYPE)
    take_split(MORE_NEGATIVE, MORE_NEGATIVE_COUNT)


def _third_stage(take: Take, take_split: TakeSplit) -> None:
    take_split(SIGNATURES, SIGNATURE_COUNT)
    take_split(SIGNATURE_NEGATIVE, SIGNATURE_NEGATIVE_COUNT)


def _fourth_stage(take: Take, take_split: TakeSplit) -> None:
    for templates in LABELLED.values():
        take_split(templates, PER_LABELLED_TYPE)
    take_split(LABELLED_NEGATIVE, LABELLED_NEGATIVE_COUNT)


Take = Callable[[list[str], int, Split], None]
TakeSplit = Callable[[list[str], int], None]


def _build_stage(
    seed: int,
    make_values: Callable[[random.Random, Faker], SlotValues],
    stage: Callable[[Take, TakeSplit], None],
) -> list[LabelledSentence]:
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    values = make_values(rng, fake)
    seen: set[str] = set()
    sentences: list[LabelledSentence] = []

    def take(templates: list[str], count: int, split: Split) -> None:
        """`count` new sentences: each template once, in order, then templates drawn at random."""
        made = 0
        for attempt in range(100 * count):
            template = templates[attempt] if attempt < len(templates) else rng.choice(templates)
            sentence = fill(template, values, split)
            if sentence.text not in seen:
                seen.add(sentence.text)
                sentences.append(sentence)
                made += 1
                if made == count:
                    return
        raise RuntimeError(f"templates keep repeating themselves: {templates[0]!r}")

    def take_split(templates: list[str], count: int) -> None:
        for split, part in split_templates(templates).items():
            take(part, round(count * len(part) / len(templates)), split)

    stage(take, take_split)
    rng.shuffle(sentences)
    return sentences


def render(sentences: list[LabelledSentence]) -> str:
    return "".join(
        json.dumps(sentence.model_dump(mode="json"), ensure_ascii=False) + "\n" for sentence in sentences
    )


def main() -> None:
    OUTPUT.write_text(render(build()), encoding="utf-8")


if __name__ == "__main__":
    main()
