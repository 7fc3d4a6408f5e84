"""Opening hours of the contact centre: when a resident's request for a person opens a ticket.

Written as a setting (`ASKCITY_HANDOFF_HOURS`): rules separated by `;`, each a day or a range of days
and one or more time ranges, in the time zone `ASKCITY_HANDOFF_TIMEZONE`:

    mon-fri 08:00-18:00; sat 09:00-12:00, 13:00-15:00

`24:00` ends a range at midnight. A day no rule names is closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RULE = re.compile(r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?)\s+(?P<times>.+)$")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True, slots=True)
class Span:
    """Minutes after midnight, start inclusive, end exclusive."""

    start: int
    end: int


def _minutes(hours: str, minutes: str, *, end: bool) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and (m or not end)):
        raise ValueError(f"{hours}:{minutes} is not a time of day")
    return h * 60 + m


def parse_hours(text: str) -> tuple[tuple[Span, ...], ...]:
    """Seven tuples of spans, Monday first. Raises ValueError with a plain reason."""
    week: list[list[Span]] = [[] for _ in DAYS]
    rules = [r.strip().lower() for r in text.split(";") if r.strip()]
    if not rules:
        raise ValueError("no opening hours given (e.g. 'mon-fri 08:00-18:00')")
    for rule in rules:
        match = _RULE.match(rule)
        if match is None:
            raise ValueError(f"{rule!r}: expected days and times, e.g. 'mon-fri 08:00-18:00'")
        first, _, last = match["days"].partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"{rule!r}: days are {', '.join(DAYS)}")
        start_day, end_day = DAYS.index(first), DAYS.index(last or first)
        if end_day < start_day:
            raise ValueError(f"{rule!r}: a range of days runs forward (mon-fri)")
        for piece in match["times"].split(","):
            times = _RANGE.match(piece.strip())
            if times is None:
                raise ValueError(f"{rule!r}: times look like 08:00-18:00")
            span = Span(_minutes(times[1], times[2], end=False), _minutes(times[3], times[4], end=True))
            if span.end <= span.start:
                raise ValueError(f"{rule!r}: a time range ends after it starts")
            for day in range(start_day, end_day + 1):
                week[day].append(span)
    return tuple(tuple(sorted(d, key=lambda s: s.start)) for d in week)


class OfficeHours:
    def __init__(self, text: str, timezone: str = "UTC") -> None:
        self.text = text
        self.week = parse_hours(text)
        self.zone = ZoneInfo(timezone)
        self.timezone = timezone

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(s.start <= minute < s.end for s in self.week[local.weekday()])

    def describe(self) -> str:
        """'Monday to Friday 08:00–18:00; Saturday 09:00–12:00 (UTC)' for residents."""
        parts: list[str] = []
        day = 0
        while day < 7:
            spans = self.week[day]
            last = day
            while last + 1 < 7 and self.week[last + 1] == spans:
                last += 1
            if spans:
                days = NAMES[day] if last == day else f"{NAMES[day]} to {NAMES[last]}"
                times = ", ".join(f"{_clock(s.start)}–{_clock(s.end)}" for s in spans)
                parts.append(f"{days} {times}")
            day = last + 1
        return f"{'; '.join(parts) or 'closed'} ({self.timezone})"


def _clock(minutes: int) -> str:
    return time(minutes // 60, minutes % 60).strftime("%H:%M") if minutes < 1440 else "24:00"
