"""Secrets after their label (bot/privacy/labels.py): plain `re`, no presidio."""

from __future__ import annotations

import pytest

from bot.privacy.labels import is_secret, labelled_secrets

SECRETS = [
    pytest.param("hunter2", id="letters and a digit"),
    pytest.param("P@ss", id="a symbol"),
    pytest.param("S3cret!", id="'!' at the end"),
    pytest.param("0465", id="a four-digit PIN"),
    pytest.param("correcthorsebatterystaple", id="a passphrase of letters"),
]

NOT_SECRETS = [
    pytest.param("wrong!", id="a word and '!'"),
    pytest.param("3", id="a count"),
    pytest.param("123.", id="three digits"),
    pytest.param("unrecognisable", id="a long word"),
    pytest.param("not", id="a short word"),
]


@pytest.mark.parametrize("value", SECRETS)
def test_words_with_a_digit_a_symbol_or_many_letters_are_secrets(value: str) -> None:
    assert is_secret(value)


@pytest.mark.parametrize("value", NOT_SECRETS)
def test_words_and_short_numbers_are_not_secrets(value: str) -> None:
    assert not is_secret(value)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        pytest.param("my PIN is 0465.", "0465.", id="a secret runs to the next space"),
        pytest.param('password: "hunter2" thanks', "hunter2", id="quotes are not part of it"),
        pytest.param("the password hunter22", "hunter22", id="after 'the'"),
        pytest.param("Mein Passwort: x; pwd=Tr0ub4dor&3", "Tr0ub4dor&3", id="pwd"),
        pytest.param("and password Hunter22! why", "Hunter22!", id="after a bare space"),
        pytest.param("Password - Hunter22!", "Hunter22!", id="after a dash"),
        pytest.param("user: jsmith pass: Hunter22!", "Hunter22!", id="pass, after a username"),
        pytest.param("my pass is Hunter22!", "Hunter22!", id="my pass is"),
        pytest.param("pw: Hunter22!", "Hunter22!", id="pw:"),
        pytest.param("mi contraseña, mi password es Hunter22", "Hunter22", id="Spanish 'es'"),
        pytest.param(
            "password: correct horse battery staple, thanks",
            "correct horse battery staple",
            id="a passphrase of words, to the end of the clause",
        ),
        pytest.param("1234 is my PIN", "1234", id="before the label"),
        pytest.param("my PIN is my birth year: 1985x", "1985x", id="after a colon, later in the sentence"),
    ],
)
def test_the_secret_after_a_label_is_its_whole_word(text: str, secret: str) -> None:
    assert [text[start:end] for start, end in labelled_secrets(text)] == [secret]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("password reset 2 times", id="no owner, no 'is'"),
        pytest.param("My password is not working on the parking site.", id="a word after 'is'"),
        pytest.param("What PIN do I use for the meter app?", id="no value"),
        pytest.param("password (8+ characters) rules", id="a bracket after a bare space"),
        pytest.param("my bus pass is 12345", id="a kind of pass"),
        pytest.param("the day-pass: $5", id="a kind of pass, a price"),
        pytest.param("my pass is 12345", id="pass, digits alone"),
        pytest.param("the pass is 3-day", id="pass, a count of days"),
        pytest.param("pass 2B or not", id="pass, no owner and no connecting word"),
        pytest.param("my password: forgot it again", id="words that describe a password"),
        pytest.param("password: too short, it says", id="a short phrase"),
        pytest.param("this is my password problem", id="a word before 'is my password'"),
        pytest.param("my password for the portal at 10:30 did not work", id="a time later in the sentence"),
        pytest.param("my PIN is blocked. Reason: 3 wrong tries", id="a colon in the next sentence"),
    ],
)
def test_labels_without_a_secret_after_them_find_none(text: str) -> None:
    assert labelled_secrets(text) == []
