"""The operator's off switch: a file in the data directory, seen by every bot process within a second.

`askcity chat off --message "..."` writes it, `askcity chat on` removes it. While it exists, new
sessions and messages get 503 with the message (and the widget shows it); health checks still pass.
"""

from __future__ import annotations

import time
from pathlib import Path

DEFAULT_NOTICE = "The assistant is switched off for now. Please contact the city by phone or email."


class KillSwitch:
    def __init__(self, path: Path, check_seconds: float = 1.0) -> None:
        self.path = path
        self._check_seconds = check_seconds
        self._checked = -1e9
        self._notice: str | None = None

    def notice(self) -> str | None:
        """The notice to show while switched off, or None while the chat is on."""
        now = time.monotonic()
        if now - self._checked >= self._check_seconds:
            self._checked = now
            try:
                self._notice = self.path.read_text(encoding="utf-8").strip() or DEFAULT_NOTICE
            except FileNotFoundError:
                self._notice = None
        return self._notice

    def turn_off(self, notice: str = "") -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(notice.strip() or DEFAULT_NOTICE, encoding="utf-8")
        self._checked = -1e9

    def turn_on(self) -> None:
        self.path.unlink(missing_ok=True)
        self._checked = -1e9
