"""A thin page object over the widget in a Playwright page (locators pierce its open shadow root)."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Locator, Page, expect

FOCUSED = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el || el === document.body) return "body";
  const name = (el.getAttribute("aria-label") || el.textContent || "").trim().replace(/\\s+/g, " ");
  return (el.classList[0] || el.tagName.toLowerCase()) + (name ? ":" + name.slice(0, 60) : "");
}"""

# An answer's text as read, without the source numbers after its sentences.
ANSWER_TEXT = """(el) => {
  const copy = el.querySelector(".ac-text").cloneNode(true);
  copy.querySelectorAll(".ac-ref").forEach((ref) => ref.remove());
  return copy.textContent.replace(/\\s+/g, " ").trim();
}"""

STORED = """() => {
  const key = Object.keys(sessionStorage).find((k) => k.startsWith("askcity:"));
  return key ? sessionStorage.getItem(key) : null;
}"""


class Widget:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator(".ac-launcher")
        self.panel = page.locator(".ac-panel")
        self.input = page.locator(".ac-input")
        self.log = page.locator(".ac-log")
        self.alert = page.locator(".ac-alert")
        self.answers = page.locator("article.ac-msg--bot[data-status]")

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()

    def ask(self, question: str) -> Locator:
        """Type a question, press Enter, and wait for its final answer; returns that answer."""
        before = self.answers.count()
        self.input.fill(question)
        self.input.press("Enter")
        return self.wait_for_answer(before)

    def wait_for_answer(self, before: int) -> Locator:
        expect(self.answers).to_have_count(before + 1, timeout=20_000)
        return self.answers.last

    @staticmethod
    def answer_text(answer: Locator) -> str:
        return str(answer.evaluate(ANSWER_TEXT))

    def focused(self) -> str:
        return str(self.page.evaluate(FOCUSED))

    def stored(self) -> dict[str, Any]:
        raw = self.page.evaluate(STORED)
        return json.loads(raw) if raw else {}

    def last_answer_id(self) -> str:
        bots = [m for m in self.stored().get("messages", []) if m.get("role") == "bot"]
        return str(bots[-1]["answer_id"])
