"""Card numbers and IBANs (bot/privacy/recognizers/payment.py) through the real detector."""

from __future__ import annotations

import pytest

from bot.privacy import PiiDetector
from tests.bot.privacy.conftest import found

CARDS = [
    pytest.param("I paid with card 4111 1111 1111 1111, twice", "4111 1111 1111 1111", id="Visa, spaces"),
    pytest.param("mastercard 5500-0000-0000-0004", "5500-0000-0000-0004", id="Mastercard, dashes"),
    pytest.param("2223 0031 2200 3222 was charged", "2223 0031 2200 3222", id="Mastercard 2-series"),
    pytest.param("card 2720999999999996 declined", "2720999999999996", id="Mastercard 2-series, compact"),
    pytest.param("visa 4111 1111 1111 1111 003", "4111 1111 1111 1111 003", id="Visa 19 digits"),
    pytest.param("amex 3782 822463 10005 was billed", "3782 822463 10005", id="Amex 4-6-5"),
    pytest.param("6011111111111117 got declined", "6011111111111117", id="Discover, compact"),
    pytest.param("jcb 3530 1113 3330 0000", "3530 1113 3330 0000", id="JCB"),
    pytest.param("maestro 5018 0000 0009", "5018 0000 0009", id="Maestro 12 digits"),
    pytest.param("maestro 6761 0000 0000 0000 001", "6761 0000 0000 0000 001", id="Maestro 19 digits"),
    pytest.param("unionpay 6200 0000 0000 0005", "6200 0000 0000 0005", id="UnionPay"),
    pytest.param("diners 3056 930902 5904", "3056 930902 5904", id="Diners 14 digits"),
    pytest.param("card 4111 - 1111 - 1111 - 1111", "4111 - 1111 - 1111 - 1111", id="spaced dashes"),
    pytest.param("card 4111/1111/1111/1111", "4111/1111/1111/1111", id="slashes"),
    pytest.param("card 4111.1111.1111.1111", "4111.1111.1111.1111", id="dots"),
    pytest.param("card 4111_1111_1111_1111", "4111_1111_1111_1111", id="underscores"),
    pytest.param(
        "card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", id="digit by digit"
    ),
    pytest.param("card 4111 1111 1111 1111 12/27", "4111 1111 1111 1111", id="expiry after it"),
]

IBANS = [
    pytest.param("refund to DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00", id="grouped"),
    pytest.param("IBAN GB82WEST12345698765432", "GB82WEST12345698765432", id="compact"),
    pytest.param("from FR1420041010050500013M02606", "FR1420041010050500013M02606", id="letters in BBAN"),
    pytest.param("iban de89 3704 0044 0532 0130 00 thanks", "de89 3704 0044 0532 0130 00", id="lower case"),
    pytest.param("my iban is gb82west12345698765432", "gb82west12345698765432", id="lower case, compact"),
    pytest.param("Iban: De89370400440532013000", "De89370400440532013000", id="mixed case"),
    pytest.param("GB82-WEST-1234-5698-7654-32 is mine", "GB82-WEST-1234-5698-7654-32", id="dashes"),
    pytest.param(
        "IBAN DE 89 3704 0044 0532 0130 00.", "DE 89 3704 0044 0532 0130 00", id="space after country"
    ),
    pytest.param("NL91ABNA0417164300 is my account", "NL91ABNA0417164300", id="Netherlands"),
    pytest.param("NO9386011117947 norsk konto", "NO9386011117947", id="Norway, shortest"),
]

NOTHING = [
    pytest.param("card 4111 1111 1111 1112", id="card failing Luhn"),
    pytest.param("1234 5678 9012 3456", id="digits failing Luhn"),
    pytest.param("library card 7012 3456 7890 1232", id="passes Luhn, no scheme issues it"),
    pytest.param("tracking 9400 1118 9922 3397 4612 34", id="USPS tracking number"),
    pytest.param("ISBN 978-0-306-40615-7", id="ISBN"),
    pytest.param("order 12345678-1234 shipped", id="order number"),
    pytest.param("DE00 3704 0044 0532 0130 00", id="IBAN with wrong check digits"),
    pytest.param("GB82WEST12345698765433", id="IBAN with a changed digit"),
    pytest.param("de00370400440532013000", id="lower-case IBAN with wrong check digits"),
    pytest.param("at 10 am on 12 march 2024 please", id="a country code and digits in a sentence"),
    pytest.param("case MB-7K2P-9QXD-4R8T-Z is still open", id="case reference"),
]


@pytest.mark.parametrize(("text", "value"), CARDS)
def test_card_numbers_are_found(detector: PiiDetector, text: str, value: str) -> None:
    assert found(detector, text) == [("CREDIT_CARD", value)]


@pytest.mark.parametrize(("text", "value"), IBANS)
def test_ibans_are_found(detector: PiiDetector, text: str, value: str) -> None:
    assert found(detector, text) == [("IBAN_CODE", value)]


@pytest.mark.parametrize("text", NOTHING)
def test_look_alikes_are_neither_cards_nor_ibans(detector: PiiDetector, text: str) -> None:
    assert found(detector, text) == []


def test_two_cards_in_one_run_are_two_spans(detector: PiiDetector) -> None:
    text = "cards 4111 1111 1111 1111 5555 5555 5555 4444"
    assert found(detector, text) == [
        ("CREDIT_CARD", "4111 1111 1111 1111"),
        ("CREDIT_CARD", "5555 5555 5555 4444"),
    ]
