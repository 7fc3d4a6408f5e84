"""Formats a penetration test found stored unmasked in transcripts (6 December 2026), through the real
`Redactor`: what is stored is the text with the value replaced, and the words around it as the
resident wrote them. Each table is one class of finding, in several wordings; the look-alikes at the
end are ordinary questions near the new rules, which must stay as written."""

from __future__ import annotations

import pytest

from bot.privacy import PiiDetector, Redactor

# The value after password/pass/passwd/pw/passcode/PIN with no "is" or ":" before it, or a dash.
PASSWORDS_WITHOUT_IS = [
    pytest.param(
        "my login is jsmith and password Hunter22! why can't I sign in",
        "my login is jsmith and password [SECRET] why can't I sign in",
        id="after a username, no 'is'",
    ),
    pytest.param("password Hunter22!", "password [SECRET]", id="label and value alone"),
    pytest.param("Password - Hunter22!", "Password - [SECRET]", id="a dash"),
    pytest.param("Password – Hunter22!", "Password – [SECRET]", id="an en dash"),
    pytest.param("user: jsmith pass: Hunter22!", "user: jsmith pass: [SECRET]", id="pass:"),
    pytest.param("my pass is Hunter22!", "my pass is [SECRET]", id="my pass is"),
    pytest.param("pw: Hunter22!", "pw: [SECRET]", id="pw:"),
    pytest.param("my passwd is Hunter22!", "my passwd is [SECRET]", id="passwd"),
    pytest.param("passcode 4821 please reset it", "passcode [SECRET] please reset it", id="passcode, digits"),
    pytest.param("PIN 4821", "PIN [SECRET]", id="PIN, digits"),
    pytest.param("login jdoe pass - Tr0ub4dor&3", "login jdoe pass - [SECRET]", id="pass, a dash"),
]

BIRTH_DATES = [
    pytest.param("my DOB is 1985/3/3", "my DOB is [BIRTH_DATE]", id="year first, one-digit month and day"),
    pytest.param(
        "I was born 1985-3-3, am I eligible for the senior bus pass?",
        "I was born [BIRTH_DATE], am I eligible for the senior bus pass?",
        id="year first, dashes",
    ),
    pytest.param("DOB - 1985 03 03", "DOB - [BIRTH_DATE]", id="spaces, year first"),
    pytest.param("date of birth 03 03 1985", "date of birth [BIRTH_DATE]", id="spaces, year last"),
    pytest.param("born in 1985 on March 3", "born in [BIRTH_DATE]", id="year, then month and day"),
    pytest.param(
        "I was born in March 1985, the 3rd", "I was born in [BIRTH_DATE]", id="month, year, then the day"
    ),
    pytest.param("I was born on the 3rd of March 1985", "I was born on [BIRTH_DATE]", id="the 3rd of March"),
    pytest.param("date of birth 3 marzo 1985", "date of birth [BIRTH_DATE]", id="Italian/Spanish month"),
    pytest.param(
        "fecha de nacimiento: 3 de marzo de 1985", "fecha de nacimiento: [BIRTH_DATE]", id="Spanish, 'de'"
    ),
    pytest.param("née le 3 mars 1985", "née le [BIRTH_DATE]", id="French"),
    pytest.param("geboren am 3. März 1985", "geboren am [BIRTH_DATE]", id="German, day with a dot"),
    pytest.param("DOB 3 maart 1985", "DOB [BIRTH_DATE]", id="Dutch"),
    pytest.param("nascido em 3 de março de 1985", "nascido em [BIRTH_DATE]", id="Portuguese"),
    pytest.param(
        "my date of birth is the third of march nineteen eighty five",
        "my date of birth is [BIRTH_DATE]",
        id="in words",
    ),
    pytest.param(
        "born March twenty-first, two thousand and one", "born [BIRTH_DATE]", id="in words, month first"
    ),
]

NATIONAL_IDS = [
    pytest.param("mi DNI es 12345678Z", "mi DNI es [ID_NUMBER]", id="DNI, Spanish wording"),
    pytest.param("mon NIR est 1 85 05 78 006 084 36", "mon NIR est [ID_NUMBER]", id="NIR, French wording"),
    pytest.param("my CPR is 0101901234", "my CPR is [ID_NUMBER]", id="CPR"),
    pytest.param("my HKID is A123456(7)", "my HKID is [ID_NUMBER]", id="HKID, check digit in brackets"),
    pytest.param("NRIC: S1234567D", "NRIC: [ID_NUMBER]", id="NRIC"),
    pytest.param("my PPS number is 1234567TW", "my PPS number is [ID_NUMBER]", id="PPS number"),
    pytest.param("ss# 123-45-6789", "ss# [SSN]", id="ss#"),
    pytest.param("my SS number 123-45-6789", "my SS number [SSN]", id="SS number"),
    pytest.param("soc sec no. 536-22-8726", "soc sec no. [SSN]", id="soc sec no."),
    pytest.param("my vin is 1HGCM82633A004352", "my vin is [ID_NUMBER]", id="VIN"),
    pytest.param(
        "my account number is 000123456789 at Chase",
        "my account number is [ID_NUMBER] at Chase",
        id="account number at a bank",
    ),
    pytest.param(
        "account no. 12345678 with Wells Fargo", "account no. [ID_NUMBER] with Wells Fargo", id="with a bank"
    ),
    pytest.param("my checking account is 000123456789", "my checking account is [ID_NUMBER]", id="checking"),
    pytest.param(
        "my Chase account number: 000123456789",
        "my Chase account number: [ID_NUMBER]",
        id="bank's name first",
    ),
    pytest.param("my SIN is 046 454 286", "my SIN is [ID_NUMBER]", id="SIN, not a phone"),
    pytest.param("NHS number 943 476 5919", "NHS number [ID_NUMBER]", id="NHS number, not a phone"),
    pytest.param("ID number 987-654-321", "ID number [ID_NUMBER]", id="ID number, not a phone"),
    pytest.param("my ID is 987654321", "my ID is [ID_NUMBER]", id="my ID is"),
]

# A card's code after the card or its expiry; the expiry is masked with the card it follows, or as card
# data where no number comes before it (`recognizers/card_expiry.py`).
CARD_CODES = [
    pytest.param(
        "card: 5555555555554444 expiry 04/26 code 123",
        "card: [CARD] code [CARD_CODE]",
        id="code after the expiry",
    ),
    pytest.param(
        "visa 4111111111111111 and the code is 123",
        "visa [CARD] and the code is [CARD_CODE]",
        id="the code is",
    ),
    pytest.param(
        "card ending 4444 exp 04/26, code: 737",
        "card ending 4444 exp [CARD_CODE], code: [CARD_CODE]",
        id="exp, code:",
    ),
    pytest.param(
        "card 4111111111111111 exp 04/26, zip code 9021",
        "card [CARD], zip code 9021",
        id="a zip code is no card code",
    ),
]

OBFUSCATED_CONTACTS = [
    pytest.param("j s m i t h @ g m a i l . c o m", "[EMAIL]", id="one character at a time"),
    pytest.param('"jsmith" at "gmail.com"', '"[EMAIL]"', id="in double quotes"),
    pytest.param("'jsmith' @ 'gmail.com'", "'[EMAIL]'", id="in single quotes, at sign"),
    pytest.param("my email is jsmith at gmail", "my email is [EMAIL]", id="provider, no suffix"),
    pytest.param("email me at j.smith@gmail", "email me at [EMAIL]", id="at sign, provider, no suffix"),
    pytest.param("write to anna.lee at hotmail", "write to [EMAIL]", id="mailbox-like name, provider"),
    pytest.param("my phone is 555-O142", "my phone is [PHONE]", id="letter O for zero"),
    pytest.param("call 5O5-555-0l42", "call [PHONE]", id="O for zero, l for one"),
    pytest.param("text me 5 5 5 0 1 4 2", "text me [PHONE]", id="digit by digit"),
    pytest.param("call me on five five five 0142", "call me on [PHONE]", id="words, then digits"),
    pytest.param(
        "my number is five five five, oh one four two", "my number is [PHONE]", id="words only, 'oh' for zero"
    ),
    pytest.param(
        "phone: four one five double five five oh one nine nine", "phone: [PHONE]", id="'double five'"
    ),
]

# A card's number in parts after a card label, or with an extra group.
CARD_PARTS = [
    pytest.param("My card number starts 4111 1111", "My card number starts [CARD]", id="starts"),
    pytest.param(
        "my card number starts with 4111 1111 and ends with 1111 1111",
        "my card number starts with [CARD] and ends with [CARD]",
        id="starts and ends",
    ),
    pytest.param(
        "the first 8 digits of my card are 4111 1111",
        "the first 8 digits of my card are [CARD]",
        id="first digits",
    ),
    pytest.param(
        "visa ending with the digits 5678 9012",
        "visa ending with the digits [CARD]",
        id="ending, eight digits",
    ),
    pytest.param("my card is 4111 1111 1111 1111 1111", "my card is [CARD]", id="an extra group after it"),
    pytest.param(
        "card 1111 4111 1111 1111 1111 declined", "card [CARD] declined", id="an extra group before it"
    ),
]

LOOK_ALIKES = [
    pytest.param("I forgot my password yesterday", id="password, then a word"),
    pytest.param("password reset", id="password reset"),
    pytest.param("how do I change my password for the portal", id="my password for"),
    pytest.param("password must be 8-12 characters", id="a rule about passwords"),
    pytest.param("bus pass holders", id="bus pass"),
    pytest.param("a day pass costs $5", id="day pass, a price"),
    pytest.param("my bus pass is 12345 and it expired", id="a kind of pass, its number"),
    pytest.param("the monthly pass: $45 for adults", id="a kind of pass, colon, a price"),
    pytest.param("how much is a 7-day pass?", id="a count of days"),
    pytest.param("the pass is valid 24/7", id="the pass, a word"),
    pytest.param("what does PW stand for?", id="PW"),
    pytest.param("the deadline is 2026-3-3", id="a date, no birth word"),
    pytest.param("collection on March 3", id="a month and day"),
    pytest.param("the event is on 3 marzo 2026", id="a date in Italian, no birth word"),
    pytest.param("my son was born in 2019 and has 3 bins", id="born, a year and a count"),
    pytest.param("I was born in March 1985 and need a bus pass", id="born, a month and a year, no day"),
    pytest.param("is Chase bank open on Sunday?", id="a bank, no number"),
    pytest.param("What is a CPR class and when is the next one?", id="CPR, no value"),
    pytest.param("application ID 2024-00123, any news?", id="an application's ID"),
    pytest.param("order ID: 55512345 never arrived", id="an order's ID"),
    pytest.param("my ID is on the way", id="my ID, no value"),
    pytest.param("my student ID expired in 2024", id="an ID, then a year"),
    pytest.param("visa ending in 1234", id="a card's last four digits"),
    pytest.param("my card ends 12/2026, can I still renew?", id="an expiry after 'ends'"),
    pytest.param("Use it for the direct debit starting 16/06/2023.", id="a date after 'starting'"),
    pytest.param("email me at gmail please", id="'me' at a provider"),
    pytest.param("jane at gmail", id="a plain word at a provider, no 'email'"),
    pytest.param("I need one or two bins, five or six", id="number words, not a phone"),
    pytest.param("call me on Monday, one of us will be home", id="'one' after 'call me on'"),
]


@pytest.fixture(scope="module")
def redactor(detector: PiiDetector) -> Redactor:
    redactor = Redactor(detector)
    redactor.warm_up()
    return redactor


@pytest.mark.parametrize(("text", "stored"), PASSWORDS_WITHOUT_IS)
def test_passwords_after_a_label_without_is_are_masked(redactor: Redactor, text: str, stored: str) -> None:
    assert redactor.redact(text).text == stored


@pytest.mark.parametrize(("text", "stored"), BIRTH_DATES)
def test_dates_of_birth_in_any_order_and_language_are_masked(
    redactor: Redactor, text: str, stored: str
) -> None:
    assert redactor.redact(text).text == stored


@pytest.mark.parametrize(("text", "stored"), NATIONAL_IDS)
def test_national_ids_and_bank_accounts_after_their_label_are_masked(
    redactor: Redactor, text: str, stored: str
) -> None:
    assert redactor.redact(text).text == stored


@pytest.mark.parametrize(("text", "stored"), CARD_CODES)
def test_a_code_after_a_card_or_its_expiry_is_masked(redactor: Redactor, text: str, stored: str) -> None:
    assert redactor.redact(text).text == stored


@pytest.mark.parametrize(("text", "stored"), OBFUSCATED_CONTACTS)
def test_obfuscated_emails_and_phone_numbers_are_masked(redactor: Redactor, text: str, stored: str) -> None:
    assert redactor.redact(text).text == stored


@pytest.mark.parametrize(("text", "stored"), CARD_PARTS)
def test_parts_of_a_card_number_and_extra_groups_are_masked(
    redactor: Redactor, text: str, stored: str
) -> None:
    assert redactor.redact(text).text == stored


def test_a_labelled_id_that_a_phone_shape_fits_keeps_its_label_type(detector: PiiDetector) -> None:
    text = "my SIN is 046 454 286"
    assert [(span.entity_type, text[span.start : span.end]) for span in detector.detect(text)] == [
        ("CA_SIN", "046 454 286")
    ]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_ordinary_questions_near_the_new_rules_stay_as_written(redactor: Redactor, text: str) -> None:
    result = redactor.redact(text)
    assert (result.text, result.spans) == (text, ())


@pytest.mark.parametrize(
    ("before", "text", "stored"),
    [
        ("My card number starts [CARD]", "and ends 1111 1111", "and ends [CARD]"),
        ("my visa is [CARD], expiry 04/26", "and the code is 123", "and the code is [CARD_CODE]"),
    ],
)
def test_data_a_label_in_the_message_before_names_is_masked(
    redactor: Redactor, before: str, text: str, stored: str
) -> None:
    """A card split over two messages: the second half alone is any eight digits."""
    assert redactor.redact(text).text == text
    assert redactor.redact(text, before).text == stored


@pytest.mark.parametrize("text", ["permit 2024 0315 was approved", "how much is a dog licence", "it is 1111"])
def test_a_message_after_a_card_that_holds_no_card_stays_as_written(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text, "My card number starts [CARD]").text == text


@pytest.mark.parametrize(
    "text",
    ["The resident is reachable at 555-0199 after 5pm.", "she is reachable on 555-0199", "dial 555-0199"],
)
def test_a_local_number_after_reachable_or_dial_is_masked(redactor: Redactor, text: str) -> None:
    """A transfer note ("reachable at 555-0199") kept the number: seven digits need a phone word."""
    assert "555-0199" not in redactor.redact(text).text and "[PHONE]" in redactor.redact(text).text
