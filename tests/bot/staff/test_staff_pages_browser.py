"""The staff pages in Debian's Chromium: keyboard only, axe-core on every page (WCAG 2.2 AA), reflow at
320 px, no script, no CSP violation, no third-party request; and OIDC across two sites, where SameSite
cookies decide whether a sign-in survives the issuer's redirect."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.api.app import create_app
from bot.runtime import Runtime, build_staff_auth
from tests.bot.staff.oidc_provider import CLIENT_ID, OidcProvider
from tests.bot.staff.staff_harness import StaffStack, in_own_thread
from tests.web_widget.harness import CHROMIUM, CHROMIUM_ARGS, ServedApp, bot_settings

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

PROBES = """
window.__pointerEvents = 0;
for (const type of ["mousedown", "mouseup", "pointerdown", "pointerup", "mousemove"]) {
  window.addEventListener(type, () => { window.__pointerEvents += 1; }, true);
}
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
}, true);
"""
FOCUSED = """() => {
  const e = document.activeElement;
  const name = e.id || e.className || e.tagName.toLowerCase();
  return name + ":" + (e.tagName === "INPUT" ? "" : (e.textContent || "").trim().slice(0, 40));
}"""
OUTLINE = "el => { const s = getComputedStyle(el); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= innerWidth"


@pytest.fixture(scope="module", autouse=True)
def _chromium() -> None:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: run `make browser` (or `apt-get install chromium`)"
        if os.environ.get("ASKCITY_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, and ASKCITY_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(reason)


def violations(page: Any) -> list[str]:
    """axe-core with every rule it runs by default (WCAG 2.0-2.2 A/AA and best practices)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]


def in_chromium(scenario: Callable[[Any, list[str]], None], width: int = 1280, height: int = 800) -> None:
    """Run `scenario(page, requests)` in a fresh Chromium; then check what every page did."""

    def run() -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport={"width": width, "height": height})
                context.add_init_script(PROBES)
                page = context.new_page()
                page.set_default_timeout(15_000)
                requests: list[str] = []
                errors: list[str] = []
                page.on("request", lambda request: requests.append(request.url))
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
                scenario(page, requests)
                # Chromium logs the status of pages that answer 401/403/422 on purpose; nothing else
                expected = ("status of 401", "status of 403", "status of 422")
                assert [
                    e
                    for e in errors
                    if not e.endswith(tuple(f"{x} (" for x in expected)) and not any(x in e for x in expected)
                ] == []
            finally:
                browser.close()

    in_own_thread(run)


def focused(page: Any) -> str:
    return str(page.evaluate(FOCUSED))


def tab_to(page: Any, target: str, limit: int = 15) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page).startswith(target):
            return
    raise AssertionError(f"{target!r} never got focus")


def clean(page: Any, where: str, found: dict[str, list[str]]) -> None:
    found[where] = violations(page)
    assert page.evaluate("window.__cspViolations") == [], where
    assert page.evaluate("window.__pointerEvents") == 0, where
    assert page.locator("script").count() == 0, where


def test_keyboard_only_sign_in_and_out_with_no_accessibility_violation(stack: StaffStack) -> None:
    user = stack.user("editor")
    found: dict[str, list[str]] = {}
    with ServedApp(create_app(stack.settings, stack.runtime)) as served:

        def scenario(page: Any, requests: list[str]) -> None:
            page.goto(f"{served.origin}/staff")
            assert page.url == f"{served.origin}/staff/login?next=/staff"
            clean(page, "login", found)

            page.keyboard.press("Tab")
            assert focused(page).startswith("skip-link")
            tab_to(page, "username")
            page.keyboard.type(user.username)
            page.keyboard.press("Tab")
            assert focused(page).startswith("password")
            page.keyboard.type("not-the-password")
            page.keyboard.press("Enter")
            page.wait_for_selector(".error-summary")
            assert focused(page).startswith("error-summary")  # announced and focused
            assert page.title().startswith("Error: ")
            clean(page, "login with an error", found)

            tab_to(page, "password")
            page.keyboard.type(user.password)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{served.origin}/staff")
            assert "Editor" in page.inner_text("main") and user.password not in page.content()
            clean(page, "staff area", found)

            tab_to(page, "button:Sign out", limit=30)  # past the menu and the page's links
            style, outline = page.locator("button").evaluate(OUTLINE)
            assert style != "none" and outline >= 2
            page.keyboard.press("Enter")
            page.wait_for_url(f"{served.origin}/staff/login?signed_out=1")
            assert "You have signed out." in page.inner_text("main")
            clean(page, "signed out", found)

            page.goto(f"{served.origin}/staff")  # signed out: back to the login page
            assert "/staff/login" in page.url
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / "staff-login-1280px.png")
            assert {urlsplit(u).netloc for u in requests} == {urlsplit(served.origin).netloc}

        in_chromium(scenario)
    assert found == {where: [] for where in found}, found


def test_the_refusal_pages_and_a_narrow_screen_pass_axe_too(stack: StaffStack) -> None:
    user = stack.user("agent")
    found: dict[str, list[str]] = {}
    with ServedApp(create_app(stack.settings, stack.runtime)) as served:

        def scenario(page: Any, requests: list[str]) -> None:
            page.goto(f"{served.origin}/staff/login")
            assert page.evaluate(NO_HORIZONTAL_SCROLL)
            page.keyboard.press("Tab")
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")  # an empty form
            page.wait_for_selector(".field-message")
            assert page.locator("#username").get_attribute("aria-invalid") == "true"
            clean(page, "empty form at 320 px", found)

            page.fill("#username", user.username)
            page.fill("#password", user.password)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{served.origin}/staff")
            assert page.evaluate(NO_HORIZONTAL_SCROLL)
            clean(page, "staff area at 320 px", found)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / "staff-area-320px.png")

            page.locator("input[name=csrf_token]").evaluate("el => { el.value = 'forged'; }")
            page.locator("button").press("Enter")
            page.wait_for_selector("h1:text('Not allowed')")
            clean(page, "refusal page", found)

        in_chromium(scenario, width=320, height=640)
    assert found == {where: [] for where in found}, found


def test_oidc_sign_in_across_sites_survives_samesite_strict(
    staff_runtime: Runtime, staff_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The issuer (localhost) and the bot (127.0.0.1) are different sites, as in production."""
    with OidcProvider(host="localhost") as provider:
        settings = bot_settings(
            staff_kb_dir,
            tmp_path_factory.mktemp("oidc-browser"),
            jwt_issuer=provider.issuer,
            staff_oidc_client_id=CLIENT_ID,
        )
        auth = build_staff_auth(settings, None)
        assert auth is not None
        app = create_app(settings, dataclasses.replace(staff_runtime, staff=auth))
        found: dict[str, list[str]] = {}
        with ServedApp(app) as served:

            def scenario(page: Any, requests: list[str]) -> None:
                page.goto(f"{served.origin}/staff/login")
                clean(page, "login with OIDC", found)
                tab_to(page, "button:Sign in with your city account")
                page.keyboard.press("Enter")
                page.wait_for_url(f"{served.origin}/staff")
                assert "Olivia Agent" in page.inner_text("main")
                tab_to(page, "button:Sign out", limit=30)  # past the menu and the page's links
                page.keyboard.press("Enter")
                page.wait_for_url(f"{served.origin}/staff/login?signed_out=1")
                assert provider.logouts and provider.logouts[-1]["post_logout_redirect_uri"].startswith(
                    served.origin
                )

            in_chromium(scenario)
        auth.close()
    assert found == {where: [] for where in found}, found
