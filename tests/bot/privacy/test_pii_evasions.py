"""Formats a second penetration test found stored unmasked (6 December 2026), through the real `Redactor`:
values written to slip past a filter. Each table is one class of finding (separators and words between
a number's parts, encodings, labels in structured text, identifiers after their label, dates of birth,
emails, addresses and secrets); what is stored is the text with the value replaced, and the raw value
is gone. The near misses at the end are ordinary questions near the new rules, which stay as written."""

from __future__ import annotations

import pytest

from bot.privacy import PiiDetector, Redactor

# (text, the raw value, what is stored)
NUMBERS_IN_PARTS = [
    pytest.param("ssn: 536|22|8741", "536|22|8741", "ssn: [SSN]", id="SSN, bars"),
    pytest.param("ssn 536,22,8741", "536,22,8741", "ssn [SSN]", id="SSN, commas"),
    pytest.param("my ssn is 536\n22\n8741", "536\n22\n8741", "my ssn is [SSN]", id="SSN, newlines"),
    pytest.param("my SSN is 536 -- 22 -- 8741", "536 -- 22 -- 8741", "my SSN is [SSN]", id="SSN, ' -- '"),
    pytest.param("my SIN is 046~454~286", "046~454~286", "my SIN is [ID_NUMBER]", id="SIN, tildes"),
    pytest.param(
        "my card: 4111*1111*1111*1111", "4111*1111*1111*1111", "my card: [CARD]", id="card, asterisks"
    ),
    pytest.param(
        "card (4111)(1111)(1111)(1111)", "4111)(1111)(1111)(1111", "card ([CARD])", id="card, brackets"
    ),
    pytest.param(
        "my card is 4111\n1111\n1111\n1111",
        "4111\n1111\n1111\n1111",
        "my card is [CARD]",
        id="card, newlines",
    ),
    pytest.param(
        "my visa: 4111:1111:1111:1111 exp 12/27",
        "4111:1111:1111:1111",
        "my visa: [CARD]",
        id="card, colons",
    ),
    pytest.param(
        "my card is 4111 then 1111 then 1111 then 1111",
        "4111 then 1111 then 1111 then 1111",
        "my card is [CARD]",
        id="card, 'then' between the groups",
    ),
    pytest.param(
        "my card is 4111 one one one one 1111 1111 1111",
        "one one one one",
        "my card is [CARD]",
        id="card, digits and words mixed",
    ),
    pytest.param(
        "card number four one one one, one one one one, one one one one, one one one one",
        "four one one one",
        "card number [CARD]",
        id="card in words",
    ),
    pytest.param(
        "my ssn is five three six two two eight seven four one",
        "five three six",
        "my ssn is [SSN]",
        id="SSN in words",
    ),
    pytest.param(
        "the last four of my SSN are 8741 and the first five are 53622",
        "8741",
        "the last four of my SSN are [SSN] and the first five are [SSN]",
        id="SSN in named parts",
    ),
    pytest.param("my SSN ends in 8741", "8741", "my SSN ends in [SSN]", id="SSN, its end"),
]

ENCODED = [
    pytest.param("maria.lopez%40gmail.com", "maria.lopez", "[EMAIL]", id="percent-encoded '@'"),
    pytest.param(
        "my email is maria.lopez%2540gmail.com", "maria.lopez", "my email is [EMAIL]", id="encoded twice"
    ),
    pytest.param(
        "https://city.example/form?phone=%2B12125550199",
        "12125550199",
        "https://city.example/form?phone=[PHONE]",
        id="percent-encoded '+'",
    ),
    pytest.param("my ssn is &#53;36-22-8741", "36-22-8741", "my ssn is [SSN]", id="HTML decimal reference"),
    pytest.param("my ssn is &#x35;36-22-8741", "36-22-8741", "my ssn is [SSN]", id="HTML hex reference"),
    pytest.param(
        "email maria.lopez&commat;gmail.com", "maria.lopez", "email [EMAIL]", id="HTML named reference"
    ),
    pytest.param("maria.lopez\\u0040gmail.com", "maria.lopez", "[EMAIL]", id="JSON escape"),
    pytest.param("my ssn is 5\u04176-22-8741", "6-22-8741", "my ssn is [SSN]", id="Cyrillic Ze for 3"),
    pytest.param("my ssn is 536-22-874\u0406", "536-22-874", "my ssn is [SSN]", id="Cyrillic I for 1"),
]

STRUCTURED_NAMES = [
    pytest.param(
        '{"first_name": "Maria", "last_name": "Lopez"}',
        "Maria",
        '{"first_name": "[NAME]", "last_name": "[NAME]"}',
        id="JSON keys",
    ),
    pytest.param('{"name": "John Smith"}', "John", '{"name": "[NAME]"}', id="JSON 'name'"),
    pytest.param(
        '{"firstName":"maria"}', "maria", '{"firstName":"[NAME]"}', id="JSON, camel case, lower case"
    ),
    pytest.param("name=Maria+Lopez&phone=2125550199", "Maria", "name=[NAME]&phone=[PHONE]", id="form fields"),
    pytest.param(
        "Full name: LOPEZ, Maria", "LOPEZ", "Full name: [NAME], [NAME]", id="'Last, First' in capitals"
    ),
    pytest.param("name: MARIA LOPEZ", "MARIA", "name: [NAME]", id="capitals after 'name:'"),
    pytest.param(
        "From Maria Lopez: my bin was not collected",
        "Maria",
        "From [NAME]: my bin was not collected",
        id="sender before a colon",
    ),
    pytest.param(
        "my bin was not collected.\n\nBest regards\n\nMaria Lopez",
        "Maria",
        "my bin was not collected.\n\nBest regards\n\n[NAME]",
        id="sign-off, then a blank line",
    ),
    pytest.param(
        "my bin was not collected.\n-Maria Lopez",
        "Maria",
        "my bin was not collected.\n-[NAME]",
        id="a dash signature",
    ),
]

LABELLED_IDS = [
    pytest.param(
        "my driving licence number is MORGA 657054 SM9IJ",
        "MORGA 657054",
        "my driving licence number is [ID_NUMBER]",
        id="UK licence, spaced",
    ),
    pytest.param(
        "my drivers lic # is K12345678901", "K12345678901", "my drivers lic # is [ID_NUMBER]", id="'lic #'"
    ),
    pytest.param("my licence is A1234567", "A1234567", "my licence is [ID_NUMBER]", id="'licence' alone"),
    pytest.param("licence no D123-4567-8901", "D123-4567-8901", "licence no [ID_NUMBER]", id="'licence no'"),
    pytest.param(
        "my national insurance number is qq 12 34 56 c",
        "12 34 56",
        "my national insurance number is [ID_NUMBER]",
        id="NINO in lower case",
    ),
    pytest.param("N.I. number QQ123456C", "QQ123456C", "N.I. number [ID_NUMBER]", id="'N.I.'"),
    pytest.param("my TIN 12-3456789", "12-3456789", "my TIN [ID_NUMBER]", id="TIN"),
    pytest.param("my VAT number GB123456789", "GB123456789", "my VAT number [ID_NUMBER]", id="VAT number"),
    pytest.param(
        "mein Personalausweis ist T22000129",
        "T22000129",
        "mein Personalausweis ist [ID_NUMBER]",
        id="Personalausweis",
    ),
    pytest.param("RSSMRA85C03H501K", "RSSMRA85C03H501K", "[ID_NUMBER]", id="codice fiscale, unlabelled"),
    pytest.param(
        "RSSMRA85C03H501Z", "RSSMRA85C03H501Z", "[ID_NUMBER]", id="codice fiscale, wrong check character"
    ),
    pytest.param(
        "my pass port no is 533380006", "533380006", "my pass port no is [PASSPORT]", id="'pass port'"
    ),
    pytest.param(
        "passport number five three three three eight zero zero zero six",
        "five three three",
        "passport number [PASSPORT]",
        id="passport in words",
    ),
    pytest.param(
        "iban: G B 8 2 W E S T 1 2 3 4 5 6 9 8 7 6 5 4 3 2",
        "W E S T",
        "iban: [IBAN]",
        id="IBAN one character at a time",
    ),
]

BIRTH_DATES = [
    pytest.param("dob: 3.III.1985", "3.III.1985", "dob: [BIRTH_DATE]", id="Roman month, dots"),
    pytest.param("born 3 III 1985", "3 III 1985", "born [BIRTH_DATE]", id="Roman month, spaces"),
    pytest.param("DOB 3/3/'85", "3/3/'85", "DOB [BIRTH_DATE]", id="apostrophe year"),
    pytest.param("DOB 03\\03\\1985", "03\\03\\1985", "DOB [BIRTH_DATE]", id="backslashes"),
    pytest.param("DOB: 1985年3月3日", "1985年3月3日", "DOB: [BIRTH_DATE]", id="CJK date"),
    pytest.param("born 1985-03-03T00:00:00Z", "1985-03-03", "born [BIRTH_DATE]", id="ISO date with a time"),
    pytest.param(
        "born in '85 on the 3rd of March", "'85 on the 3rd", "born in [BIRTH_DATE]", id="'85, then the day"
    ),
    pytest.param(
        "DOB: the 3rd day of March in the year 1985",
        "1985",
        "DOB: [BIRTH_DATE]",
        id="'day of', 'in the year'",
    ),
    pytest.param(
        "my birthday is 3 march, I was born in 1985",
        "3 march",
        "my birthday is [BIRTH_DATE], I was born in [BIRTH_DATE]",
        id="birthday and year apart",
    ),
]

EMAILS = [
    pytest.param("maria.lopez@@gmail.com", "maria.lopez", "[EMAIL]", id="a doubled '@'"),
    pytest.param(
        "email: maria . lopez @ gmail . com", "lopez", "email: [EMAIL]", id="spaces around every dot"
    ),
]

ADDRESSES_AND_SECRETS = [
    pytest.param(
        "my address is 42, Elm Street", "42, Elm", "my address is [ADDRESS]", id="comma after the number"
    ),
    pytest.param("I live at forty two Elm Street", "forty two", "I live at [ADDRESS]", id="number in words"),
    pytest.param(
        "my password: correct horse battery staple",
        "horse battery",
        "my password: [SECRET]",
        id="passphrase of words",
    ),
    pytest.param(
        "my password is correct horse battery staple and I cannot log in",
        "horse battery",
        "my password is [SECRET] and I cannot log in",
        id="passphrase, then another clause",
    ),
    pytest.param(
        "p4ssw0rd is my password", "p4ssw0rd", "[SECRET] is my password", id="value before the label"
    ),
    pytest.param(
        "my password is the same as my dog's name plus 85: Rex85",
        "Rex85",
        "my password is the same as my dog's name plus 85: [SECRET]",
        id="later in the label's sentence",
    ),
]

NEAR_MISSES = [
    pytest.param("how much is the fee, $1,250.00?", id="an amount"),
    pytest.param("the event is on 3 March 2026 at 10:00", id="an event's date and time"),
    pytest.param("my case MB-3AZQ-13YE-15Q5-B, any news?", id="a case reference"),
    pytest.param("Call 311 then press 2, then 4", id="the city's number and menu choices"),
    pytest.param("I paid 45, 20 and 15 dollars", id="amounts in a list"),
    pytest.param("my card was charged 45.00, then 20.00, then 15.00", id="charges after 'card'"),
    pytest.param("the card reader said 4, then 1, then 1", id="digits after 'card', no card number"),
    pytest.param("the last four digits of my card are 1234", id="a card's last four"),
    pytest.param("the first five are free", id="'the first five' with no SSN"),
    pytest.param("social services: the last four are 1234", id="'the last four' after 'social services'"),
    pytest.param("my ssn is on the form, see page 2", id="'my ssn is' and a page"),
    pytest.param("My dog licence 208-6816 expires on 2023-07-08.", id="a dog licence"),
    pytest.param("my business licence BL-2024-0113 needs renewal", id="a business licence"),
    pytest.param("my licence expired last year", id="'my licence' and no number"),
    pytest.param("licence MB-K4XM-7BQ2-R5WE-1 approved yet?", id="a case reference after 'licence'"),
    pytest.param("business licence no BL-2024-0113, any news?", id="a business licence's number"),
    pytest.param("the VAT is 1250.00 on that invoice", id="an amount after 'VAT'"),
    pytest.param("we have 12 tin cans to recycle", id="'tin' in lower case"),
    pytest.param("my visa is in 2025", id="a year after a label"),
    pytest.param("the fee is &pound;50, 50% off, Q&A at 10am", id="an entity, percent signs and '&'"),
    pytest.param("The form is at https://city.gov/form?name=search&q=bins", id="a web address's query"),
    pytest.param('{"name": "Main Library", "open": "9:00"}', id="JSON naming a place"),
    pytest.param("From Parks Department: the pool is closed", id="a department before a colon"),
    pytest.param("From Monday: new bin times", id="a day before a colon"),
    pytest.param("Items:\n- Fridge\n- Old Sofa", id="a list"),
    pytest.param("Bin day is Tuesday.\n\nBest regards\n\nThe Recycling Team", id="a team after a sign-off"),
    pytest.param("the deadline is 2026-03-03T10:00:00Z", id="a timestamp with no birth word"),
    pytest.param("my birthday party is on March 3, can I book the hall?", id="a birthday party's date"),
    pytest.param("I was born in 1985, am I eligible for the senior pass?", id="a year of birth alone"),
    pytest.param("chapter III of the bylaw, section 3", id="a Roman numeral"),
    pytest.param("my address is on the form", id="'my address is' and no address"),
    pytest.param("I live at the corner of King and Queen", id="'I live at' and no number"),
    pytest.param("password: reset link never arrived", id="words describing a password"),
    pytest.param("my password is still being rejected by the portal", id="'my password is' and a sentence"),
    pytest.param("this is my password problem, can you help?", id="a word before 'is my password'"),
]


@pytest.fixture(scope="module")
def redactor(detector: PiiDetector) -> Redactor:
    redactor = Redactor(detector)
    redactor.warm_up()
    return redactor


def _check(redactor: Redactor, text: str, value: str, stored: str) -> None:
    redacted = redactor.redact(text).text
    assert value not in redacted
    assert redacted == stored


@pytest.mark.parametrize(("text", "value", "stored"), NUMBERS_IN_PARTS)
def test_a_number_after_its_label_is_masked_whatever_is_between_its_parts(
    redactor: Redactor, text: str, value: str, stored: str
) -> None:
    _check(redactor, text, value, stored)


@pytest.mark.parametrize(("text", "value", "stored"), ENCODED)
def test_encoded_and_look_alike_characters_are_decoded_and_masked_as_typed(
    redactor: Redactor, text: str, value: str, stored: str
) -> None:
    _check(redactor, text, value, stored)


@pytest.mark.parametrize(("text", "value", "stored"), STRUCTURED_NAMES)
def test_names_in_fields_headers_and_signatures_are_masked(
    redactor: Redactor, text: str, value: str, stored: str
) -> None:
    _check(redactor, text, value, stored)


@pytest.mark.parametrize(("text", "value", "stored"), LABELLED_IDS)
def test_identifiers_after_their_label_are_masked(
    redactor: Redactor, text: str, value: str, stored: str
) -> None:
    _check(redactor, text, value, stored)


@pytest.mark.parametrize(("text", "value", "stored"), BIRTH_DATES)
def test_dates_of_birth_in_more_shapes_are_masked(
    redactor: Redactor, text: str, value: str, stored: str
) -> None:
    _check(redactor, text, value, stored)


@pytest.mark.parametrize(("text", "value", "stored"), EMAILS)
def test_an_obfuscated_email_is_masked_as_one_span(
    redactor: Redactor, text: str, value: str, stored: str
) -> None:
    _check(redactor, text, value, stored)


@pytest.mark.parametrize(("text", "value", "stored"), ADDRESSES_AND_SECRETS)
def test_addresses_after_their_label_and_secrets_around_theirs_are_masked(
    redactor: Redactor, text: str, value: str, stored: str
) -> None:
    _check(redactor, text, value, stored)


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_ordinary_questions_near_the_new_rules_stay_as_written(redactor: Redactor, text: str) -> None:
    result = redactor.redact(text)
    assert (result.text, result.spans) == (text, ())
