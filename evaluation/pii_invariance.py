"""`askcity eval pii-invariance`: personal data in a message must not change the answer.

Each answerable question of a labelled set is asked twice in a fresh conversation: as written, and
with realistic personal data around it ("My email is … and my phone is …. <question>", "<question>
You can reach me at …"; fake values from Faker, seeded). The answer must cite the same top document
and say the same thing. Target (issue 10): ≥ 98 % unchanged. Nothing is fitted on this set.
"""

from __future__ import annotations

import random
from pathlib import Path

from faker import Faker
from pydantic import BaseModel

from bot.answering.pipeline import Pipeline
from evaluation.questions import LabelledQuestion, load_questions

TEMPLATES = (
    "My email is {email} and my phone is {phone}. {q}",
    "{q} You can reach me at {phone} or {email}.",
    "Hi, I'm {name}, email {email}. {q}",
    "{q} My number is {phone}, thanks",
    "hello, my SSN is {ssn} if you need it. {q}",
    "{q} (call me on {phone})",
    "I paid with my card {card} last time. {q}",
    "{q} My IBAN is {iban}.",
    "{name} here, {phone}. {q}",
    "{q}\n{name}\n{email}\n{phone}",
)


class InvarianceReport(BaseModel):
    n: int
    same_document: float
    same_answer: float
    same_both: float
    changed: list[str]


def with_personal_data(question: str, index: int, fake: Faker) -> str:
    template = TEMPLATES[index % len(TEMPLATES)]
    return template.format(
        q=question,
        email=fake.email(),
        phone=fake.phone_number(),
        name=fake.name(),
        ssn=fake.ssn(),
        card=fake.credit_card_number(card_type=("visa16", "mastercard", "amex", "discover")[index % 4]),
        iban=fake.iban(),
    )


def evaluate(pipeline: Pipeline, questions: list[LabelledQuestion], seed: int = 7) -> InvarianceReport:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    random.seed(seed)
    same_doc = same_text = same = 0
    changed: list[str] = []
    asked = [q for q in questions if q.answerable]
    for index, q in enumerate(asked):
        plain = pipeline.run(q.question, q.history)
        noisy_text = with_personal_data(q.question, index, fake)
        noisy = pipeline.run(noisy_text, q.history)
        doc = (plain.citations[0].document_id if plain.citations else None, plain.status)
        noisy_doc = (noisy.citations[0].document_id if noisy.citations else None, noisy.status)
        d, t = doc == noisy_doc, plain.text == noisy.text
        same_doc += d
        same_text += t
        same += d and t
        if not (d and t) and len(changed) < 15:
            changed.append(f"{noisy.redacted_question!r}: {plain.status.value}→{noisy.status.value}")
    n = max(1, len(asked))
    return InvarianceReport(
        n=len(asked),
        same_document=round(same_doc / n, 4),
        same_answer=round(same_text / n, 4),
        same_both=round(same / n, 4),
        changed=changed,
    )


def load(questions: Path) -> list[LabelledQuestion]:
    return load_questions(questions)
