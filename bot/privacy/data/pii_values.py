"""Random values for the labelled (UPPER-case) slots of `pii_templates.py`.

Written the ways residents write them (and the ways people write them to slip past a filter):
separators of every kind, lower-case IBANs, "at"/"dot" emails, the national phone formats of the
default phone regions, and digits of other scripts (`disguise`), which have the same length in code
points, so the labelled offsets still hold. The plain-text slots are in `pii_lookalikes.py`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import string
from collections.abc import Callable

import phonenumbers
from faker import Faker

# The zero of each script `disguise` writes digits in: Arabic-Indic, Extended Arabic-Indic (Persian),
# Devanagari, Bengali, Thai, full-width, mathematical bold (outside the Basic Multilingual Plane).
DIGIT_ZEROS = (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10, 0x1D7CE)
DISGUISE_SHARE = 0.08

# Card schemes: first digits, lengths, weight. Written from the schemes' published IIN ranges.
CARD_SCHEMES: list[tuple[Callable[[random.Random], str], tuple[int, ...], float]] = [
    (lambda rng: "4", (16, 16, 16, 16, 13, 19), 4.0),  # Visa
    (lambda rng: str(rng.randint(51, 55)), (16,), 2.0),  # Mastercard
    (lambda rng: str(rng.randint(2221, 2720)), (16,), 2.0),  # Mastercard 2-series
    (lambda rng: rng.choice(("34", "37")), (15,), 1.5),  # American Express
    (lambda rng: rng.choice(("6011", "65", str(rng.randint(644, 649)))), (16, 16, 19), 1.0),  # Discover
    (lambda rng: str(rng.randint(3528, 3589)), (16, 16, 19), 1.0),  # JCB
    (lambda rng: rng.choice(("5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763")),
     tuple(range(12, 20)), 1.5),  # Maestro
    (lambda rng: "62", (16, 17, 18, 19), 1.0),  # UnionPay
    (lambda rng: rng.choice(("36", str(rng.randint(300, 305)))), (14,), 0.7),  # Diners Club
]  # fmt: skip
CARD_SEPARATORS = ((" ", 7), ("-", 4), ("", 4), (" - ", 2), ("/", 1.5), (".", 1.5))
SSN_SEPARATORS = (("-", 40), (" ", 15), (".", 10), (" - ", 10), ("/", 10), ("\u2013", 5), (" / ", 5))
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# National phone formats of the default phone regions ("D" is a random digit), drawn until
# phonenumbers calls the number valid for the region.
NATIONAL_PHONES: dict[str, tuple[str, ...]] = {
    "FR": ("06 DD DD DD DD", "07 DD DD DD DD", "01 DD DD DD DD", "06.DD.DD.DD.DD", "04 DD DD DD DD"),
    "DE": ("030 DDDDDDDD", "0151 DDDDDDDD", "0171 DDDDDDD", "089 DDDDDDD", "030/DDDDDDDD"),
    "GB": ("020 7946 0DDD", "07DDD DDDDDD", "0161 496 0DDD", "0113 496 0DDD"),
    "ES": ("6DD DDD DDD", "91 DDD DD DD", "93 DDD DD DD"),
    "IT": ("3DD DDD DDDD", "06 DDDD DDDD", "02 DDDD DDDD"),
    "NL": ("06 DDDDDDDD", "06-DDDDDDDD", "020 DDD DDDD", "010-DDD DDDD"),
    "BE": ("04DD DD DD DD", "02 DDD DD DD"),
    "IE": ("08D DDD DDDD", "01 DDD DDDD"),
    "AU": ("04DD DDD DDD", "(02) DDDD DDDD", "(03) DDDD DDDD"),
    "IN": ("9DDDD DDDDD", "8DDDD DDDDD", "011 DDDD DDDD", "022 DDDD DDDD"),
    "MX": ("55 DDDD DDDD", "33 DDDD DDDD"),
    "BR": ("(11) 9DDDD-DDDD", "(21) DDDD-DDDD"),
    "CN": ("13D DDDD DDDD", "15D DDDD DDDD", "010 DDDD DDDD", "021-DDDD DDDD"),
    "JP": ("090-DDDD-DDDD", "080-DDDD-DDDD", "03-DDDD-DDDD", "06-DDDD-DDDD"),
}
INTERNATIONAL_PHONES = (
    "+44 20 7946 0DDD", "+44 161 496 0DDD", "+49 30 DDDDDDDD", "+33 1 DD DD DD DD", "+33 6 DD DD DD DD",
    "+61 2 9DDD DDDD", "+61 4DD DDD DDD", "+91 9DDDD DDDDD", "+86 138 DDDD DDDD", "+86 10 6DDD DDDD",
    "+81 3-DDDD-DDDD", "+81 90-DDDD-DDDD", "+52 55 DDDD DDDD", "+55 11 9DDDD-DDDD", "+353 1 DDD DDDD",
    "+34 6DD DDD DDD", "+39 3DD DDD DDDD", "+31 6 DDDDDDDD", "+32 4DD DD DD DD", "0033 6 DD DD DD DD",
    "0044 20 7946 0DDD", "011 44 20 7946 0DDD",
)  # fmt: skip
US_EXTENSIONS = (
    " ext. D",
    " ext. DD",
    " x DDD",
    " xDDDD",
    " ext DD",
    ", extension DDD",
    " Ext. DDDD",
    " #DD",
)


def luhn_check_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def iban_check_digits(country: str, bban: str) -> str:
    numeric = "".join(str(int(char, 36)) for char in bban + country + "00")
    return f"{98 - int(numeric) % 97:02d}"


def cn_check_char(first17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2: 7, 9, 10, 5, ...
    remainder = sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11
    return "10X98765432"[remainder]


class Values:
    """Random values for the labelled slots, and the helpers every slot uses."""

    def __init__(self, rng: random.Random, fake: Faker) -> None:
        self.rng = rng
        self.fake = fake

    def digits(self, count: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(count))

    def letters(self, count: int) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase) for _ in range(count))

    def alnum(self, count: int) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return "".join(self.rng.choice(alphabet) for _ in range(count))

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    def weighted(self, options: tuple[tuple[str, float], ...]) -> str:
        return self.rng.choices([value for value, _ in options], [weight for _, weight in options])[0]

    def shape(self, pattern: str) -> str:
        """`pattern` with every "D" replaced by a random digit."""
        return re.sub("D", lambda _: self.rng.choice(string.digits), pattern)

    def disguise(self, value: str, share: float = DISGUISE_SHARE) -> str:
        """`value`, or (with probability `share`) `value` with its digits in another script."""
        if self.rng.random() >= share:
            return value
        zero = self.rng.choice(DIGIT_ZEROS)
        return "".join(chr(zero + int(char)) if char in string.digits else char for char in value)

    def _mailbox(self) -> tuple[str, str]:
        first, last = (re.sub(r"[^a-z]", "", n.lower()) for n in self.fake.name().split()[:2])
        user = self.pick(
            f"{first}.{last}", f"{first[0]}{last}{self.rng.randint(1, 99)}", f"{first}_{last}",
            f"{last}.{first}+city", f"{first}{self.rng.randint(1960, 2006)}", f"{first[:3]}{last[:4]}",
        )  # fmt: skip
        domain = self.pick(
            "gmail.com", "yahoo.com", "outlook.com", "hotmail.co.uk", "proton.me", "icloud.com",
            "example.org", "web.de", "qq.com", "163.com", "orange.fr", "comcast.net",
            "springfield.gov", "uni-heidelberg.de", "mail.example.com",
        )  # fmt: skip
        return user, domain

    def email(self) -> str:
        user, domain = self._mailbox()
        if self.rng.random() < 0.35:
            return self._obfuscated(user, domain)
        address = f"{user}@{domain}"
        if self.rng.random() < 0.04:
            return address.replace("@", "\uff20")  # full-width commercial at
        return address.upper() if self.rng.random() < 0.05 else address

    def _obfuscated(self, user: str, domain: str) -> str:
        def spelled(part: str, dot: str) -> str:
            return part.replace(".", dot)

        form = self.rng.randrange(10)
        if form == 0:
            return f"{spelled(user, ' dot ')} at {spelled(domain, ' dot ')}"
        if form == 1:
            return f"{user} [at] {spelled(domain, ' [dot] ')}"
        if form == 2:
            return f"{user}(at){spelled(domain, '(dot)')}"
        if form == 3:
            return f"{user} at {spelled(domain, ' dot ')}"
        if form == 4:
            return f"{user} AT {spelled(domain, ' DOT ')}".upper()
        if form == 5:
            return f"{user}{{at}}{spelled(domain, '{dot}')}"
        if form == 6:
            return f"{user} [at] {domain}"
        if form == 7:
            return f"{user}@{spelled(domain, ' dot ')}"
        if form == 8:
            return f"{user} @ {domain}"
        return f"{user} (at) {spelled(domain, ' (dot) ')}"

    def plainatemail(self) -> str:
        user, domain = self._mailbox()
        return f"{user.split('.')[0].split('_')[0]} at {domain}"

    def phone(self) -> str:
        draw = self.rng.random()
        if draw < 0.4:
            number = self._us_phone()
        elif draw < 0.55:
            number = self.shape(self.pick(*INTERNATIONAL_PHONES))
        else:
            number = self._national_phone()
        return self.disguise(number)

    def _us_phone(self) -> str:
        area = self.pick("212", "415", "646", "312", "617", "202", "305", "503", "720", "555")
        exchange, line = self.pick(str(self.rng.randint(200, 999)), "555"), self.digits(4)
        number = self.pick(
            f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"{area}.{exchange}.{line}",
            f"+1 {area} {exchange} {line}", f"+1-{area}-{exchange}-{line}", f"1-800-{exchange}-{line}",
            f"{area} {exchange} {line}", f"{area} - {exchange} - {line}", f"{area}/{exchange}/{line}",
            f"+1 ({area}) {exchange}-{line}",
        )  # fmt: skip
        if self.rng.random() < 0.25:
            number += self.shape(self.pick(*US_EXTENSIONS))
        return number

    def _national_phone(self) -> str:
        region = self.pick(*NATIONAL_PHONES)
        pattern = self.pick(*NATIONAL_PHONES[region])
        for _ in range(500):
            number = self.shape(pattern)
            if phonenumbers.is_valid_number(phonenumbers.parse(number, region)):
                return number
        raise RuntimeError(f"no valid {region} number of the form {pattern}")

    def localphone(self) -> str:
        return self.pick(f"555-01{self.digits(2)}", f"{self.rng.randint(200, 999)}-{self.digits(4)}")

    def barephone(self) -> str:
        return self.pick("212", "415", "646", "312") + str(self.rng.randint(200, 999)) + self.digits(4)

    def wordphone(self) -> str:
        number = "555" + self.digits(4)
        words = [NUMBER_WORDS[int(char)] for char in number]
        return " ".join(words[:3]) + ", " + " ".join(words[3:])

    def _card_number(self) -> str:
        first, lengths, _ = self.rng.choices(CARD_SCHEMES, [weight for *_, weight in CARD_SCHEMES])[0]
        prefix, length = first(self.rng), self.rng.choice(lengths)
        body = prefix + self.digits(length - len(prefix) - 1)
        return body + luhn_check_digit(body)

    def _card_groups(self, number: str) -> list[str]:
        cuts = {15: (4, 10), 14: (4, 10)}.get(len(number), tuple(range(4, len(number), 4)))
        edges = [0, *cuts, len(number)]
        return [number[a:b] for a, b in itertools.pairwise(edges)]

    def card(self) -> str:
        number = self._card_number()
        return self.disguise(self.weighted(CARD_SEPARATORS).join(self._card_groups(number)))

    def _ssn_digits(self) -> tuple[str, str, str]:
        area = self.rng.choice([n for n in range(1, 900) if n != 666])
        return f"{area:03d}", f"{self.rng.randint(1, 99):02d}", f"{self.rng.randint(1, 9999):04d}"

    def ssn(self) -> str:
        return self.disguise(self.weighted(SSN_SEPARATORS).join(self._ssn_digits()))

    def baressn(self) -> str:
        digits = "".join(self._ssn_digits())
        return " ".join(digits) if self.rng.random() < 0.25 else digits

    def iban(self) -> str:
        country, bban = self._bban()
        compact = country + iban_check_digits(country, bban) + bban
        grouped = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
        form = self.weighted((
            (compact, 25), (grouped, 30), (compact.lower(), 10), (grouped.lower(), 15),
            (grouped.replace(" ", "-"), 5), (f"{country} {compact[2:4]} {grouped[5:]}", 5),
            (compact.capitalize(), 5), (grouped.title(), 5),
        ))  # fmt: skip
        return self.disguise(form, 0.05)

    def _bban(self) -> tuple[str, str]:
        d, a = self.digits, self.letters
        return self.rng.choice([
            ("DE", d(18)), ("GB", a(4) + d(14)), ("FR", d(10) + d(11) + d(2)), ("NL", a(4) + d(10)),
            ("ES", d(20)), ("IT", a(1) + d(22)), ("BE", d(12)), ("CH", d(5) + d(12)),
            ("IE", a(4) + d(14)), ("PL", d(24)), ("AT", d(16)),
        ])  # fmt: skip

    def ip(self) -> str:
        r = self.rng.randint
        return self.pick(
            f"203.0.113.{r(1, 254)}", f"198.51.100.{r(1, 254)}", f"192.0.2.{r(1, 254)}",
            f"81.2.69.{r(1, 254)}", f"10.{r(0, 255)}.{r(0, 255)}.{r(1, 254)}",
            f"192.168.{r(0, 255)}.{r(1, 254)}", f"172.{r(16, 31)}.{r(0, 255)}.{r(1, 254)}",
            f"2001:db8:{r(1, 0xFFFF):x}::{r(1, 0xFFFF):x}",
            f"fe80::{r(1, 0xFFFF):x}:{r(1, 0xFFFF):x}",
            "2001:0db8:85a3:0000:0000:8a2e:0370:" + f"{r(0, 0xFFFF):04x}",
        )  # fmt: skip

    def cnid(self) -> str:
        region = self.pick(
            "110101", "110105", "310104", "310115", "440305", "440106", "510107", "320102",
            "330106", "420106", "610113", "500103", "120101", "370202", "210102", "350203",
        )  # fmt: skip
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randint(0, 20000))
        first17 = region + birth.strftime("%Y%m%d") + self.digits(3)
        check = cn_check_char(first17)
        return first17 + (check.lower() if check == "X" and self.rng.random() < 0.3 else check)

    def passport(self) -> str:
        return self.pick(
            self.letters(1) + self.digits(8), self.pick("E", "G") + self.digits(8),
            "E" + self.letters(1) + self.digits(7), self.letters(1) + self.digits(7),
            self.letters(2) + self.digits(6), str(self.rng.randint(100000000, 999999999)),
        )  # fmt: skip

    def name(self) -> str:
        return str(self.fake.name() if self.rng.random() < 0.7 else self.fake.first_name())

    def firstname(self) -> str:
        return str(self.fake.first_name())

    def street(self) -> str:
        return str(self.fake.street_address())


# The second stage of the set (`build_pii_dataset.MORE`): national numbers, dates of birth, card codes
# and street addresses as residents type them. Formats follow each issuer's published rules, written
# here independently of the recognizers.
NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"  # never D, F, I, Q, U, V
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"  # never D, F, I, O, Q, U, V
NINO_NOT_PREFIX = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}
MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # never S, L, O, I, B, Z
ITIN_GROUPS = (*range(70, 89), 90, 91, 92, *range(94, 100))
LOWER_STREETS = ("birch", "king", "queen", "main", "elm", "quay", "harbour", "mill", "church", "oak")
STREET_WORDS = ("street", "st", "st.", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane")


class MoreValues(Values):
    """Values of the second stage's labelled slots."""

    def birthdate(self) -> str:
        day = dt.date(1930, 1, 1) + dt.timedelta(days=self.rng.randint(0, 28000))
        formats = ("%m/%d/%Y", "%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%d.%m.%Y", "%b %d %Y")
        return day.strftime(self.pick(*formats))

    def cardcode(self) -> str:
        return self.digits(self.rng.choice((3, 3, 3, 4)))

    def nino(self) -> str:
        while True:
            prefix = self.rng.choice(NINO_FIRST) + self.rng.choice(NINO_SECOND)
            if prefix not in NINO_NOT_PREFIX:
                break
        body, suffix = self.digits(6), self.rng.choice("ABCD")
        return self.pick(
            f"{prefix}{body}{suffix}", f"{prefix} {body[:2]} {body[2:4]} {body[4:]} {suffix}",
            f"{prefix.lower()}{body}{suffix.lower()}",
        )  # fmt: skip

    def ukdrivinglicence(self) -> str:
        surname = re.sub(r"[^A-Z]", "", self.fake.last_name().upper())[:5].ljust(5, "9")
        born = dt.date(1940, 1, 1) + dt.timedelta(days=self.rng.randint(0, 24000))
        month = born.month + self.rng.choice((0, 50))  # 50 more for a woman
        initials = self.letters(1) + self.pick(self.letters(1), "9")
        year = str(born.year)
        return f"{surname}{year[2]}{month:02d}{born.day:02d}{year[3]}{initials}9" + self.letters(2)

    def casin(self) -> str:
        body = self.pick(*"1234567", "9") + self.digits(7)
        number = body + luhn_check_digit(body)
        return self.pick(
            number, f"{number[:3]} {number[3:6]} {number[6:]}", f"{number[:3]}-{number[3:6]}-{number[6:]}"
        )

    def itin(self) -> str:
        number = f"9{self.digits(2)}", f"{self.rng.choice(ITIN_GROUPS):02d}", self.digits(4)
        return self.pick("-".join(number), " ".join(number))

    def mbi(self) -> str:
        def letter() -> str:
            return self.rng.choice(MBI_LETTERS)

        def either() -> str:
            return self.rng.choice(MBI_LETTERS + string.digits)

        d = self.digits
        value = f"{self.rng.randint(1, 9)}{letter()}{either()}{d(1)}{letter()}{either()}"
        value += f"{d(1)}{letter()}{letter()}{d(2)}"
        return self.pick(value, f"{value[:4]}-{value[4:7]}-{value[7:]}")

    def plainstreet(self) -> str:
        """An address typed quickly: lower case, a short suffix, maybe a flat."""
        number = str(self.rng.randint(1, 2999))
        street = f"{number} {self.rng.choice(LOWER_STREETS)} {self.rng.choice(STREET_WORDS)}"
        return street + self.pick(
            "", "", f" apt {self.rng.randint(1, 40)}", f", unit {self.rng.randint(1, 12)}"
        )


class LabelledValues(MoreValues):
    """Values of the fourth stage's slots: identifiers of shapes no other recognizer knows, and secrets."""

    def driverlicence(self) -> str:  # the shapes of a few US states' and Canadian provinces' licences
        d = self.digits
        return self.pick(
            self.letters(1) + d(7), d(9), f"{d(3)} {d(3)} {d(3)}", f"{self.letters(1)}{d(3)}-{d(4)}-{d(4)}",
            f"{self.letters(1)}{d(3)}-{d(3)}-{d(2)}-{d(3)}-{d(1)}", self.letters(2) + d(6), d(8),
        )  # fmt: skip

    def taxid(self) -> str:  # a US employer identification number
        return self.pick(f"{self.digits(2)}-{self.digits(7)}", self.digits(9))

    def healthcard(self) -> str:
        d = self.digits
        return self.pick(f"{d(4)}-{d(3)}-{d(3)}-{self.letters(2)}", d(10), f"{d(4)} {d(3)} {d(3)}")

    def memberid(self) -> str:
        return self.pick(self.letters(3) + self.digits(9), self.alnum(2) + self.digits(8), self.digits(11))

    def bankaccount(self) -> str:
        return self.digits(self.rng.randint(8, 12))

    def routing(self) -> str:
        return self.digits(9)

    def password(self) -> str:
        words = ("summer", "Tiger", "maple", "Sunshine", "dragon", "Harbour", "qwerty", "Bella")
        word = self.rng.choice(words)
        return self.pick(
            f"{word}{self.digits(self.rng.randint(1, 4))}", f"{word}{self.digits(2)}!",
            f"{word[0]}@{word[1:]}", f"{self.alnum(4).lower()}#{self.digits(3)}",
            f"{word.capitalize()}{self.rng.randint(1990, 2026)}$",
        )  # fmt: skip

    def labelledssn(self) -> str:
        """An SSN that fails its check (area 000 or 666, group 00) and has no ITIN's shape either: a
        nine-hundred number with an ITIN's group is an ITIN, whatever the resident calls it."""
        area, group, serial = self._ssn_digits()
        return self.pick(f"000-{group}-{serial}", f"666-{group}-{serial}", f"{area}-00-{serial}")

    def pin(self) -> str:
        return self.digits(self.rng.choice((4, 4, 4, 6)))
