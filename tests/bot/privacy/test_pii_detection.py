"""PiiDetector (bot/privacy/detection.py, recognizers/, nlp_engine.py) with real presidio.

A few rows per entity type here; every written form of each type has its own table in
test_pii_phone.py, test_pii_payment.py, test_pii_email.py and test_pii_identity.py.
"""

from __future__ import annotations

import itertools

import pytest

from bot.privacy import DEFAULT_DATASET, SUPPORTED_ENTITIES, PiiDetector, PiiSpan
from bot.privacy.detection import _may_hold_pii, resolve_overlaps
from bot.privacy.errors import DetectorNotReadyError
from bot.privacy.evaluation import load_dataset
from bot.privacy.folding import fold
from tests.bot.privacy.conftest import found

FOUND = [
    # EMAIL_ADDRESS
    ("my email is jane.doe@example.org", "EMAIL_ADDRESS", "jane.doe@example.org"),
    ("J.Smith+bins@mail.springfield.gov", "EMAIL_ADDRESS", "J.Smith+bins@mail.springfield.gov"),
    ("ANNA.LEE@GMAIL.COM is mine", "EMAIL_ADDRESS", "ANNA.LEE@GMAIL.COM"),
    ("write to li.wei@163.com", "EMAIL_ADDRESS", "li.wei@163.com"),
    # PHONE_NUMBER
    ("call me on (555) 014-2233 please", "PHONE_NUMBER", "(555) 014-2233"),
    ("My UK number is +44 20 7946 0958.", "PHONE_NUMBER", "+44 20 7946 0958"),
    ("my number is 212-555-0187", "PHONE_NUMBER", "212-555-0187"),
    ("My phone is 5550142", "PHONE_NUMBER", "5550142"),
    ("office: 415.555.2671", "PHONE_NUMBER", "415.555.2671"),
    ("+1 (646) 555-3890 is my cell", "PHONE_NUMBER", "+1 (646) 555-3890"),
    ("landline 020 7946 0958", "PHONE_NUMBER", "020 7946 0958"),
    ("my Chinese mobile +86 138 0013 8000", "PHONE_NUMBER", "+86 138 0013 8000"),
    ("call me at 555-0142", "PHONE_NUMBER", "555-0142"),
    ("text 4155552671 when you arrive", "PHONE_NUMBER", "4155552671"),
    # CREDIT_CARD
    ("I paid with card 4111 1111 1111 1111, twice", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("mastercard 5500-0000-0000-0004", "CREDIT_CARD", "5500-0000-0000-0004"),
    ("amex 3782 822463 10005 was billed", "CREDIT_CARD", "3782 822463 10005"),
    ("6011111111111117 got declined", "CREDIT_CARD", "6011111111111117"),
    # US_SSN
    ("My SSN is 536-22-8726.", "US_SSN", "536-22-8726"),
    ("ssn: 536 22 8726", "US_SSN", "536 22 8726"),
    ("social security number 536228726", "US_SSN", "536228726"),
    ("SSN 536228726", "US_SSN", "536228726"),
    # IBAN_CODE
    ("refund to DE89 3704 0044 0532 0130 00 please", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
    ("IBAN GB82WEST12345698765432", "IBAN_CODE", "GB82WEST12345698765432"),
    ("NL91ABNA0417164300 is my account", "IBAN_CODE", "NL91ABNA0417164300"),
    ("from FR1420041010050500013M02606", "IBAN_CODE", "FR1420041010050500013M02606"),
    # IP_ADDRESS
    ("The portal blocked 203.0.113.54 today", "IP_ADDRESS", "203.0.113.54"),
    ("my ip is 2001:db8::1", "IP_ADDRESS", "2001:db8::1"),
    ("from fe80::1ff:fe23:4567:890a", "IP_ADDRESS", "fe80::1ff:fe23:4567:890a"),
    ("my router is at fe::ab:cd please", "IP_ADDRESS", "fe::ab:cd"),  # no digit: not skipped
    # CN_RESIDENT_ID
    ("My resident ID is 11010519491231002X.", "CN_RESIDENT_ID", "11010519491231002X"),
    ("id 11010519491231002x", "CN_RESIDENT_ID", "11010519491231002x"),
    ("440305199003071236 is on my Chinese ID card", "CN_RESIDENT_ID", "440305199003071236"),
    # PASSPORT
    ("My passport number is E12345678", "PASSPORT", "E12345678"),
    ("E12345678 is my passport number", "PASSPORT", "E12345678"),
    ("passport 561234789", "PASSPORT", "561234789"),
    ("Passport: EA1234567, expires in May", "PASSPORT", "EA1234567"),
    # STREET_ADDRESS
    ("we have lived at 1420 Elm Street since 1998", "STREET_ADDRESS", "1420 Elm Street"),
    ("I live at 4566 Ricardo Fork Apt. 544", "STREET_ADDRESS", "4566 Ricardo Fork Apt. 544"),
    ("pothole outside 14 birch st, its huge", "STREET_ADDRESS", "14 birch st"),
    ("I live at Flat 2, 14 Church Road, London SW1A 1AA", "STREET_ADDRESS",
     "Flat 2, 14 Church Road, London SW1A 1AA"),
    ("my address is 1600 Pennsylvania Ave NW, Washington, DC 20500.", "STREET_ADDRESS",
     "1600 Pennsylvania Ave NW, Washington, DC 20500"),
    ("my address is 300 W. 5th St., Apt. 12B", "STREET_ADDRESS", "300 W. 5th St., Apt. 12B"),
    ("88 King Street East, Toronto, ON M5C 1G4", "STREET_ADDRESS",
     "88 King Street East, Toronto, ON M5C 1G4"),
    ("send it to 22 Quay Street unit 4 please", "STREET_ADDRESS", "22 Quay Street unit 4"),
    ("mail the cheque to P.O. Box 4471, Millbrook", "STREET_ADDRESS", "P.O. Box 4471"),
    # DATE_OF_BIRTH
    ("my date of birth is 04/12/1985", "DATE_OF_BIRTH", "04/12/1985"),
    ("I was born on 12 March 1950, am I a senior?", "DATE_OF_BIRTH", "12 March 1950"),
    ("D.O.B. January 29, 1999", "DATE_OF_BIRTH", "January 29, 1999"),
    # CARD_SECURITY_CODE
    ("the cvv is 123 if you need it", "CARD_SECURITY_CODE", "123"),
    ("CVC: 4821", "CARD_SECURITY_CODE", "4821"),
    # UK_NINO
    ("my national insurance number is AB 12 34 56 C", "UK_NINO", "AB 12 34 56 C"),
    # UK_DRIVING_LICENCE
    ("UK driving licence MORGA753116SM9IJ", "UK_DRIVING_LICENCE", "MORGA753116SM9IJ"),
    # CA_SIN
    ("my SIN is 535 879 191", "CA_SIN", "535 879 191"),
    ("My social insurance number is 193475589, I moved from Toronto.", "CA_SIN", "193475589"),
    # US_ITIN
    ("my ITIN is 912-70-1234", "US_ITIN", "912-70-1234"),
    # LABELLED_ID: a value of a shape no other recognizer knows, named by its label
    ("my driver's license is D1234567", "LABELLED_ID", "D1234567"),
    ("DL# J7272175, please update it", "LABELLED_ID", "J7272175"),
    ("Tax ID 12-3456789 for the vendor form", "LABELLED_ID", "12-3456789"),
    ("our bank account number: 00012345678", "LABELLED_ID", "00012345678"),
    # SECRET: a password, PIN or code after its label
    ("my password is hunter2 and it fails", "SECRET", "hunter2"),
    ("the verification code: 482913", "SECRET", "482913"),
    ("my PIN is 0465.", "SECRET", "0465."),  # a secret runs to the next space (bot/privacy/labels.py)
    # US_MBI
    ("my medicare number is 1EG4-TE5-MK73", "US_MBI", "1EG4-TE5-MK73"),
    # PERSON: only where the message introduces a name
    ("my name is Maria Lopez, when is bin day?", "PERSON", "Maria Lopez"),
    ("I am Dr. Wesley Wheeler and I need a permit", "PERSON", "Dr. Wesley Wheeler"),
    ("John Snyder Jr. here, my bin was missed", "PERSON", "John Snyder Jr."),
    ("ok thanks, Ana", "PERSON", "Ana"),
    ("this is Dr. Aisha Khan speaking", "PERSON", "Dr. Aisha Khan"),
    ("could ms. Courtney call me back", "PERSON", "ms. Courtney"),
    ("my husband is John Doe, is he on the lease?", "PERSON", "John Doe"),
    ("my daughter Emily (age 7) goes to Lincoln Elementary", "PERSON", "Emily"),
    ("our neighbour, Tom Reyes, parks on the lawn", "PERSON", "Tom Reyes"),
    ("my name is maria garcia lopez", "PERSON", "maria garcia lopez"),
    ("My name is José Álvarez, where do I pay property tax?", "PERSON", "José Álvarez"),
    ("I'm Nguyễn Văn An", "PERSON", "Nguyễn Văn An"),
    ("my name is Łukasz Żółć", "PERSON", "Łukasz Żółć"),
    ("I am Anna-Lena Müller", "PERSON", "Anna-Lena Müller"),
    ("is the pool open?\nThanks,\nRenée Dubois", "PERSON", "Renée Dubois"),
    ("My name is Jean-Luc O'Brien-Smith and I need a dog licence", "PERSON", "Jean-Luc O'Brien-Smith"),
    ("my name is ann lee, when is bin day?", "PERSON", "ann lee"),
    ("My name is Ronan McDonald", "PERSON", "Ronan McDonald"),
    ("the account holder is Wei Zhang", "PERSON", "Wei Zhang"),
    ("account holder: John Smith", "PERSON", "John Smith"),
    ("This is Maria Lopez, how do I get a dog licence", "PERSON", "Maria Lopez"),
    ("Signed, Tom Baker", "PERSON", "Tom Baker"),
    ("Name - Robert Brown", "PERSON", "Robert Brown"),
    ("Contact: Luis Ramirez, if you need me", "PERSON", "Luis Ramirez"),
    ("from: Tom Baker\nwhen is bin day?", "PERSON", "Tom Baker"),
    ("This is Maria Lopez and I need to pay a fine", "PERSON", "Maria Lopez"),
    ("Landlord: Tom Baker", "PERSON", "Tom Baker"),
    ("Name of deceased: John Smith", "PERSON", "John Smith"),
    ("Permit holder: Ann Lee", "PERSON", "Ann Lee"),
    ("Sincerely Tom Baker", "PERSON", "Tom Baker"),
    ("is my neighbour Tom's complaint closed?", "PERSON", "Tom"),
    # PHONE_NUMBER: a seven-digit local number right after "my number is"
    ("my number is 555-0199", "PHONE_NUMBER", "555-0199"),
]  # fmt: skip


def test_a_name_is_found_wherever_it_appears_and_last_name_first(detector: PiiDetector) -> None:
    """ "This is Robert Smith, ... Thanks, Robert Smith": the first is not introduced, the second is."""
    text = "This is Robert Smith, how do I appeal a ticket? Thanks, Robert Smith"
    assert found(detector, text) == [("PERSON", "Robert Smith"), ("PERSON", "Robert Smith")]
    last_first = "My name is O'Brien-Smith, Jean-Luc"
    assert found(detector, last_first) == [("PERSON", "O'Brien-Smith"), ("PERSON", "Jean-Luc")]


NOTHING = [
    pytest.param("meet me @ the library at 10", id="at sign, no address"),
    pytest.param("the file is report@2x.png", id="email-like, no public suffix"),
    pytest.param("permit 555-0142 was approved", id="7 digits, no phone word"),
    pytest.param("permit 2023-004512", id="permit number"),
    pytest.param("we have 555 trees", id="a count"),
    pytest.param("order 4155552671 shipped", id="10 bare digits, no phone word"),
    pytest.param("my case number is 555-0142", id="'number' alone is not a phone word"),
    pytest.param("paid $1,250.00 on 2024-03-15 at 10:30", id="amount, date, time"),
    pytest.param("case MB-7K3Q-X9P2 is still open", id="case reference"),
    pytest.param("case MB-7K2P-9QXD-4R8T-Z is still open", id="long case reference"),
    pytest.param("it is a 10 minute drive from city hall", id="minutes, not a house number"),
    pytest.param("there are 3 big green bins on our street", id="a count before a street word"),
    pytest.param("we paid $25 on Main Street", id="an amount before a street"),
    pytest.param("my bulky pickup is on 12 March 2025", id="a date, not a birth date"),
    pytest.param("the cvv field will not accept my card", id="'cvv' without digits"),
    pytest.param("I'm Canadian, do I need a permit?", id="a nationality after I'm"),
    pytest.param("i'm looking for the library", id="no capital after i'm"),
    pytest.param("my name is on the lease, can I get a permit?", id="no name after 'my name is'"),
    pytest.param("my name is spelled wrong on the bill", id="a word, not a name, after 'my name is'"),
    pytest.param("is this Harbourview Community Centre's line?", id="a place, no name cue"),
    pytest.param("This is Harbourview Community Centre?", id="a place asked about after 'this is'"),
    pytest.param("please contact Parking Services for help", id="'contact' without a colon"),
    pytest.param("Contact: Parking Services, what are your hours?", id="a service after a label"),
    pytest.param("Caller: Water Utility said my meter is broken", id="a utility after a label"),
    pytest.param("It's Riverside Park, can I book the pavilion?", id="a park after 'It's'"),
    pytest.param("It's Eastgate.", id="one capitalised word after 'It's'"),
    pytest.param("It's Christmas Day.", id="a holiday"),
    pytest.param("Riverside Pool\nclosed on 09/12/2023?", id="a heading above a date"),
    pytest.param("Water Department\nclosed on Monday", id="a heading above words"),
    pytest.param("Bulky Items\n1. sofa\n2. fridge", id="a heading above a list"),
    pytest.param("it was never assigned  Sure! I will help", id="'signed' inside a word"),
    pytest.param("Hello You can reply online.", id="a pronoun after hello"),
    pytest.param("I paid $450, is the cvv on the back?", id="an amount near 'cvv'"),
    pytest.param("postcode SW1A 1AA, or 75001 in Paris", id="postcodes"),
    pytest.param("paid ١٬٢٥٠ on ٢٠٢٤-٠٣-١٥ at ١٠:٣٠", id="amount, date, time in Arabic-Indic digits"),
    pytest.param("card 4111 1111 1111 1112", id="card failing Luhn"),
    pytest.param("1234 5678 9012 3456", id="digits failing Luhn"),
    pytest.param("I wrote 000-12-3456 on the form", id="SSN area 000, no label"),
    pytest.param("the letter says 666-12-3456", id="SSN area 666, no label"),
    pytest.param("number 536-00-8726 again", id="SSN group 00, no label"),
    pytest.param("the example 123-45-6789 in the guide", id="published sample SSN, no label"),
    pytest.param("security deposit receipt 536228726", id="'security' alone is not SSN context"),
    pytest.param("zip 90210-1234", id="ZIP+4"),
    pytest.param("DE00 3704 0044 0532 0130 00", id="IBAN with wrong check digits"),
    pytest.param("GB82WEST12345698765433", id="IBAN with a changed digit"),
    pytest.param("app version 10.2.3", id="version number"),
    pytest.param("see section 4.1 of the bylaw", id="section number"),
    pytest.param("999.12.1.4", id="not an IPv4 address"),
    pytest.param("reference E12345678", id="passport-shaped, no 'passport'"),
    pytest.param("order 561234789", id="9 digits, no context"),
    pytest.param("order 5550142 is late", id="7 bare digits, no phone word"),
    pytest.param("ticket AB1234567 at Main St", id="ticket number"),
    pytest.param("How much are passport photos? $15.00", id="'passport' without a number"),
    pytest.param("My password is not working on the parking site.", id="'password' with no password"),
    pytest.param("the bins on Maple Dr Smithfield are full", id="'Dr' after a street name"),
    pytest.param("my son is 5, can he join the swim class?", id="a relative and no name"),
    pytest.param("Best,\nThe Parks Team", id="a sign-off above a team"),
    pytest.param("Supervisor here, stepping in.", id="a role, not a name, before 'here'"),
    pytest.param("What PIN do I use for the meter app?", id="'PIN' with no PIN"),
    pytest.param("Social Security 2025 cost-of-living increase", id="a year after 'social security'"),
    pytest.param("Social Security 2024-2025 changes", id="years after 'social security'"),
    pytest.param("my passport 12/05/2027 expiry, can I travel?", id="a date after 'passport'"),
    pytest.param("My driver's license expires on 12/05/2027", id="a date after 'license', not right after"),
    pytest.param("my licence plate 7ABC123 got a ticket", id="a plate is a city reference"),
    pytest.param("my dog licence 2024-0113 expires soon", id="a city licence, no ID label"),
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
]


@pytest.mark.parametrize(("text", "entity_type", "value"), FOUND)
def test_when_text_holds_pii_then_its_span_is_detected(
    detector: PiiDetector, text: str, entity_type: str, value: str
) -> None:
    assert found(detector, text) == [(entity_type, value)]


@pytest.mark.parametrize("text", NOTHING)
def test_when_text_only_looks_like_pii_then_nothing_is_detected(detector: PiiDetector, text: str) -> None:
    assert found(detector, text) == []


def test_every_supported_entity_type_has_detection_rows() -> None:
    assert {row[1] for row in FOUND} == set(SUPPORTED_ENTITIES)


def test_several_entities_in_one_message_are_all_detected(detector: PiiDetector) -> None:
    text = "Refund DE89370400440532013000, mail jane@example.org or call +44 20 7946 0958."
    assert found(detector, text) == [
        ("IBAN_CODE", "DE89370400440532013000"),
        ("EMAIL_ADDRESS", "jane@example.org"),
        ("PHONE_NUMBER", "+44 20 7946 0958"),
    ]


def test_spans_are_sorted_and_never_overlap_on_the_whole_dataset(detector: PiiDetector) -> None:
    for sentence in load_dataset(DEFAULT_DATASET):
        spans = detector.detect(sentence.text)
        assert spans == sorted(spans, key=lambda span: span.start)
        assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
        assert all(0 <= span.start < span.end <= len(sentence.text) for span in spans)


@pytest.mark.parametrize(
    ("text", "may_hold"),
    [
        pytest.param("When is the pool open on Sundays?", False, id="a question"),
        pytest.param("What is there to do at the library this weekend?", False, id="the word at"),
        pytest.param("Is the dot on the map a hydrant?", False, id="the word dot"),
        pytest.param("call ٠٦ ٢٣ ٣٥ ٣٣ ٥٥", True, id="Arabic-Indic digits"),
        pytest.param("card ４１１１ １１１１", True, id="full-width digits"),
        pytest.param("jane.doe＠example.org", True, id="full-width at"),
        pytest.param("jane dot doe at gmail dot com", True, id="at ... dot"),
        pytest.param("jane [at] gmail.com", True, id="bracketed at"),
        pytest.param("jane.doe at gmail.com", True, id="at before a dotted name"),
        pytest.param("fe::ab:cd", True, id="IPv6 without digits"),
        pytest.param("my password is correcthorsebatterystaple", True, id="a secret without digits"),
        pytest.param("Yours, Clark", True, id="a name without digits"),
        pytest.param("", False, id="empty"),
    ],
)
def test_the_fast_path_skips_only_texts_without_any_pii_shape(text: str, may_hold: bool) -> None:
    assert _may_hold_pii(fold(text)) is may_hold


def test_when_detect_is_called_before_warm_up_then_it_says_so() -> None:
    with pytest.raises(DetectorNotReadyError, match="warm_up"):
        PiiDetector().detect("my email is jane@example.org")


def test_warm_up_is_idempotent(detector: PiiDetector) -> None:
    assert detector.is_ready
    detector.warm_up()
    assert found(detector, "jane@example.org") == [("EMAIL_ADDRESS", "jane@example.org")]


def test_when_spans_overlap_then_the_higher_score_wins() -> None:
    weak = PiiSpan("PASSPORT", 0, 9, 0.45)
    strong = PiiSpan("US_SSN", 0, 11, 0.5)
    later = PiiSpan("EMAIL_ADDRESS", 12, 20, 1.0)
    assert resolve_overlaps([later, weak, strong]) == [strong, later]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("is the pool open?\nJohn Smith\njohn.smith@example.org", "John Smith"),
        ("Best,\nBonnie\nPhone: 0033 6 71 95 57 11", "Bonnie"),
        ("thanks\nMaria Lopez\nmaria at example dot com", "Maria Lopez"),
    ],
)
def test_a_signature_is_a_name_with_its_contact_details(detector: PiiDetector, text: str, name: str) -> None:
    """A name alone on its line above an email address or a phone number: the name, and the details."""
    spans = found(detector, text)
    assert ("PERSON", name) in spans
    assert len(spans) == 2, spans
