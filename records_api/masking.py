"""Field masking driven by one declarative table, `masking_policy.yml`.

The policy names a rule per (field, view); this module holds the rules and refuses, when it loads,
a policy that forgets a field or a view, names an unknown rule, applies a rule to the wrong kind of
value, or hands out `raw` outside the views allowed to (only `unmask`). `mask()` never returns raw
values: the unmasked view is built from the record itself, by the supervisor's unmask path alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from records_api.errors import ConfigurationError

MASKED_VIEWS = ("resident", "agent", "supervisor")
UNMASK_VIEW = "unmask"
VIEWS = (*MASKED_VIEWS, UNMASK_VIEW)
RAW = "raw"
DEFAULT_POLICY = Path(__file__).with_name("masking_policy.yml")


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    postcode: str


@dataclass(frozen=True)
class ResidentRecord:
    """A resident's decrypted personal data: it leaves the service raw only through unmask."""

    full_name: str
    national_id: str
    date_of_birth: date
    phone: str
    email: str
    address: Address


@dataclass(frozen=True)
class MaskedResident:
    full_name: str
    national_id: str
    date_of_birth: str
    phone: str
    email: str
    address: str


FIELDS = tuple(f.name for f in fields(ResidentRecord))
FIELD_KINDS: Mapping[str, type] = {
    "full_name": str,
    "national_id": str,
    "date_of_birth": date,
    "phone": str,
    "email": str,
    "address": Address,
}


def _reveal_count(length: int) -> int:
    return min(4, length // 2)


def initials(value: Any) -> str:
    words = [w for w in re.split(r"\s+", str(value)) if any(ch.isalpha() for ch in w)]
    return " ".join(f"{next(ch for ch in w if ch.isalpha()).upper()}." for w in words)


def last4(value: Any) -> str:
    chars = re.sub(r"[^0-9A-Za-z]", "", str(value))
    shown = _reveal_count(len(chars))
    return "****" + (chars[-shown:].upper() if shown else "")


def last4_digits(value: Any) -> str:
    digits = re.sub(r"\D", "", str(value))
    shown = _reveal_count(len(digits))
    return "****" + (digits[-shown:] if shown else "")


def year(value: Any) -> str:
    if not isinstance(value, date):
        raise TypeError("year needs a date")
    return f"{value.year:04d}"


def email_initial(value: Any) -> str:
    local, at, domain = str(value).strip().rpartition("@")
    if not at or not local or not domain:
        return "***"
    return f"{local[0].lower()}***@{domain.lower()}"


def city_postcode(value: Any) -> str:
    if not isinstance(value, Address):
        raise TypeError("city_postcode needs an address")
    return f"{value.city}, {value.postcode}"


Rule = Callable[[Any], str]
RULES: Mapping[str, tuple[type, Rule]] = {
    "initials": (str, initials),
    "last4": (str, last4),
    "last4_digits": (str, last4_digits),
    "year": (date, year),
    "email_initial": (str, email_initial),
    "city_postcode": (Address, city_postcode),
}


class MaskingPolicy:
    def __init__(self, table: Mapping[str, Mapping[str, str]], raw_allowed_in: frozenset[str]):
        self._table = {field: dict(views) for field, views in table.items()}
        self.raw_allowed_in = raw_allowed_in
        self._validate()

    @classmethod
    def load(cls, path: Path | None = None) -> MaskingPolicy:
        text = (path or DEFAULT_POLICY).read_text("utf-8")
        try:
            document = yaml.safe_load(text)
            table = document["fields"]
            raw_allowed_in = frozenset(document.get("raw_allowed_in", []))
        except (yaml.YAMLError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"masking policy unreadable: {exc}") from exc
        if not isinstance(table, dict):
            raise ConfigurationError("masking policy: `fields` must be a mapping")
        return cls(table, raw_allowed_in)

    def _validate(self) -> None:
        if self.raw_allowed_in - {UNMASK_VIEW}:
            raise ConfigurationError("masking policy: raw values are allowed only in `unmask`")
        if set(self._table) != set(FIELDS):
            raise ConfigurationError(f"masking policy must cover exactly the fields {FIELDS}")
        for field, views in self._table.items():
            if set(views) != set(VIEWS):
                raise ConfigurationError(f"masking policy: {field} needs a rule for {VIEWS}")
            for view, rule in views.items():
                if rule == RAW:
                    if view not in self.raw_allowed_in:
                        raise ConfigurationError(f"masking policy: {field} is raw for {view}")
                    continue
                if rule not in RULES:
                    raise ConfigurationError(f"masking policy: unknown rule {rule!r}")
                if RULES[rule][0] is not FIELD_KINDS[field]:
                    raise ConfigurationError(f"masking policy: {rule} does not apply to {field}")

    def rule(self, view: str, field: str) -> str:
        return self._table[field][view]

    def mask(self, view: str, record: ResidentRecord) -> MaskedResident:
        if view not in MASKED_VIEWS:
            raise ValueError(f"{view!r} is not a masked view")
        masked = {field: RULES[self.rule(view, field)][1](getattr(record, field)) for field in FIELDS}
        return MaskedResident(**masked)

    def may_unmask(self) -> bool:
        return all(views[UNMASK_VIEW] == RAW for views in self._table.values())
