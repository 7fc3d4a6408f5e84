"""Email addresses, plain and obfuscated (bot/privacy/recognizers/email.py), through the detector."""

from __future__ import annotations

import pytest

from bot.privacy import PiiDetector
from tests.bot.privacy.conftest import found

FOUND = [
    pytest.param("my email is jane.doe@example.org", "jane.doe@example.org", id="plain"),
    pytest.param(
        "J.Smith+bins@mail.springfield.gov", "J.Smith+bins@mail.springfield.gov", id="plus and subdomain"
    ),
    pytest.param("ANNA.LEE@GMAIL.COM is mine", "ANNA.LEE@GMAIL.COM", id="upper case"),
    pytest.param("write to li.wei@163.com", "li.wei@163.com", id="digits in the domain"),
    pytest.param("mail jane.doe＠example.org", "jane.doe＠example.org", id="full-width at"),
    pytest.param("jane dot doe at gmail dot com", "jane dot doe at gmail dot com", id="at and dot as words"),
    pytest.param("jane.doe [at] gmail [dot] com", "jane.doe [at] gmail [dot] com", id="square brackets"),
    pytest.param("jane.doe(at)gmail(dot)com", "jane.doe(at)gmail(dot)com", id="round brackets"),
    pytest.param("jane.doe{at}gmail{dot}com", "jane.doe{at}gmail{dot}com", id="braces"),
    pytest.param("JANE.DOE AT GMAIL DOT COM", "JANE.DOE AT GMAIL DOT COM", id="upper-case words"),
    pytest.param("jane.doe [at] gmail.com", "jane.doe [at] gmail.com", id="bracketed at, plain dot"),
    pytest.param("jane.doe@gmail dot com", "jane.doe@gmail dot com", id="at sign, dot as a word"),
    pytest.param("jane.doe @ gmail.com", "jane.doe @ gmail.com", id="spaced at sign"),
    pytest.param("jane.doe[@]gmail[.]com", "jane.doe[@]gmail[.]com", id="defanged"),
    pytest.param("jane.doe at gmail.com", "jane.doe at gmail.com", id="word at, mailbox-like name"),
    pytest.param("my email is jane at gmail.com", "jane at gmail.com", id="word at, plain name, 'email'"),
    pytest.param("jd(at)uni(dot)ac(dot)uk", "jd(at)uni(dot)ac(dot)uk", id="multi-label suffix"),
]

NOTHING = [
    pytest.param("meet me @ the library at 10", id="at sign, no address"),
    pytest.param("the file is report@2x.png", id="email-like, no public suffix"),
    pytest.param("the form at permits.springfield.gov is broken", id="a web address after 'at'"),
    pytest.param("I'm at springfield dot gov", id="after an apostrophe"),
    pytest.param("meet me at the library at 10", id="'at' twice, no domain"),
    pytest.param("a red dot at the corner of the park", id="'dot' and 'at'"),
    pytest.param("jane at gmail", id="no suffix"),
    pytest.param("reply at your earliest convenience", id="'at' in a phrase"),
]


@pytest.mark.parametrize(("text", "value"), FOUND)
def test_email_addresses_are_found(detector: PiiDetector, text: str, value: str) -> None:
    assert found(detector, text) == [("EMAIL_ADDRESS", value)]


@pytest.mark.parametrize("text", NOTHING)
def test_text_that_only_looks_like_an_email_is_not_one(detector: PiiDetector, text: str) -> None:
    assert found(detector, text) == []
