"""Errors of the live event broker. The API maps them to HTTP in `bot/api/errors.py`.

EventError
└── InvalidEventIdError     a Last-Event-ID that is not an event id (`<digits>-<digits>`): 400
"""

from __future__ import annotations


class EventError(Exception):
    pass


class InvalidEventIdError(EventError):
    def __init__(self, value: str) -> None:
        super().__init__(f"not an event id: {value!r}")
        self.value = value
