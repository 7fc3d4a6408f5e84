"""Credentials pasted into a message (bot/privacy/credentials.py): a bearer token, a JSON web token
(whole or cut short), an API key of a known service are masked as [SECRET] before anything reads the
message; ordinary words about tokens and keys are not. The values are made up, and put together here
so that no file holds one whole."""

from __future__ import annotations

import pytest

from bot.privacy import PiiDetector, Redactor

HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # base64url of {"alg":"HS256","typ":"JWT"}
PAYLOAD = "eyJzdWIiOiJyZXNpZGVudC0wMDkifQ"  # {"sub":"resident-009"}
JWT = f"{HEADER}.{PAYLOAD}.c2lnbmF0dXJlLW1hZGUtdXA"
GITHUB = "ghp" + "_" + "A1b2C3d4E5f6G7h8I9j0" + "K1l2M3n4O5p6"
SLACK = "xoxb" + "-123456789012-1234567890123-" + "abcdefghijklmnopqrstuvwx"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
OPAQUE = "3f9a8b7c6d5e4f3a" + "2b1c0d9e8f7a6b5c"


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    redactor = Redactor(PiiDetector())
    redactor.warm_up()
    return redactor


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        (f"here is my token {HEADER}", HEADER),
        ("here is my token eyJhbGciOi...", "eyJhbGciOi"),  # pasted cut short
        (f"my token: {JWT}", JWT),
        (f"Authorization: Bearer {JWT}", JWT),
        (f"{JWT}", JWT),  # alone, no label
        (f"use this key {GITHUB} to log me in", GITHUB),
        (f"token = {SLACK}", SLACK),
        (f"my access key is {AWS}", AWS),
        (f"the token is {OPAQUE}, can you check my permit", OPAQUE),
        (f"Bearer {OPAQUE}", OPAQUE),
    ],
)
def test_a_credential_in_a_message_is_masked_as_a_secret(
    redactor: Redactor, message: str, secret: str
) -> None:
    result = redactor.redact(message)
    assert secret not in result.text and "[SECRET]" in result.text, result.text
    assert any(span.entity_type == "SECRET" for span in result.spans)


@pytest.mark.parametrize(
    "message",
    [
        "I got a token from the login page but it doesn't work",
        "how do I get an API key for the open data portal",
        "where do I get a parking token",
        "the bus token costs $2",
        "what are the key dates for the 2025 permit year",
        "my key fob for the recycling depot is lost",
        "can you check MB-8TAE-YX42-3T8H-N, the token says it expired",
        "what does responsibilities mean on the form",
    ],
)
def test_ordinary_words_about_tokens_and_keys_are_left_alone(redactor: Redactor, message: str) -> None:
    assert "[SECRET]" not in redactor.redact(message).text
