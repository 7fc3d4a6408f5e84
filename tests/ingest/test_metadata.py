"""Sidecar metadata (`policy.pdf.meta.json`) and the ids of files without one."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest.errors import MetadataError
from ingest.metadata import Sidecar, default_id, read_sidecar, sidecar_path


def test_when_a_file_has_no_sidecar_then_it_gets_the_defaults(tmp_path: Path) -> None:
    assert read_sidecar(tmp_path / "policy.pdf") == Sidecar()
    assert Sidecar().language == "en" and Sidecar().id is None


def test_when_a_sidecar_is_valid_then_every_field_is_read(tmp_path: Path) -> None:
    fields = {
        "id": " parking-permits ",
        "title": "Residential Parking Permits",
        "department": "Parking Services",
        "contact": "555-0120",
        "effective_date": "2026-01-15",
        "language": "fr",
        "domain": "parking",
        "source_uri": "https://www.millbrook.example/parking",
    }
    sidecar_path(tmp_path / "policy.pdf").write_text(json.dumps(fields), encoding="utf-8")
    meta = read_sidecar(tmp_path / "policy.pdf")
    assert meta.model_dump() == {**fields, "id": "parking-permits", "effective_date": date(2026, 1, 15)}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", r"invalid policy\.pdf\.meta\.json: Expecting property name"),
        ("", r"invalid policy\.pdf\.meta\.json: Expecting value"),
        ('["a list"]', r"invalid policy\.pdf\.meta\.json: Input should be a valid dictionary"),
        ('{"departement": "Parks"}', r"invalid policy\.pdf\.meta\.json: Extra inputs are not permitted"),
        (
            '{"effective_date": "15/01/2026"}',
            r"invalid policy\.pdf\.meta\.json: Input should be a valid date",
        ),
        ('{"id": ""}', r"invalid policy\.pdf\.meta\.json: String should have at least 1 character"),
        ('{"language": "e"}', r"invalid policy\.pdf\.meta\.json: String should have at least 2 characters"),
        ('{"department": 7}', r"invalid policy\.pdf\.meta\.json: Input should be a valid string"),
    ],
    ids=[
        "not-json",
        "empty",
        "not-an-object",
        "unknown-field",
        "bad-date",
        "empty-id",
        "short-language",
        "number",
    ],
)
def test_when_a_sidecar_is_invalid_then_the_error_names_the_file_and_the_problem(
    content: str, reason: str, tmp_path: Path
) -> None:
    sidecar_path(tmp_path / "policy.pdf").write_text(content, encoding="utf-8")
    with pytest.raises(MetadataError, match=reason) as caught:
        read_sidecar(tmp_path / "policy.pdf")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("policy.pdf", "policy"),
        ("housing/rent-aid.pdf", "housing-rent-aid"),
        ("Housing/Rent Aid (2026).DOCX", "housing-rent-aid-2026"),
        ("a/b/c/notes_v2.md", "a-b-c-notes-v2"),
        ("___.txt", "document"),
    ],
)
def test_when_a_file_has_no_id_then_its_path_below_the_root_gives_a_stable_slug(
    relative: str, expected: str, tmp_path: Path
) -> None:
    assert default_id(tmp_path / relative, tmp_path) == expected


def test_when_a_file_is_outside_the_root_then_only_its_name_gives_the_id(tmp_path: Path) -> None:
    assert default_id(tmp_path / "elsewhere" / "Waste Guide.md", tmp_path / "docs") == "waste-guide"
