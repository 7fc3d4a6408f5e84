"""The unmask reason rule, table-driven: words that look like words, and a reference to look up."""

from __future__ import annotations

import pytest

from records_api.unmask_reasons import clean_reason

ACCEPTED = [
    "Resident called (ticket INC-20931) to correct the address on file",
    "Court order 2025/117 requires disclosure of the postal address",
    "Fraud referral FR-2291 from the benefits team, verify identity",
    "Complaint #48211: resident disputes the recorded phone number",
    "Quarterly audit sample, case MB-3MJ1-V7NB-PE6D-Y, check masking",
    "Antrag 4711: Bürgerin möchte ihre Adresse berichtigen lassen",  # not English, still words
]

REFUSED = {
    "the issue's reason": "ab cd ef gh ij kl mn op",
    "the same word over and over": "need it need it need it 12345",
    "keyboard mash with a number": "asdf qwer zxcv 12345 hjkl",
    "no vowels": "xkcd brrr pfft grr 2024-001",
    "one repeated letter": "aaaa bbbb cccc 99999 dddd",
    "no reference to look up": "Resident phoned to correct the address on file; identity checked.",
    "too short": "Ticket 48211 ok",
    "too long": "Resident called about ticket 48211 " + "again " * 200,
}


@pytest.mark.parametrize("reason", ACCEPTED)
def test_a_reason_naming_words_and_a_reference_is_accepted_whitespace_collapsed(reason: str) -> None:
    assert clean_reason(f"  {reason.replace(' ', '   ')}\n", min_length=20) == reason


@pytest.mark.parametrize("name", list(REFUSED))
def test_weak_reasons_are_refused(name: str) -> None:
    assert clean_reason(REFUSED[name], min_length=20) is None


def test_the_minimum_length_is_a_setting() -> None:
    reason = "Resident called about ticket 48211 today"
    assert clean_reason(reason, min_length=20) == reason
    assert clean_reason(reason, min_length=len(reason) + 1) is None
