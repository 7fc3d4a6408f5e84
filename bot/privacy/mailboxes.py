"""Webmail providers whose name alone stands for an address's domain: "my email is jsmith at gmail",
"email me at j.smith@gmail". A resident who leaves off ".com" still gives their address away.

Plain `re`, no presidio: the email recognizer (`recognizers/email.py`) reads the table, and the
detector's pre-filter (`detection._may_hold_pii`) asks `names_a_webmail_provider()` before deciding to
run the analyzer on a message with no digit and no "@" in it.
"""

from __future__ import annotations

import re

# Names that are no English word a resident would put after "at" ("live", "mail", "sky" are left out).
WEBMAIL_PROVIDERS: frozenset[str] = frozenset(
    {
        "gmail", "googlemail", "yahoo", "ymail", "rocketmail", "hotmail", "outlook", "msn", "icloud",
        "aol", "protonmail", "proton", "gmx", "yandex", "zoho", "comcast", "verizon", "sbcglobal",
        "btinternet", "bellsouth", "sympatico", "optonline", "cox", "hushmail", "tutanota", "fastmail",
    }
)  # fmt: skip

# Words before "at gmail" that are no mailbox: "email me at gmail", "can the office at outlook …".
NOT_MAILBOXES: frozenset[str] = frozenset(
    {
        "me", "us", "you", "him", "her", "them", "it", "someone", "anyone", "everyone", "people",
        "email", "mail", "emails", "account", "address", "login", "office", "team", "staff", "city",
        "here", "there", "now", "work", "home", "inbox", "folder", "spam", "junk", "sent", "something",
    }
)  # fmt: skip

_AT_PROVIDER = re.compile(
    rf"(?:@|\bat)[ \t]*[\"'“”‘’]?(?:{'|'.join(sorted(WEBMAIL_PROVIDERS))})\b", re.IGNORECASE
)


def names_a_webmail_provider(text: str) -> bool:
    """Whether `text` has "at" or "@" before a webmail provider's name ("jsmith at gmail")."""
    return _AT_PROVIDER.search(text) is not None
