"""Formats a re-test found stored raw (or partly raw) in what staff see (6 December 2026), through the real
`Redactor`: one table per class of finding (bank accounts, other labelled numbers, card expiry dates,
secrets, names, e-mail obfuscations, addresses, dates of birth). The raw value is gone from what is
stored; the near misses at the end are ordinary questions near the new rules, which stay as written."""

from __future__ import annotations

import pytest

from bot.privacy import PiiDetector, Redactor

# (text, the raw value that must be gone)
BANK_ACCOUNTS = [
    pytest.param("my checking acct 000123456789", "000123456789", id="checking acct"),
    pytest.param("acct no. 000123456789 at Wells Fargo", "000123456789", id="acct no. at a bank"),
    pytest.param("account 000123456789 (Barclays)", "000123456789", id="bank in brackets"),
    pytest.param("my account: 12345678 sort code 12-34-56", "12345678", id="account with a sort code"),
    pytest.param("routing 021000021 account 1234567890", "1234567890", id="routing, then account"),
    pytest.param(
        "routing number 021000021, account number 000123456789", "000123456789", id="routing number, account"
    ),
]
LABELLED_NUMBERS = [
    pytest.param("my library card number is 21234001234567", "21234001234567", id="library card number"),
    pytest.param("my employee number is E-445566", "445566", id="employee number"),
    pytest.param("2345 6789 0123 is my aadhaar", "2345 6789 0123", id="value before its label"),
    pytest.param("E-445566 is my employee number", "445566", id="employee number before its label"),
    pytest.param("s s n 536228741", "536228741", id="spaced SSN label"),
]
SECRETS = [
    pytest.param("my security answer is fluffy", "fluffy", id="security answer"),
    pytest.param("memorable word: fluffy", "fluffy", id="memorable word"),
    pytest.param("my mother's maiden name is smith", "smith", id="maiden name, lower case"),
    pytest.param(
        "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "eyJhbGciOiJIUzI1NiJ9",
        id="JWT",
    ),
    pytest.param("Authorization: Bearer abc123XYZ789tok", "abc123XYZ789tok", id="bearer token"),
    pytest.param("username maria.lopez85 and password Hunter22!", "maria.lopez85", id="username"),
    pytest.param("user name maria.lopez85", "maria.lopez85", id="user name"),
    pytest.param("login maria.lopez85", "maria.lopez85", id="login"),
    pytest.param("my username is jdoe", "jdoe", id="username in letters"),
]
NAMES = [
    pytest.param("Maria Lopez (resident) asking about parking", "Maria Lopez", id="name and role"),
    pytest.param(
        "contact maria maria.lopez@example.org please", "contact maria", id="first name before email"
    ),
    pytest.param("Maria Lopez <maria.lopez85@gmail.com>", "Maria Lopez", id="name before its mailbox"),
    pytest.param("Thanks for the quick reply -Maria Lopez", "Maria Lopez", id="dash signature, same line"),
    pytest.param("is the pool open?\nThanks again\nMaria Lopez", "Maria Lopez", id="thanks again"),
    pytest.param("is the pool open?\nTake care\nMaria Lopez", "Maria Lopez", id="take care"),
]
EMAILS = [
    pytest.param("maria.lopez at mail dot millbrook dot example", "millbrook", id="dots spelled, any suffix"),
    pytest.param("maria lopez at gmail", "lopez at gmail", id="first and last name at gmail"),
]
ADDRESSES = [
    pytest.param("deliver to 7 Rue de la Paix, 75002 Paris", "Rue de la Paix", id="French"),
    pytest.param("Hauptstrasse 5, 10115 Berlin", "Hauptstrasse 5", id="German"),
    pytest.param("Calle Mayor 5, 28013 Madrid", "Calle Mayor 5", id="Spanish"),
    pytest.param("my address is Hauptstrasse 5", "Hauptstrasse 5", id="German after a label"),
    pytest.param("Flat 3, Rosemount House, Glasgow G1 1AA", "Rosemount House", id="UK building and postcode"),
    pytest.param("POB 1234", "1234", id="POB"),
    pytest.param("Postfach 1234", "1234", id="Postfach"),
]
BIRTH_DATES = [
    pytest.param("b. 1985-03-03", "1985-03-03", id="b."),
    pytest.param("b-day 03/03/1985", "03/03/1985", id="b-day"),
    pytest.param("bday 03/03/1985", "03/03/1985", id="bday"),
    pytest.param("geb. 03.03.1985", "03.03.1985", id="geb."),
]
NEAR_MISSES = [
    "my utility account MB-7K2P-9QXD-4R8T-Z is overdue",
    "I need a library card",
    "what does a library card cost",
    "is the dog licence 208-6816 renewed",
    "call 311 then press 2",
    "case MB-7K2P-9QXD-4R8T-Z status",
    "the fee is $1,250.00 due 2026-03-03",
    "my permit expires 12/27",
    "parking permit expiry 12/27",
    "my security answer is wrong",
    "my security answer is not accepted",
    "my username is too long",
    "the login page is broken",
    "employee 3 was rude",
    "Green Street (resident parking) question",
    "- Old Sofa",
    "the meeting is on 12/03/2026 at 10:00",
    "email me at gmail",
    "the event is at 7 Rue de la Paix on Friday",
    "Glasgow G1 1AA collection day",
]


@pytest.fixture(scope="module")
def redactor(detector: PiiDetector) -> Redactor:
    redactor = Redactor(detector)
    redactor.warm_up()
    return redactor


@pytest.mark.parametrize(
    ("text", "value"),
    [*BANK_ACCOUNTS, *LABELLED_NUMBERS, *SECRETS, *NAMES, *EMAILS, *ADDRESSES, *BIRTH_DATES],
)
def test_the_raw_value_is_gone(redactor: Redactor, text: str, value: str) -> None:
    assert value in text
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_ordinary_questions_near_the_new_rules_stay_as_written(redactor: Redactor, text: str) -> None:
    result = redactor.redact(text)
    assert (result.text, result.spans) == (text, ())
