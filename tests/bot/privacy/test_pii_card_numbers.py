"""Card issuer ranges and the Luhn check (bot/privacy/card_numbers.py)."""

from __future__ import annotations

import pytest

from bot.privacy.card_numbers import card_scheme, luhn_valid


@pytest.mark.parametrize(
    ("digits", "scheme"),
    [
        pytest.param("4111111111111111", "Visa", id="Visa 16"),
        pytest.param("4222222222222", "Visa", id="Visa 13"),
        pytest.param("4111111111111111003", "Visa", id="Visa 19"),
        pytest.param("5555555555554444", "Mastercard", id="Mastercard 51-55"),
        pytest.param("2223003122003222", "Mastercard", id="Mastercard 2-series, low end"),
        pytest.param("2720999999999996", "Mastercard", id="Mastercard 2-series, high end"),
        pytest.param("378282246310005", "American Express", id="Amex 37"),
        pytest.param("341111111111111", "American Express", id="Amex 34"),
        pytest.param("6011111111111117", "Discover", id="Discover 6011"),
        pytest.param("6500000000000002", "Discover", id="Discover 65"),
        pytest.param("6440000000000005", "Discover", id="Discover 644"),
        pytest.param("3530111333300000", "JCB", id="JCB 16"),
        pytest.param("3530111333300000001", "JCB", id="JCB 19"),
        pytest.param("501800000009", "Maestro", id="Maestro 12"),
        pytest.param("6759649826438453", "Maestro", id="Maestro 16"),
        pytest.param("6761000000000000001", "Maestro", id="Maestro 19"),
        pytest.param("6200000000000005", "UnionPay", id="UnionPay 16"),
        pytest.param("6212345678901234569", "UnionPay", id="UnionPay 19"),
        pytest.param("30569309025904", "Diners Club", id="Diners 300-305"),
        pytest.param("36227206271667", "Diners Club", id="Diners 36"),
        pytest.param("2200000000000004", "Mir", id="Mir"),
    ],
)
def test_a_luhn_valid_number_in_an_issuer_range_names_its_scheme(digits: str, scheme: str) -> None:
    assert card_scheme(digits) == scheme


@pytest.mark.parametrize(
    "digits",
    [
        pytest.param("4111111111111112", id="Luhn fails"),
        pytest.param("7012345678901232", id="Luhn passes, no scheme starts with 7"),
        pytest.param("411111111111116", id="Visa prefix, 15 digits, Luhn passes"),
        pytest.param("3714496353984314", id="Amex prefix, 16 digits, Luhn passes"),
        pytest.param("2221000000000", id="Mastercard 2-series prefix, 13 digits, Luhn passes"),
        pytest.param("12345674", id="8 digits, Luhn passes"),
        pytest.param("41111111111111111115", id="20 digits, Luhn passes"),
        pytest.param("4111 1111 1111 1111", id="separators are the caller's to remove"),
        pytest.param("٤١١١١١١١١١١١١١١١", id="digits must be ASCII (fold first)"),
        pytest.param("", id="empty"),
    ],
)
def test_anything_else_is_no_card_number(digits: str) -> None:
    assert card_scheme(digits) is None


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("79927398713", True), ("79927398710", False), ("0", True), ("18", True), ("10", False)],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid
