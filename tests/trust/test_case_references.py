"""The case reference format both services read (`trust.case_references`)."""

from __future__ import annotations

import pytest

from trust.case_references import find_references, is_canonical, mistyped_references, parse_reference


@pytest.mark.parametrize(
    "typed",
    [
        "MB-0DAB-JQSN-TZRH-2",
        "mb-0dab-jqsn-tzrh-2",
        "mb 0dab jqsn tzrh 2",
        "MB0DABJQSNTZRH2",
        "MB-ODAB-JQSN-TZRH-2",  # O for 0
    ],
)
def test_a_reference_is_read_however_it_is_typed(typed: str) -> None:
    assert parse_reference(typed) == "MB-0DAB-JQSN-TZRH-2"
    assert find_references(f"where is {typed}?") == ["MB-0DAB-JQSN-TZRH-2"]


def test_i_and_l_read_as_one_and_u_is_no_symbol() -> None:
    assert find_references("status of mb-ddns-lwaf-s34y-h") == ["MB-DDNS-1WAF-S34Y-H"]
    assert find_references("status of MB-DDNS-IWAF-S34Y-H") == ["MB-DDNS-1WAF-S34Y-H"]
    assert find_references("status of MB-DDNS-UWAF-S34Y-H") == []
    assert is_canonical("MB-DDNS-1WAF-S34Y-H") and not is_canonical("MB-DDNS-LWAF-S34Y-H")


def test_several_references_each_once_in_order() -> None:
    text = "MB-1111-2222-3333-4 and mb 5555 6666 7777 8, again MB-1111-2222-3333-4"
    assert find_references(text) == ["MB-1111-2222-3333-4", "MB-5555-6666-7777-8"]


@pytest.mark.parametrize(
    ("text", "mistyped"),
    [
        ("where is MB-XXXX-1234", ["MB-XXXX-1234"]),
        ("status of MB-DDNS-1WAF-S34Y", ["MB-DDNS-1WAF-S34Y"]),
        ("status of MB-0DAB-JQSN-TZRH-2", []),  # a reference, not a mistyped one
        ("the MB-style forms", []),
        ("how do I apply for a building permit", []),
    ],
)
def test_something_meant_as_a_reference_is_told_apart(text: str, mistyped: list[str]) -> None:
    assert mistyped_references(text) == mistyped
