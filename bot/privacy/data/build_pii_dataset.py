"""Generate `pii_sentences.jsonl`: messages to a city bot with labelled PII, and hard negatives.

    .venv/bin/python -m bot.privacy.data.build_pii_dataset    # rewrites the JSONL next to this file

Deterministic (seeded `random` and seeded Faker). Templates (`pii_templates.py`) hold slots: an
UPPER-case slot is a labelled entity, a lower-case slot is plain text (a date, an amount, a
look-alike that is *not* PII). Offsets are computed while the slots are filled. Check digits (Luhn,
IBAN MOD 97, PRC ID MOD 11-2) are computed here, independently of the detector's code, so a bug
there cannot hide in the labels; invalid look-alikes are valid values with a broken check digit or
date.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import string
from pathlib import Path

from faker import Faker

from bot.privacy.data.pii_templates import KNOWN_LIMITS, MIXED, NEGATIVE, POSITIVE
from bot.privacy.evaluation import GoldEntity, LabelledSentence

SEED = 20240611
OUTPUT = Path(__file__).with_name("pii_sentences.jsonl")
PER_TYPE = 32
MIXED_COUNT = 48
NEGATIVE_COUNT = 124
KNOWN_LIMIT_REPEATS = 2
SLOT = re.compile(r"\{(\w+)\}")
ENTITY_SLOTS = {
    "EMAIL": "EMAIL_ADDRESS", "SPELLEDEMAIL": "EMAIL_ADDRESS", "PHONE": "PHONE_NUMBER",
    "LOCALPHONE": "PHONE_NUMBER", "BAREPHONE": "PHONE_NUMBER",
    "CARD": "CREDIT_CARD", "SSN": "US_SSN", "BARESSN": "US_SSN", "IBAN": "IBAN_CODE",
    "IP": "IP_ADDRESS", "CNID": "CN_RESIDENT_ID", "PASSPORT": "PASSPORT",
}  # fmt: skip


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
    """Random values for every slot, valid where labelled and invalid where a look-alike."""

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

    # --- labelled entities ---------------------------------------------------------------------
    def email(self) -> str:
        first, last = (re.sub(r"[^a-z]", "", n.lower()) for n in self.fake.name().split()[:2])
        user = self.pick(
            f"{first}.{last}", f"{first[0]}{last}{self.rng.randint(1, 99)}", f"{first}_{last}",
            f"{last}.{first}+city", f"{first}{self.rng.randint(1960, 2006)}",
            f"{first[:3]}{last[:4]}",
        )  # fmt: skip
        domain = self.pick(
            "gmail.com", "yahoo.com", "outlook.com", "hotmail.co.uk", "proton.me", "icloud.com",
            "example.org", "web.de", "qq.com", "163.com", "orange.fr", "comcast.net",
            "springfield.gov", "uni-heidelberg.de", "mail.example.com",
        )  # fmt: skip
        address = f"{user}@{domain}"
        return address.upper() if self.rng.random() < 0.05 else address

    def spelledemail(self) -> str:
        user, domain = self.email().lower().split("@")
        return f"{user.replace('.', ' dot ')} at {domain.replace('.', ' dot ')}"

    def phone(self) -> str:
        area = self.pick("212", "415", "646", "312", "617", "202", "305", "503", "720", "555")
        exchange, line = self.pick(str(self.rng.randint(200, 999)), "555"), self.digits(4)
        d = self.digits
        return self.pick(
            f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"{area}.{exchange}.{line}",
            f"+1 {area} {exchange} {line}", f"+1-{area}-{exchange}-{line}",
            f"1-800-{exchange}-{line}", f"+44 20 7946 0{d(3)}", f"+44 161 496 0{d(3)}",
            f"020 7946 0{d(3)}", f"+49 30 {d(8)}", f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}",
            f"+61 2 9{d(3)} {d(4)}", f"+91 9{d(4)} {d(5)}", f"+86 138 {d(4)} {d(4)}",
            f"+86 10 6{d(3)} {d(4)}", f"+81 3-{d(4)}-{d(4)}", f"+52 55 {d(4)} {d(4)}",
            f"+55 11 9{d(4)}-{d(4)}", f"+353 1 {d(3)} {d(4)}",
        )  # fmt: skip

    def localphone(self) -> str:
        return self.pick(f"555-01{self.digits(2)}", f"{self.rng.randint(200, 999)}-{self.digits(4)}")

    def barephone(self) -> str:
        return self.pick("212", "415", "646", "312") + str(self.rng.randint(200, 999)) + self.digits(4)

    def card(self) -> str:
        brand = self.pick("visa", "visa", "mastercard", "amex", "discover")
        prefix, length = {
            "visa": ("4", 16), "mastercard": (str(self.rng.randint(51, 55)), 16),
            "amex": (self.pick("34", "37"), 15), "discover": ("6011", 16),
        }[brand]  # fmt: skip
        body = prefix + self.digits(length - len(prefix) - 1)
        number = body + luhn_check_digit(body)
        if length == 15:
            return self.pick(f"{number[:4]} {number[4:10]} {number[10:]}", number)
        groups = [number[i : i + 4] for i in range(0, 16, 4)]
        return self.pick(" ".join(groups), "-".join(groups), number, " ".join(groups))

    def _ssn_digits(self) -> tuple[str, str, str]:
        area = self.rng.choice([n for n in range(1, 900) if n != 666])
        return f"{area:03d}", f"{self.rng.randint(1, 99):02d}", f"{self.rng.randint(1, 9999):04d}"

    def ssn(self) -> str:
        area, group, serial = self._ssn_digits()
        separator = self.pick("-", "-", "-", " ", ".")
        return separator.join((area, group, serial))

    def baressn(self) -> str:
        return "".join(self._ssn_digits())

    def iban(self) -> str:
        country, bban = self._bban()
        compact = country + iban_check_digits(country, bban) + bban
        return self.pick(compact, " ".join(compact[i : i + 4] for i in range(0, len(compact), 4)))

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

    # --- plain text, including look-alikes that are not PII -------------------------------------
    def name(self) -> str:
        return str(self.fake.first_name())

    def street(self) -> str:
        return str(self.fake.street_address())

    def date(self) -> str:
        day = dt.date(2023, 1, 1) + dt.timedelta(days=self.rng.randint(0, 700))
        return day.strftime(self.pick("%Y-%m-%d", "%m/%d/%Y", "%d %B %Y", "%B %d", "%d.%m.%Y"))

    def time(self) -> str:
        return self.pick(f"{self.rng.randint(7, 11)}:{self.pick('00', '15', '30', '45')} am",
                         f"{self.rng.randint(13, 19)}:{self.pick('00', '30')}")  # fmt: skip

    def amount(self) -> str:
        cents = self.rng.randint(500, 500000)
        return self.pick(f"${cents / 100:,.2f}", f"${cents // 100:,}", f"€{cents / 100:.2f}")

    def ref(self) -> str:
        return self.pick(
            f"MB-{self.alnum(4)}-{self.alnum(4)}", f"SR-{self.digits(6)}", f"CASE-{self.alnum(6)}"
        )

    def permit(self) -> str:
        year = self.rng.randint(2019, 2025)
        return self.pick(f"BP-{year}-{self.digits(6)}", f"{year}-{self.digits(6)}",
                         f"PRK-{self.digits(5)}", f"{self.digits(3)}-{self.digits(4)}")  # fmt: skip

    def shortpermit(self) -> str:
        return f"{self.rng.randint(200, 999)}-{self.digits(4)}"

    def order(self) -> str:
        return self.pick(f"{self.digits(8)}-{self.digits(4)}", f"INV-{self.digits(6)}",
                         self.digits(9), self.digits(12), f"#{self.digits(7)}")  # fmt: skip

    def postcode(self) -> str:
        return self.pick(self.digits(5), f"{self.digits(5)}-{self.digits(4)}", "SW1A 1AA", "10115")

    def count(self) -> str:
        return str(self.pick("555", "1,200", "42", "3,000", "17", "250", "1998", "2024"))

    def route(self) -> str:
        return self.pick(str(self.rng.randint(1, 99)), f"M{self.rng.randint(1, 60)}", "66")

    def minutes(self) -> str:
        return str(self.rng.randint(5, 45))

    def unit(self) -> str:
        return f"{self.rng.randint(1, 40)}{self.pick('', 'A', 'B', 'C')}"

    def parcel(self) -> str:
        return f"{self.digits(3)}-{self.digits(3)}-{self.digits(2)}"

    def version(self) -> str:
        r = self.rng.randint
        return self.pick(f"{r(1, 12)}.{r(0, 9)}.{r(0, 20)}", f"{r(1, 30)}.{r(1, 9)}")

    def docref(self) -> str:  # passport-shaped, but no "passport" near it
        return self.pick(self.letters(2) + self.digits(7), self.letters(1) + self.digits(8))

    def badcard(self) -> str:
        number = self.card().replace(" ", "").replace("-", "")
        broken = number[:-1] + str((int(number[-1]) + self.rng.randint(1, 9)) % 10)
        return " ".join(broken[i : i + 4] for i in range(0, len(broken), 4))

    def badiban(self) -> str:
        country, bban = self._bban()
        good = iban_check_digits(country, bban)
        wrong = self.pick(*[f"{n:02d}" for n in range(2, 99) if f"{n:02d}" != good])
        return country + wrong + bban

    def badcnid(self) -> str:
        valid = self.cnid().upper()
        if self.rng.random() < 0.5:  # a wrong check character
            return valid[:17] + self.pick(*[c for c in "0123456789X" if c != valid[17]])
        first17 = valid[:10] + self.pick("0230", "1301", "0431", "0000") + valid[14:17]
        return first17 + cn_check_char(first17)  # right check character, impossible date

    def badssn(self) -> str:
        area, group, serial = self._ssn_digits()
        return self.pick(
            f"000-{group}-{serial}", f"666-{group}-{serial}", f"9{self.digits(2)}-{group}-{serial}",
            f"{area}-00-{serial}",
        )  # fmt: skip


def fill(template: str, values: Values) -> LabelledSentence:
    """The template with every slot replaced, and the labelled spans of the entity slots."""
    text, entities, cursor = "", [], 0
    for match in SLOT.finditer(template):
        text += template[cursor : match.start()]
        slot = match.group(1)
        value = getattr(values, slot.lower())()
        if slot in ENTITY_SLOTS:
            entities.append(GoldEntity(type=ENTITY_SLOTS[slot], start=len(text), end=len(text) + len(value)))
        text += value
        cursor = match.end()
    return LabelledSentence(text=text + template[cursor:], entities=tuple(entities))


def build() -> list[LabelledSentence]:
    rng = random.Random(SEED)
    fake = Faker("en_US")
    fake.seed_instance(SEED)
    values = Values(rng, fake)
    seen: set[str] = set()
    sentences: list[LabelledSentence] = []

    def take(templates: list[str], count: int) -> None:
        """`count` new sentences: each template once, in order, then templates drawn at random."""
        made = 0
        for attempt in range(100 * count):
            template = templates[attempt] if attempt < len(templates) else rng.choice(templates)
            sentence = fill(template, values)
            if sentence.text not in seen:
                seen.add(sentence.text)
                sentences.append(sentence)
                made += 1
                if made == count:
                    return
        raise RuntimeError(f"templates keep repeating themselves: {templates[0]!r}")

    for templates in POSITIVE.values():
        take(templates, PER_TYPE)
    take(MIXED, MIXED_COUNT)
    take(NEGATIVE, NEGATIVE_COUNT)
    for template in KNOWN_LIMITS:
        take([template], KNOWN_LIMIT_REPEATS)
    rng.shuffle(sentences)
    return sentences


def render(sentences: list[LabelledSentence]) -> str:
    return "".join(
        json.dumps(sentence.model_dump(mode="json"), ensure_ascii=False) + "\n" for sentence in sentences
    )


def main() -> None:
    OUTPUT.write_text(render(build()), encoding="utf-8")


if __name__ == "__main__":
    main()
