"""Ordinary questions to the city hold no personal data, and the detector must find none in them: a
recognizer that fires on a street, a centre or a count would drop those words from the search (and
from the answer) for every resident who asks that way. The questions are the ones the repository
already holds for other purposes: the sample city's labelled questions, the carry-over probes'
out-of-scope questions and follow-ups, and the status classifier's policy and ordinary questions."""

from __future__ import annotations

import json
from pathlib import Path

from bot.privacy import PiiDetector
from tests.bot.privacy.conftest import found

REPO = Path(__file__).resolve().parents[3]
ORDINARY = (
    (REPO / "ingest/sample_kb/questions.jsonl", "question"),
    (REPO / "evaluation/data/carry_over/out_of_scope.jsonl", "question"),
    (REPO / "evaluation/data/carry_over/follow_ups.jsonl", "question"),
    (REPO / "bot/answering/data/intent/policy.en.jsonl", "text"),
    (REPO / "bot/answering/data/intent/general.en.jsonl", "text"),
)


def ordinary_questions() -> list[str]:
    texts = []
    for path, key in ORDINARY:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(json.loads(line)[key]))
    return texts


# The one ordinary message that does hold personal data: small talk introducing a name in lower case.
INTRODUCES_A_NAME = {"my name is sam": [("PERSON", "sam")]}


def test_ordinary_questions_to_the_city_hold_no_detected_personal_data(detector: PiiDetector) -> None:
    questions = ordinary_questions()
    assert len(questions) >= 1000
    flagged = {text: spans for text in questions if (spans := found(detector, text))}
    assert flagged == INTRODUCES_A_NAME
