"""The presidio recognizers behind `PiiDetector`, and the analyzer that runs them.

They see the text after `bot.privacy.folding.fold()`: digits of any script, full-width forms, odd
spaces and dashes are already ASCII, with every offset unchanged.

| entity | how (module) | context word needed |
|---|---|---|
| EMAIL_ADDRESS | presidio's regex; "at"/"dot" spelled, bracketed, quoted; suffix or webmail (`email`) | no |
| PHONE_NUMBER | `phonenumbers` in the configured regions, shape rules, words (`phone`) | weak shapes |
| CREDIT_CARD | issuer range, length 12-19 and Luhn; any separators; named parts (`payment`) | no |
| CARD_SECURITY_CODE | 3-4 digits (`payment`) | always ("CVV", "security code", "code" after a card) |
| CARD_SECURITY_CODE | a card's expiry near a card; after its number, in its span (`card_expiry`) | "exp" |
| US_SSN | three groups, any one separator; never area 000/666/9xx, group 00 (`identity`) | bare digits |
| IBAN_CODE | any case and spacing; MOD 97 + the country's BBAN format (`payment`) | no |
| IP_ADDRESS | presidio's IPv4/IPv6 regexes + `ipaddress` | no |
| CN_RESIDENT_ID | 18 chars; province, birth date, ISO 7064 MOD 11-2 check character (`identity`) | no |
| PASSPORT | 1-2 letters + 6-9 digits, or 9 digits (`identity`) | always ("passport") |
| STREET_ADDRESS | house number, name words, USPS/UK street suffix, unit (`location`) | no |
| DATE_OF_BIRTH | numeric, spaced, eight-digit, month-name or spoken dates (`birth_date`) | always ("born") |
| PERSON | capitalised words after words that introduce a name (`person`) | always ("my name is", "I'm", …) |
| LABELLED_ID, SECRET | an ID-shaped value or a secret right after its label (`labelled`) | the label |
| SECRET | a token or key by its format (detect-secrets), a JWT, a key after "token" (`credentials`) | no |
| CREDIT_CARD, US_SSN, … | in parts, any separators, or in words (`labelled_numbers`) | the label |
| LABELLED_ID (codice fiscale) | presidio's shape and check character (`identity`) | no |
| UK_NINO, UK_DRIVING_LICENCE, CA_SIN, US_ITIN, US_MBI | presidio's recognizers | weak shapes |

Context words are matched as whole words within 5 words before or 3 after a match (stop words not
counted), using the tokens of `TokenizingNlpEngine` and presidio's `LemmaContextAwareEnhancer`. A
weak match (score 0.1) becomes 0.45 with one, above the detector's threshold of 0.4. The SSN
recognizer also looks for the two-word phrase "social security" itself (presidio matches single
words only), the card security code one for "security code" and "digits on the back".

This package imports presidio, so it is imported only from `PiiDetector.warm_up()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from presidio_analyzer import AnalyzerEngine, LemmaContextAwareEnhancer, RecognizerRegistry
from presidio_analyzer.predefined_recognizers import (
    IpRecognizer,
    UkDrivingLicenceRecognizer,
    UkNinoRecognizer,
    UsItinRecognizer,
    UsMbiRecognizer,
)

from bot.privacy.detection import DEFAULT_PHONE_REGIONS
from bot.privacy.nlp_engine import TokenizingNlpEngine
from bot.privacy.recognizers.birth_date import DateOfBirthRecognizer
from bot.privacy.recognizers.card_expiry import CardExpiryRecognizer
from bot.privacy.recognizers.common import CONTEXT_BOOST, MIN_SCORE_WITH_CONTEXT
from bot.privacy.recognizers.credentials import CredentialRecognizer
from bot.privacy.recognizers.email import ObfuscatedEmailRecognizer, OfflineEmailRecognizer
from bot.privacy.recognizers.identity import (
    CanadianSinRecognizer,
    CnResidentIdRecognizer,
    ItalianFiscalCodeRecognizer,
    PassportRecognizer,
    StrictUsSsnRecognizer,
)
from bot.privacy.recognizers.labelled import LabelledValueRecognizer
from bot.privacy.recognizers.labelled_numbers import LabelledNumberRecognizer
from bot.privacy.recognizers.location import StreetAddressRecognizer
from bot.privacy.recognizers.payment import CardRecognizer, CardSecurityCodeRecognizer, IbanRecognizer
from bot.privacy.recognizers.person import NameRecognizer
from bot.privacy.recognizers.phone import PhoneRecognizer

__all__ = ["PRESIDIO_RECOGNIZERS", "build_analyzer", "build_recognizers"]

# Presidio's own recognizers for national numbers residents give: each checks its format (and its check
# digits where the number has them) and the weak shapes need their context ("SIN", "social insurance").
# Not used: the bank-account recognizer, whose context word "account" is in every utility question
# ("my utility account 6058300420"); the US driver's licence one ("permit" is its context word); the
# NHS one, whose 3-3-4 digits with a check digit that presidio trusts over any score are one North
# American phone number in eleven.
PRESIDIO_RECOGNIZERS: tuple[Callable[..., Any], ...] = (
    UkNinoRecognizer,
    UkDrivingLicenceRecognizer,
    CanadianSinRecognizer,
    UsItinRecognizer,
    UsMbiRecognizer,
)


def build_recognizers(
    language: str = "en", phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS
) -> list[Any]:
    """The recognizers of every type in `PiiEntity` (two for emails, secrets and card codes)."""
    return [
        OfflineEmailRecognizer(supported_language=language),
        ObfuscatedEmailRecognizer(supported_language=language),
        PhoneRecognizer(phone_regions, supported_language=language),
        CardRecognizer(supported_language=language),
        CardSecurityCodeRecognizer(supported_language=language),
        CardExpiryRecognizer(supported_language=language),
        StrictUsSsnRecognizer(supported_language=language),
        IbanRecognizer(supported_language=language),
        IpRecognizer(supported_language=language),
        CnResidentIdRecognizer(supported_language=language),
        ItalianFiscalCodeRecognizer(supported_language=language),
        PassportRecognizer(supported_language=language),
        StreetAddressRecognizer(supported_language=language),
        NameRecognizer(supported_language=language),
        DateOfBirthRecognizer(supported_language=language),
        LabelledValueRecognizer(supported_language=language),
        CredentialRecognizer(supported_language=language),
        LabelledNumberRecognizer(supported_language=language),
        *(recognizer(supported_language=language) for recognizer in PRESIDIO_RECOGNIZERS),
    ]


def build_analyzer(
    language: str = "en", phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS
) -> AnalyzerEngine:
    """An `AnalyzerEngine` over our recognizers and the model-free tokenizer; loads no model."""
    registry = RecognizerRegistry(
        recognizers=build_recognizers(language, phone_regions), supported_languages=[language]
    )
    enhancer = LemmaContextAwareEnhancer(
        context_similarity_factor=CONTEXT_BOOST,
        min_score_with_context_similarity=MIN_SCORE_WITH_CONTEXT,
        context_prefix_count=5,
        context_suffix_count=3,
        context_matching_mode="whole_word",
    )
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=TokenizingNlpEngine([language]),
        supported_languages=[language],
        context_aware_enhancer=enhancer,
    )
