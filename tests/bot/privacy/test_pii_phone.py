"""Phone numbers (bot/privacy/recognizers/phone.py) through the real detector."""

from __future__ import annotations

import pytest

from bot.privacy import DetectorConfigError, PiiDetector
from tests.bot.privacy.conftest import found

FOUND = [
    # North American, with extensions and disguised separators
    pytest.param("call me on (555) 014-2233 please", "(555) 014-2233", id="NANP (555) 014-2233"),
    pytest.param("my number is 212-555-0187", "212-555-0187", id="NANP dashes"),
    pytest.param("office: 415.555.2671", "415.555.2671", id="NANP dots"),
    pytest.param("+1 (646) 555-3890 is my cell", "+1 (646) 555-3890", id="+1 and brackets"),
    pytest.param("reach me at 555-123-4567 ext. 89", "555-123-4567 ext. 89", id="extension ext."),
    pytest.param("desk (212) 555-0187 x1234", "(212) 555-0187 x1234", id="extension x"),
    pytest.param("212.555.0187, extension 204 is mine", "212.555.0187, extension 204", id="extension word"),
    pytest.param("my number is 555 - 123 - 4567", "555 - 123 - 4567", id="spaced dashes"),
    pytest.param("my number is 555/123/4567", "555/123/4567", id="slashes"),
    pytest.param("my number: (555)123-4567", "(555)123-4567", id="no space after bracket"),
    pytest.param("my phone is (212)5550199", "(212)5550199", id="brackets, seven digits run together"),
    pytest.param("phone (555)0142233, where is my permit", "(555)0142233", id="brackets, 555, run together"),
    pytest.param("my cell (416)5550199", "(416)5550199", id="brackets, run together, Canada"),
    pytest.param("call (212) 5550199", "(212) 5550199", id="brackets, a space, run together"),
    pytest.param("call me at 555-0142", "555-0142", id="seven digits with a phone word"),
    pytest.param("text 4155552671 when you arrive", "4155552671", id="ten bare digits with a phone word"),
    # international
    pytest.param("My UK number is +44 20 7946 0958.", "+44 20 7946 0958", id="+44"),
    pytest.param("my French mobile +33 6 23 35 33 55", "+33 6 23 35 33 55", id="+33"),
    pytest.param("it is +33 (0)6 23 35 33 55", "+33 (0)6 23 35 33 55", id="+33 (0)"),
    pytest.param("dial 0033 6 23 35 33 55", "0033 6 23 35 33 55", id="exit code 00"),
    pytest.param("from the US dial 011 44 20 7946 0958", "011 44 20 7946 0958", id="exit code 011"),
    # national formats of the default regions
    pytest.param("mon portable 06 23 35 33 55", "06 23 35 33 55", id="FR"),
    pytest.param("bureau 01.42.68.53.00", "01.42.68.53.00", id="FR dots"),
    pytest.param("Festnetz 030 12345678", "030 12345678", id="DE"),
    pytest.param("Handy 0151 23456789", "0151 23456789", id="DE mobile"),
    pytest.param("landline 020 7946 0958", "020 7946 0958", id="GB"),
    pytest.param("móvil 612 345 678", "612 345 678", id="ES"),
    pytest.param("cellulare 347 123 4567", "347 123 4567", id="IT"),
    pytest.param("mobiel 06 12345678", "06 12345678", id="NL"),
    pytest.param("gsm 0470 12 34 56", "0470 12 34 56", id="BE"),
    pytest.param("mobile 087 123 4567", "087 123 4567", id="IE"),
    pytest.param("mobile 0412 345 678", "0412 345 678", id="AU"),
    pytest.param("office (02) 9123 4567", "(02) 9123 4567", id="AU landline"),
    pytest.param("mobile 98765 43210", "98765 43210", id="IN"),
    pytest.param("celular 55 1234 5678", "55 1234 5678", id="MX"),
    pytest.param("celular (11) 91234-5678", "(11) 91234-5678", id="BR"),
    pytest.param("my Chinese mobile 138 0013 8000", "138 0013 8000", id="CN"),
    pytest.param("携帯 090-1234-5678", "090-1234-5678", id="JP"),
    # weak forms, lifted by a phone word
    pytest.param("call me on 0 6 2 3 3 5 3 3 5 5", "0 6 2 3 3 5 3 3 5 5", id="digit by digit"),
    pytest.param("text 0623353355 please", "0623353355", id="national, bare digits"),
]

NOTHING = [
    pytest.param("permit 555-0142 was approved", id="7 digits, no phone word"),
    pytest.param("order 4155552671 shipped", id="10 bare digits, no phone word"),
    pytest.param("my case number is 555-0142", id="'number' alone is not a phone word"),
    pytest.param("permit 2024-004512", id="permit number, valid in some regions"),
    pytest.param("paid $1,250.00 on 2024-03-15 at 10:30", id="amount, ISO date, time"),
    pytest.param("due 05.10.2023, paid 15/03/2024", id="dotted and slashed dates"),
    pytest.param("the fine from 06.02.2023 at 14h30", id="date starting with 0"),
    pytest.param("zip 90210-1234", id="ZIP+4"),
    pytest.param("ISBN 978-0-306-40615-7", id="ISBN"),
    pytest.param("utility account 4471-0928-33", id="account number"),
    pytest.param("under 051-59-4398, name Ann Lee", id="grouped like an SSN (it is found as one)"),
    pytest.param("open 8.30-17.00, room 0412", id="opening hours and a room"),
    pytest.param("the permit (2024)1234567 was approved", id="a year in brackets, then digits"),
]


@pytest.mark.parametrize(("text", "value"), FOUND)
def test_phone_numbers_are_found(detector: PiiDetector, text: str, value: str) -> None:
    assert found(detector, text) == [("PHONE_NUMBER", value)]


@pytest.mark.parametrize("text", NOTHING)
def test_numbers_that_only_look_like_phones_are_not(detector: PiiDetector, text: str) -> None:
    assert "PHONE_NUMBER" not in [entity for entity, _ in found(detector, text)]


def test_national_formats_count_only_for_the_configured_regions() -> None:
    us_only = PiiDetector(phone_regions=("US",))
    us_only.warm_up()
    assert found(us_only, "mon portable 06 23 35 33 55") == []
    assert found(us_only, "my French mobile +33 6 23 35 33 55") == [("PHONE_NUMBER", "+33 6 23 35 33 55")]
    assert found(us_only, "call (555) 014-2233") == [("PHONE_NUMBER", "(555) 014-2233")]


def test_a_city_outside_north_america_configures_its_own_regions() -> None:
    french = PiiDetector(phone_regions=("FR", "DE"))
    french.warm_up()
    assert found(french, "mon portable 06 23 35 33 55") == [("PHONE_NUMBER", "06 23 35 33 55")]
    assert found(french, "Handy 0151 23456789") == [("PHONE_NUMBER", "0151 23456789")]
    assert found(french, "my number is 212-555-0187") == []


@pytest.mark.parametrize("regions", [("US", "XX"), ("us",), ()], ids=["unknown", "lower case", "none"])
def test_when_a_phone_region_is_unknown_then_warm_up_says_so(regions: tuple[str, ...]) -> None:
    with pytest.raises(DetectorConfigError, match="Phone regions"):
        PiiDetector(phone_regions=regions).warm_up()
