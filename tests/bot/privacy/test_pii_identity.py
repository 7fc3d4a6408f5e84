"""US social security numbers (bot/privacy/recognizers/identity.py) through the real detector."""

from __future__ import annotations

import pytest

from bot.privacy import PiiDetector
from tests.bot.privacy.conftest import found

FOUND = [
    pytest.param("My SSN is 536-22-8726.", "536-22-8726", id="dashes"),
    pytest.param("ssn: 536 22 8726", "536 22 8726", id="spaces"),
    pytest.param("ssn 536.22.8726", "536.22.8726", id="dots"),
    pytest.param("ssn 536 - 22 - 8726", "536 - 22 - 8726", id="spaced dashes"),
    pytest.param("ssn 536/22/8726", "536/22/8726", id="slashes"),
    pytest.param("ssn 536 / 22 / 8726", "536 / 22 / 8726", id="spaced slashes"),
    pytest.param("ssn 536_22_8726", "536_22_8726", id="underscores"),
    pytest.param("SSN: 536\u201322\u20138726", "536\u201322\u20138726", id="en dashes"),
    pytest.param("I gave 536-22-8726 on the form", "536-22-8726", id="dashes, no context"),
    pytest.param("social security number 536228726", "536228726", id="bare, with the phrase"),
    pytest.param("SSN 536228726", "536228726", id="bare, with SSN"),
    pytest.param("my ssn is 5 3 6 2 2 8 7 2 6", "5 3 6 2 2 8 7 2 6", id="digit by digit, with SSN"),
    pytest.param("under 051-59-4398, name on file", "051-59-4398", id="starts with 0, also a phone shape"),
]

# A number that fails the SSN's checks is no SSN by its shape, but one the resident labels "SSN" is
# masked as one all the same (recognizers/labelled.py): a mistyped SSN is still theirs.
LABELLED_ONLY = [
    pytest.param("000-12-3456", id="area 000"),
    pytest.param("666-12-3456", id="area 666"),
    pytest.param("912-45-6789", id="nine hundreds, no ITIN group"),
    pytest.param("536-00-8726", id="group 00"),
    pytest.param("536-22-0000", id="serial 0000"),
    pytest.param("123-45-6789", id="published sample"),
    pytest.param("536-22 8726", id="two different separators"),
]

NOTHING = [
    pytest.param("security deposit receipt 536228726", id="'security' alone is not SSN context"),
    pytest.param("parcel 123-456-78", id="parcel number 3-3-2"),
    pytest.param("5 3 6 2 2 8 7 2 6", id="digit by digit, no context"),
]


@pytest.mark.parametrize(("text", "value"), FOUND)
def test_social_security_numbers_are_found(detector: PiiDetector, text: str, value: str) -> None:
    assert found(detector, text) == [("US_SSN", value)]


@pytest.mark.parametrize("text", NOTHING)
def test_numbers_that_are_no_ssn_are_not_found(detector: PiiDetector, text: str) -> None:
    assert found(detector, text) == []


@pytest.mark.parametrize("value", LABELLED_ONLY)
def test_numbers_that_fail_the_checks_are_found_only_when_labelled(detector: PiiDetector, value: str) -> None:
    assert found(detector, f"I wrote {value} on the form") == []
    assert found(detector, f"SSN {value}") == [("US_SSN", value)]
    assert found(detector, f"my social security number is {value}.") == [("US_SSN", value)]
