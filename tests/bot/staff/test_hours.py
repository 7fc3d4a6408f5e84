"""Opening hours of the contact centre (`ASKCITY_HANDOFF_HOURS`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import BotSettings
from bot.staff.hours import OfficeHours, parse_hours

# 2026-12-07 is a Monday
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rules", "at", "open_"),
    [
        ("mon-fri 08:00-18:00", MONDAY_9, True),
        ("mon-fri 08:00-18:00", MONDAY_9.replace(hour=18), False),  # the end is exclusive
        ("mon-fri 08:00-18:00", MONDAY_9.replace(day=12), False),  # a Saturday
        ("sat 09:00-12:00, 13:00-15:00", MONDAY_9.replace(day=12, hour=14), True),
        ("mon-sun 00:00-24:00", MONDAY_9.replace(hour=23, minute=59), True),
        ("tue 08:00-10:00", MONDAY_9, False),
    ],
)
def test_open_or_closed(rules: str, at: datetime, open_: bool) -> None:
    assert OfficeHours(rules).is_open(at) is open_


def test_the_time_zone_is_the_hours_own() -> None:
    hours = OfficeHours("mon-fri 08:00-18:00", "America/New_York")
    assert not hours.is_open(MONDAY_9)  # 04:00 in New York
    assert hours.is_open(MONDAY_9.replace(hour=14))


def test_residents_read_the_hours_in_words() -> None:
    hours = OfficeHours("mon-fri 08:00-18:00; sat 09:00-12:00", "Europe/Paris")
    assert hours.describe() == "Monday to Friday 08:00–18:00; Saturday 09:00–12:00 (Europe/Paris)"


@pytest.mark.parametrize(
    "rules",
    ["", "weekdays 8-6", "mon-fri 18:00-08:00", "fri-mon 08:00-10:00", "mon 25:00-26:00", "mon 08:00-24:30"],
)
def test_malformed_hours_are_refused_with_a_reason(rules: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_hours(rules)


def test_settings_refuse_bad_hours_or_time_zone(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="ASKCITY_HANDOFF_HOURS"):
        BotSettings(data_dir=tmp_path, handoff_hours="whenever")
    with pytest.raises(ValidationError, match="ASKCITY_HANDOFF_TIMEZONE"):
        BotSettings(data_dir=tmp_path, handoff_timezone="Mars/Olympus_Mons")
