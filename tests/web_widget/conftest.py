"""Fixtures of the widget's browser tests: Debian's Chromium, and the real bot (sample knowledge base) with
the real records service and its dev identity provider behind it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web_widget.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    BotServer,
    DemoUser,
    RecordsService,
    bot_settings,
    bound_socket,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
REQUIRE_SERVICES = os.environ.get("ASKCITY_REQUIRE_SERVICES") == "1"

# Recorded in every page before any of its scripts run: script that should never run sets __xss; mouse
# and pointer events are counted for the keyboard-only test.
PAGE_PROBES = """
window.__xss = undefined;
window.__pointerEvents = 0;
for (const type of ["mousedown", "mouseup", "pointerdown", "pointerup", "mousemove"]) {
  window.addEventListener(type, () => { window.__pointerEvents += 1; }, true);
}
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
}, true);
"""


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Debian's Chromium (never a downloaded browser). Per package, not per session: Playwright's sync API
    keeps an event loop running in this thread while it is open, which `asyncio.run` elsewhere refuses."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: run `make browser` (or `apt-get install chromium`)"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason}, and ASKCITY_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Stack:
    """The demo as `askcity run` serves it: the bot (sample KB) and the records service."""

    bot: BotServer
    records: RecordsService
    users: list[DemoUser]

    @property
    def url(self) -> str:
        return self.bot.url

    def resident(self) -> DemoUser:
        return next(u for u in self.users if u.role == "resident" and u.case_references)


@pytest.fixture(scope="package")
def stack(browser: Any, sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Depends on `browser` only so that a missing Chromium skips before any service starts."""
    sock = bound_socket()
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    records_dir = tmp_path_factory.mktemp("widget-records")
    with RecordsService(records_dir, cors_origin=origin) as records:
        settings = bot_settings(
            sample_kb_dir,
            tmp_path_factory.mktemp("widget-bot"),
            login_url=records.login_url,
            records_api_url=records.url,
        )
        with BotServer(settings, sock) as bot:
            yield Stack(bot, records, records.demo_users())


@dataclass
class PageRecord:
    """What a page did: every request URL, console errors, uncaught exceptions, dialogs."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {urlsplit(u).netloc for u in self.requests if urlsplit(u).scheme in ("http", "https")}


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., tuple[Any, PageRecord]]]:
    """`open_page(url, width=1280, height=800, **context_options)` -> (page, record)."""
    contexts: list[Any] = []

    def opener(url: str, width: int = 1280, height: int = 800, **options: Any) -> tuple[Any, PageRecord]:
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        context.add_init_script(PAGE_PROBES)
        page = context.new_page()
        page.set_default_timeout(15_000)
        record = PageRecord()
        page.on("request", lambda request: record.requests.append(request.url))
        page.on("pageerror", lambda error: record.errors.append(str(error)))
        page.on("console", lambda msg: record.errors.append(msg.text) if msg.type == "error" else None)

        def on_dialog(dialog: Any) -> None:
            record.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        if url:
            page.goto(url)
            page.locator(".ac-launcher, .ac-panel").first.wait_for(state="visible")
        return page, record

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
