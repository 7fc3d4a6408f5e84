"""Credentials pasted into a message: "here is my token eyJhbGciOi...", "Authorization: Bearer …", "my
API key is ghp_…". They are masked as a SECRET like a password, before anything reads the message.

- The key formats of known services (GitHub, GitLab, Slack, Stripe, AWS, OpenAI, SendGrid, Twilio,
  Telegram, Discord, PyPI, npm, Azure storage, Mailchimp, Square, a private key's header, a password
  in a URL) are Yelp's detect-secrets plugins' own patterns (`VENDOR_DETECTORS`), wherever they are.
- A JSON web token is a secret wherever it is, whole or cut short: base64url that starts with "eyJ"
  (how '{"' is written in base64), at least `MIN_JWT_FRAGMENT` characters, with any parts after it
  (detect-secrets' own JWT plugin wants two parts that decode: "eyJhbGciOi..." is one cut short).
- After a credential's label ("token", "key", "secret", "bearer", "authorization", "credentials"),
  the next word when it has a credential's shape: `MIN_CREDENTIAL_LENGTH` characters or more of
  letters, digits and `-_.+/=~`, with a letter and a digit, and no case reference of the city's
  ("my token is 3f9a8b7c…"; not "the bus token costs $2", "key dates for 2025").

Plain `re` and detect-secrets' patterns, no presidio; detect-secrets (which imports requests) is
imported when the patterns are first needed, by the recognizer's warm-up pass
(`PiiDetector.warm_up`), never at import time.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import import_module

from trust.case_references import parse_reference

# detect-secrets plugins whose patterns name a key by its own format (module, class). Not its keyword
# and entropy plugins (made for source code: `password = "…"`, long quoted strings), nor Artifactory's,
# whose "AP" + 9 letters set apart is an ordinary capitalised word too often.
VENDOR_DETECTORS: tuple[tuple[str, str], ...] = (
    ("aws", "AWSKeyDetector"),
    ("azure_storage_key", "AzureStorageKeyDetector"),
    ("basic_auth", "BasicAuthDetector"),
    ("discord", "DiscordBotTokenDetector"),
    ("github_token", "GitHubTokenDetector"),
    ("gitlab_token", "GitLabTokenDetector"),
    ("mailchimp", "MailchimpDetector"),
    ("npm", "NpmDetector"),
    ("openai", "OpenAIDetector"),
    ("private_key", "PrivateKeyDetector"),
    ("pypi_token", "PypiTokenDetector"),
    ("sendgrid", "SendGridDetector"),
    ("slack", "SlackDetector"),
    ("square_oauth", "SquareOAuthDetector"),
    ("stripe", "StripeDetector"),
    ("telegram_token", "TelegramBotTokenDetector"),
    ("twilio", "TwilioKeyDetector"),
)

MIN_JWT_FRAGMENT = 10  # "eyJhbGciOi" (a header cut short) and longer
MIN_CREDENTIAL_LENGTH = 16
_JWT_FRAGMENT = re.compile(
    rf"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{{{MIN_JWT_FRAGMENT - 3},}}(?:\.[A-Za-z0-9_-]+)*"
)
_LABEL = re.compile(
    r"\b(?:(?:api|access|auth|bearer|refresh|session|id|client|secret|private)[ \t_-]?)?"
    r"(?:tokens?|keys?|secrets?|bearer|authori[sz]ation|credentials?)\b"
    r"[ \t]*(?:[:=]|\bis\b|\bwas\b|-+)?[ \t]*(?:bearer[ \t]+)?[\"'“‘]?"
    r"(?P<value>[A-Za-z0-9_\-.+/=~]+)",
    re.IGNORECASE,
)
_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"\d")
# what a message holding any credential found here has in it: a digit or "@" (every key format but a
# token's header or a private key's; a password in a URL), or those; most messages have none of them
_SHAPE = re.compile(r"\d|@|eyJ|PRIVATE KEY|PuTTY")
_EDGES = " \t\r\n\"'=:"


@cache
def _vendor_patterns() -> tuple[re.Pattern[str], ...]:
    patterns: list[re.Pattern[str]] = []
    for module, name in VENDOR_DETECTORS:
        detector = getattr(import_module(f"detect_secrets.plugins.{module}"), name)
        patterns.extend(detector.denylist)
    return tuple(patterns)


def warm_up() -> None:
    """Import detect-secrets and collect its patterns (the recognizer's first pass does it too)."""
    _vendor_patterns()


def may_hold_credential(text: str) -> bool:
    """Whether `text` could hold a credential found here (a cheap check of shapes)."""
    return _SHAPE.search(text) is not None


def _credential_shaped(value: str) -> bool:
    word = value.rstrip(".,;:!?")
    return (
        len(word) >= MIN_CREDENTIAL_LENGTH
        and _LETTER.search(word) is not None
        and _DIGIT.search(word) is not None
        and "://" not in word
        and parse_reference(word) is None
    )


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGES:
        start += 1
    while end > start and text[end - 1] in _EDGES:
        end -= 1
    return start, end


def credentials(text: str) -> list[tuple[int, int]]:
    """(start, end) of each credential in `text`, sorted and never overlapping (see the module's note)."""
    if not may_hold_credential(text):
        return []
    found = [
        _trimmed(text, *match.span())
        for pattern in _vendor_patterns()
        for match in pattern.finditer(text)
        if match.group()
    ]
    found += [match.span() for match in _JWT_FRAGMENT.finditer(text)]
    found += [
        (match.start("value"), match.start("value") + len(match.group("value").rstrip(".,;:!?")))
        for match in _LABEL.finditer(text)
        if _credential_shaped(match.group("value"))
    ]
    kept: list[tuple[int, int]] = []
    for start, end in sorted(found, key=lambda span: (span[0], -span[1])):
        if start < end and not any(
            start < other_end and other_start < end for other_start, other_end in kept
        ):
            kept.append((start, end))
    return sorted(kept)
