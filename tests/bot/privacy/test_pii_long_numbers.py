"""Long bare numbers no recognizer claims (`bot/privacy/digit_runs.py`) and a card's expiry
(`bot/privacy/recognizers/card_expiry.py`): what testers found stored in clear, and the near misses
that must stay as written."""

from __future__ import annotations

import pytest

from bot.privacy import PiiDetector, Redactor
from tests.bot.privacy.conftest import found

LONG_NUMBERS = [
    pytest.param(
        "[NAME] here, 9526968611. how long until I hear back?",
        "[NAME] here, [PHONE]. how long until I hear back?",
        id="ten digits after a name",
    ),
    pytest.param(
        "Thanks,\nMaria Lopez\nmaria@example.com\n2757157125",
        "Thanks,\n[NAME]\n[EMAIL]\n[PHONE]",
        id="a signature's last line, an unassigned area code",
    ),
    pytest.param(
        "my water account number is 123456789012",
        "my water account number is [ID_NUMBER]",
        id="a utility account number",
    ),
    pytest.param(
        "my utility account 6058300420 is overdue", "my utility account [PHONE] is overdue", id="ten"
    ),
    pytest.param("my roll number is 123456789012345", "my roll number is [ID_NUMBER]", id="a roll number"),
    pytest.param("call 275 7157125 after 5", "call [PHONE] after 5", id="a North American grouping"),
    pytest.param("ok\nJohn Smith\n001-871-711-6480", "ok\n[NAME]\n[PHONE]", id="dialled from abroad"),
    pytest.param("you can text 12757157125", "you can text [PHONE]", id="eleven starting with 1"),
    pytest.param("mobile: 123456789012", "mobile: [PHONE]", id="after a phone's label"),
    pytest.param("110105194912310021", "[ID_NUMBER]", id="a PRC ID with a wrong check character"),
    pytest.param("990105194912310023", "[ID_NUMBER]", id="a PRC ID with no such province"),
]

CARD_EXPIRIES = [
    pytest.param(
        "my credit card 4111 1111 1111 1111 exp 09/28 cvv 123",
        "my credit card [CARD] cvv [CARD_CODE]",
        id="right after the card",
    ),
    pytest.param(
        "my credit card [CARD] exp 09/28 cvv [CARD_CODE]",
        "my credit card [CARD] exp [CARD_CODE] cvv [CARD_CODE]",
        id="after a masked card",
    ),
    pytest.param("my card expires 09/28", "my card expires [CARD_CODE]", id="expires"),
    pytest.param("my card expires 09/2028", "my card expires [CARD_CODE]", id="a four-digit year"),
    pytest.param("visa 4111111111111111, expiry 09/27.", "visa [CARD].", id="after a comma"),
    pytest.param("4111 1111 1111 1111 (exp 09/28)", "[CARD]", id="in brackets"),
    pytest.param("my debit card valid thru 9/28", "my debit card valid thru [CARD_CODE]", id="valid thru"),
    pytest.param("mastercard good thru 09/28", "mastercard good thru [CARD_CODE]", id="good thru"),
    pytest.param("my card is valid until 09-28", "my card is valid until [CARD_CODE]", id="valid until"),
    pytest.param("cvv 123 exp 09/28", "cvv [CARD_CODE] exp [CARD_CODE]", id="after the code"),
]

NEAR_MISSES = [
    pytest.param("call 311", id="a short number"),
    pytest.param("the budget is $1,500,000", id="an amount"),
    pytest.param("the budget is $1500000000", id="an amount, no commas"),
    pytest.param("case MB-7K2P-9QXD-4R8T-Z", id="a case reference"),
    pytest.param("the new bins come in 2026", id="a year"),
    pytest.param("a 10 minute wait", id="a count"),
    pytest.param("the meeting is on 2026-03-15", id="a date"),
    pytest.param("Order 167626688361 for the recycling bin hasn't arrived yet.", id="an order number"),
    pytest.param("Tracking number 9400103579107736402338 shows it delivered", id="a tracking number"),
    pytest.param("Invoice 063370825506 says $1232.81", id="an invoice number"),
    pytest.param("the book 9783161484100 is overdue", id="an ISBN"),
    pytest.param("I typed 4678 9112 4796 4626 on the form", id="a card's grouping failing Luhn"),
    pytest.param("the reading was 123456789.50 units", id="a decimal"),
    pytest.param("my permit expires 12/27", id="a permit's expiry"),
    pytest.param("my card is fine but my permit expires 12/27", id="a permit's expiry after a card word"),
    pytest.param("my library card expires 09/28", id="a library card"),
    pytest.param("valid thru 09/28", id="no card near"),
    pytest.param("the card expires 12/05/2027", id="a full date"),
    pytest.param("my passport expires 09/28", id="a passport"),
]


@pytest.mark.parametrize(("text", "stored"), LONG_NUMBERS)
def test_a_long_number_no_recognizer_claims_is_masked(detector: PiiDetector, text: str, stored: str) -> None:
    assert Redactor(detector).redact(text).text == stored


@pytest.mark.parametrize(("text", "stored"), CARD_EXPIRIES)
def test_a_cards_expiry_after_its_label_is_masked_as_card_data(
    detector: PiiDetector, text: str, stored: str
) -> None:
    assert Redactor(detector).redact(text).text == stored


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_references_amounts_dates_and_short_numbers_stay_as_written(detector: PiiDetector, text: str) -> None:
    assert found(detector, text) == []


def test_a_pin_after_its_label_is_a_secret_not_a_long_number(detector: PiiDetector) -> None:
    assert found(detector, "my PIN is 123456") == [("SECRET", "123456")]
    assert found(detector, "my PIN is 123456789") == [("SECRET", "123456789")]


def test_a_north_american_grouping_counts_only_where_a_plus_one_region_is_configured() -> None:
    french = PiiDetector(phone_regions=("FR", "DE"))
    french.warm_up()
    assert found(french, "rappel 275 715 7125") == []
    assert found(french, "rappel 2757157125") == [("PHONE_NUMBER", "2757157125")]
