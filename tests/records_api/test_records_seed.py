"""The demo cases agree with the city's own pages: each case names the office and address its type's page
names, and asks only for what that page describes. The pages are read through the ingest parsers, as
the knowledge base reads them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from records_harness import Harness
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ingest.parsers.formats import SINGLE_PARSERS, suffix
from records_api.enums import CaseStatus, CaseType
from records_api.models import Case
from records_api.runtime import build_vault
from records_api.seed import next_step, note, seed_demo

DOCUMENTS = Path(__file__).resolve().parents[2] / "ingest" / "sample_kb" / "documents"

# The sample page that describes each case type (what bot/answering/data/case_types.en.yml calls it).
PAGE = {
    CaseType.PERMIT: "building-renovation-permits.pdf",
    CaseType.BENEFIT: "housing-rental-assistance.docx",
    CaseType.LICENCE: "business-licences.html",
    CaseType.COMPLAINT: "complaints-noise.md",
    CaseType.PARKING: "parking-residential-permits.md",
    CaseType.WASTE: "waste-bulky-item-pickup.docx",
}


@cache
def page_text(case_type: CaseType) -> str:
    path = DOCUMENTS / PAGE[case_type]
    return SINGLE_PARSERS[suffix(path)](path.read_bytes()).text


def test_every_case_type_has_its_page() -> None:
    assert set(PAGE) == set(CaseType)


@pytest.fixture
def seeded(lite: Harness) -> list[Case]:
    report = seed_demo(lite.runtime.database.sessions, build_vault(lite.settings), residents=40, seed=7)
    assert not report.skipped
    with lite.runtime.database.sessions() as session:
        return list(session.scalars(select(Case).options(selectinload(Case.history))))


def test_every_seeded_case_names_the_office_and_address_its_page_names(seeded: list[Case]) -> None:
    assert {case.case_type for case in seeded} == set(CaseType)
    for case in seeded:
        name, address = case.office.split(", ", 1)
        text = page_text(CaseType(case.case_type))
        assert name in text, (case.case_type, case.office)
        assert address in text, (case.case_type, case.office)


def test_a_seeded_case_mentions_an_inspection_only_where_its_page_has_one(seeded: list[Case]) -> None:
    for case in seeded:
        said = " ".join([case.next_step, *(entry.note or "" for entry in case.history)]).lower()
        if "inspect" in said:
            assert "inspection" in page_text(CaseType(case.case_type)).lower(), (case.case_type, said)


@pytest.mark.parametrize("case_type", list(CaseType))
def test_a_scheduled_case_asks_only_for_what_its_page_describes(case_type: CaseType) -> None:
    """Every type can be seeded as scheduled (the seeding above may not draw each one)."""
    said = f"{note(case_type, CaseStatus.SCHEDULED)} {next_step(case_type, CaseStatus.SCHEDULED)}".lower()
    if "inspect" in said:
        assert "inspection" in page_text(case_type).lower()
    for status in CaseStatus:
        assert next_step(case_type, status)
