"""Random values for the plain-text (lower-case) slots of `pii_templates.py`: text that must not be
flagged, much of it built to look like personal data (broken check digits, impossible dates, numbers
no card scheme issues, web addresses after "at")."""

from __future__ import annotations

import datetime as dt

from bot.privacy.data.pii_values import Values, cn_check_char, iban_check_digits, luhn_check_digit


class SlotValues(Values):
    """A value for every slot of the templates: the labelled ones (`Values`) and the plain ones."""

    def city(self) -> str:
        return str(self.fake.city())

    def date(self) -> str:
        day = dt.date(2023, 1, 1) + dt.timedelta(days=self.rng.randint(0, 700))
        formats = ("%Y-%m-%d", "%m/%d/%Y", "%d %B %Y", "%B %d", "%d.%m.%Y", "%d/%m/%Y", "%b %d, %Y")
        return self.disguise(day.strftime(self.pick(*formats)))

    def time(self) -> str:
        r = self.rng.randint
        return self.pick(
            f"{r(7, 11)}:{self.pick('00', '15', '30', '45')} am", f"{r(13, 19)}:{self.pick('00', '30')}",
            f"{r(13, 19)}h{self.pick('00', '30')}", f"{r(7, 11)}.{self.pick('00', '30')}am",
        )  # fmt: skip

    def amount(self) -> str:
        cents = self.rng.randint(500, 500000)
        euros = f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"
        return self.disguise(
            self.pick(
                f"${cents / 100:,.2f}",
                f"${cents // 100:,}",
                f"€{cents / 100:.2f}",
                f"€{euros}",
                f"{euros} €",
                f"£{cents / 100:.2f}",
            ),
            0.05,
        )

    def ref(self) -> str:
        a = self.alnum
        return self.pick(
            f"MB-{a(4)}-{a(4)}", f"SR-{self.digits(6)}", f"CASE-{a(6)}", f"MB-{a(4)}-{a(4)}-{a(4)}-{a(1)}"
        )

    def permit(self) -> str:
        year = self.rng.randint(2019, 2025)
        return self.pick(f"BP-{year}-{self.digits(6)}", f"{year}-{self.digits(6)}",
                         f"PRK-{self.digits(5)}", f"{self.digits(3)}-{self.digits(4)}")  # fmt: skip

    def shortpermit(self) -> str:
        return f"{self.rng.randint(200, 999)}-{self.digits(4)}"

    def order(self) -> str:
        return self.disguise(
            self.pick(
                f"{self.digits(8)}-{self.digits(4)}",
                f"INV-{self.digits(6)}",
                self.digits(9),
                self.digits(12),
                f"#{self.digits(7)}",
            ),
            0.05,
        )

    def postcode(self) -> str:
        d = self.digits
        return self.pick(d(5), f"{d(5)}-{d(4)}", "SW1A 1AA", "10115", "75001", "K1A 0B1", "1012 AB")

    def count(self) -> str:
        return str(self.pick("555", "1,200", "42", "3,000", "17", "250", "1998", "2024"))

    def year(self) -> str:
        return str(self.rng.randint(1950, 2025))

    def housenumber(self) -> str:
        return str(self.rng.randint(1, 9999))

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

    def tracking(self) -> str:
        usps = self.pick("9400", "9205", "9361") + self.digits(18)
        return self.pick(
            " ".join(usps[i : i + 4] for i in range(0, 22, 4)), usps, f"1Z{self.alnum(16)}",
            f"7{self.digits(11)}", f"{self.digits(4)} {self.digits(4)} {self.digits(4)}",
        )  # fmt: skip

    def isbn(self) -> str:
        return f"978-{self.digits(1)}-{self.digits(3)}-{self.digits(5)}-{self.digits(1)}"

    def account(self) -> str:
        return self.pick(f"{self.digits(4)}-{self.digits(4)}-{self.digits(2)}", f"ACC-{self.digits(8)}",
                         self.digits(10))  # fmt: skip

    def meter(self) -> str:
        return self.pick(f"M-{self.digits(8)}", f"{self.digits(2)}A{self.digits(6)}")

    def domain(self) -> str:
        return self.pick("permits.springfield.gov", "www.springfield.gov/parking", "city.example.org/forms",
                         "springfield.gov")  # fmt: skip

    def docref(self) -> str:  # passport-shaped, but no "passport" near it
        return self.pick(self.letters(2) + self.digits(7), self.letters(1) + self.digits(8))

    def badcard(self) -> str:
        number = self._card_number()
        broken = number[:-1] + str((int(number[-1]) + self.rng.randint(1, 9)) % 10)
        return " ".join(broken[i : i + 4] for i in range(0, len(broken), 4))

    def noiincard(self) -> str:
        body = self.pick("1", "7", "90", "91", "93", "95") + self.digits(14)
        number = body[:15] + luhn_check_digit(body[:15])
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))

    def badiban(self) -> str:
        country, bban = self._bban()
        good = iban_check_digits(country, bban)
        wrong = self.pick(*[f"{n:02d}" for n in range(2, 99) if f"{n:02d}" != good])
        iban = country + wrong + bban
        return iban.lower() if self.rng.random() < 0.3 else iban

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
