"""evaluate() (bot/privacy/evaluation.py): the real detector on the dataset; the matching rule."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.privacy import SUPPORTED_ENTITIES, DatasetError, PiiDetector, PiiReport, PiiSpan, evaluate


class FixedDetector:
    """Returns the same spans for every text: exercises the scoring rule, not detection."""

    def __init__(self, spans: Sequence[PiiSpan]) -> None:
        self.spans = list(spans)
        self.warmed = False

    def warm_up(self) -> None:
        self.warmed = True

    def detect(self, text: str) -> list[PiiSpan]:
        return self.spans


def write_dataset(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


# The targets of issue 11 on the test split: (minimum precision, minimum recall).
TARGETS = {
    "CREDIT_CARD": (0.95, 0.99),
    "US_SSN": (0.95, 0.99),
    "IBAN_CODE": (0.95, 0.99),
    "EMAIL_ADDRESS": (0.95, 0.99),
    "PHONE_NUMBER": (0.95, 0.97),
    # names are found only where the message introduces one (no named-entity model ships): docs/privacy.md
    "PERSON": (0.95, 0.55),
}
OTHER_TARGET = (0.9, 0.9)


@pytest.fixture(scope="module")
def report(detector: PiiDetector) -> PiiReport:
    return evaluate(detector)


def test_by_default_the_test_split_of_the_shipped_dataset_is_scored(report: PiiReport) -> None:
    assert report.split == "test"
    assert report.sentences >= 600


@pytest.mark.parametrize("name", SUPPORTED_ENTITIES)
def test_on_the_test_split_every_entity_type_meets_its_target(report: PiiReport, name: str) -> None:
    scores = report.per_entity[name]
    precision, recall = TARGETS.get(name, OTHER_TARGET)
    assert scores.precision >= precision, scores
    assert scores.recall >= recall, scores


def test_every_labelled_type_is_looked_for_and_in_micro(report: PiiReport) -> None:
    assert set(report.per_entity) == set(SUPPORTED_ENTITIES)
    assert report.not_detected == {}
    assert report.micro.support == sum(scores.support for scores in report.per_entity.values())


def test_the_train_split_and_the_whole_set_can_be_scored(detector: PiiDetector, report: PiiReport) -> None:
    train = evaluate(detector, split="train")
    everything = evaluate(detector, split=None)
    assert (train.split, everything.split) == ("train", "all")
    assert train.sentences + report.sentences == everything.sentences
    assert train.micro.support + report.micro.support == everything.micro.support


def test_the_report_table_lists_every_entity_type_and_the_timing(report: PiiReport) -> None:
    table = report.to_table()
    for name in [*SUPPORTED_ENTITIES, "micro"]:
        assert name in table
    assert "ms per sentence" in table
    assert "test split" in table
    assert "PERSON" in table and "not looked for" not in table  # every labelled type has a recognizer
    assert report.mean_detect_ms > 0


@pytest.mark.parametrize(
    ("predicted", "found"),
    [
        pytest.param(PiiSpan("EMAIL_ADDRESS", 10, 20, 1.0), 1, id="exact"),
        pytest.param(PiiSpan("EMAIL_ADDRESS", 15, 30, 1.0), 1, id="half of the gold span"),
        pytest.param(PiiSpan("EMAIL_ADDRESS", 16, 30, 1.0), 0, id="less than half"),
        pytest.param(PiiSpan("EMAIL_ADDRESS", 0, 40, 1.0), 1, id="covers the gold span"),
        pytest.param(PiiSpan("PHONE_NUMBER", 10, 20, 1.0), 0, id="other type"),
    ],
)
def test_a_prediction_finds_a_gold_span_when_types_match_and_half_of_it_is_covered(
    tmp_path: Path, predicted: PiiSpan, found: int
) -> None:
    dataset = write_dataset(
        tmp_path / "d.jsonl",
        [{"text": "x" * 40, "entities": [{"type": "EMAIL_ADDRESS", "start": 10, "end": 20}]}],
    )
    report = evaluate(FixedDetector([predicted]), dataset)
    email = report.per_entity["EMAIL_ADDRESS"]
    assert (email.support, email.found, email.recall) == (1, found, float(found))
    assert report.micro.precision == float(found)


def test_one_prediction_finds_at_most_one_gold_span(tmp_path: Path) -> None:
    gold = [
        {"type": "PHONE_NUMBER", "start": 0, "end": 4},
        {"type": "PHONE_NUMBER", "start": 4, "end": 8},
    ]
    dataset = write_dataset(tmp_path / "d.jsonl", [{"text": "12345678", "entities": gold}])
    detector = FixedDetector([PiiSpan("PHONE_NUMBER", 0, 8, 1.0)])
    phone = evaluate(detector, dataset).per_entity["PHONE_NUMBER"]
    assert detector.warmed
    assert (phone.support, phone.predicted, phone.found) == (2, 1, 1)
    assert (phone.precision, phone.recall) == (1.0, 0.5)


def test_detections_in_sentences_without_pii_are_false_positives(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.jsonl", [{"text": "no pii at all", "entities": []}])
    report = evaluate(FixedDetector([PiiSpan("IP_ADDRESS", 0, 2, 1.0)]), dataset)
    ip = report.per_entity["IP_ADDRESS"]
    assert (ip.support, ip.predicted, ip.precision, ip.recall) == (0, 1, 0.0, 0.0)
    assert (report.negative_sentences, report.negative_sentences_flagged) == (1, 1)


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        json.dumps({"text": "abc", "entities": [{"type": "EMAIL_ADDRESS", "start": 1, "end": 9}]}),
        json.dumps({"text": "abc"}),
    ],
    ids=["not JSON", "offsets past the text", "no entities field"],
)
def test_when_a_dataset_line_is_malformed_then_its_line_number_is_reported(tmp_path: Path, line: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "fine", "entities": []}) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="line 2"):
        evaluate(FixedDetector([]), path)


def test_sentences_without_a_split_are_test_sentences(tmp_path: Path) -> None:
    dataset = write_dataset(
        tmp_path / "d.jsonl",
        [
            {"text": "a", "entities": []},
            {"text": "b", "entities": [], "split": "train"},
            {"text": "c", "entities": [], "split": "test"},
        ],
    )
    assert evaluate(FixedDetector([]), dataset).sentences == 2
    assert evaluate(FixedDetector([]), dataset, split="train").sentences == 1


def test_when_a_split_is_empty_then_it_says_so(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.jsonl", [{"text": "a", "entities": []}])
    with pytest.raises(DatasetError, match="no sentences in the train split"):
        evaluate(FixedDetector([]), dataset, split="train")


def test_when_the_dataset_is_missing_then_it_says_so(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="Cannot read"):
        evaluate(FixedDetector([]), tmp_path / "missing.jsonl")
