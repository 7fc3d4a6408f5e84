"""XSS: hostile documents in a real knowledge base come back inside real answers and citations, and
nothing in them runs, loads or links anywhere.

The page runs with its Content-Security-Policy bypassed, so what is tested is the widget's own rendering
(a city may embed it under a weaker policy than the bot's): no payload may set `window.__xss`, open a
dialog or make a request outside the allow-list (every request is recorded; foreign ones are aborted).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from bot.storage.tables import TranscriptRow
from ingest.pipeline import Ingestor
from knowledge_base.kb import KnowledgeBase
from tests.conftest import CountingEmbedder
from tests.web_widget.harness import BotServer, bot_settings
from tests.web_widget.widget_page import Widget
from tests.web_widget.xss_corpus import Payload, Question, write_documents, write_refused

pytestmark = pytest.mark.browser

ALLOWED_LINK_HOSTS = {"www.millbrook.example"}
SAFE_TAGS = {
    "link", "div", "button", "svg", "path", "span", "section", "header", "h2", "p", "form", "label",
    "textarea", "article", "ol", "li", "a", "details", "summary", "blockquote",
}  # fmt: skip

INSPECT = """() => {
  const root = document.querySelector("#askcity-widget").shadowRoot;
  const elements = [...root.querySelectorAll("*")];
  const attributes = elements.flatMap((el) => [...el.attributes].map((a) => a.name));
  const foreign = "img, iframe, object, embed, svg, video, audio, base, meta[http-equiv]";
  return {
    tags: [...new Set(elements.map((el) => el.localName))],
    handlers: attributes.filter((name) => /^on/i.test(name)),
    hrefs: elements.filter((el) => el.hasAttribute("href")).map((el) => [el.localName, el.href]),
    text: root.querySelector(".ac-log").textContent,
    lightDom: document.querySelectorAll(foreign).length,
  };
}"""

PLANT = """(markup) => {
  const log = document.querySelector("#askcity-widget").shadowRoot.querySelector(".ac-log");
  const div = document.createElement("div");
  div.innerHTML = markup;  // what a careless widget would do with the bot's text
  log.append(div);
}"""


@dataclass
class Hostile:
    bot: BotServer
    planted: list[Payload]
    questions: list[Question]

    def delivered(self) -> list[Payload]:
        """The planted payloads that the bot actually sent back in answers or citations (its transcripts)."""
        with self.bot.runtime.service.database.session() as s:
            rows = list(s.scalars(sa.select(TranscriptRow)))
        fields: list[str] = []
        for row in rows:
            fields.append(row.answer)
            for c in row.citations:
                fields += [
                    str(c["title"]),
                    str(c["source_url"]),
                    str(c["quote"]),
                    *map(str, c["section_path"]),
                ]
        blob = "\n".join(fields)
        return [p for p in self.planted if p.text in blob]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    """A throwaway knowledge base of hostile documents, ingested for real, behind a real bot."""
    root = tmp_path_factory.mktemp("xss-kb")
    documents = root / "documents"
    documents.mkdir()
    embedder = CountingEmbedder()
    planted, questions = write_documents(documents, embedder.count_tokens)
    refused = write_refused(documents)
    kb = KnowledgeBase(root / "kb", f"sqlite:///{root / 'kb.sqlite3'}", embedder)
    kb.migrate()
    summary = Ingestor(kb).ingest([documents])
    # Script tags and hidden markup hold a document for review at ingest; an editor confirms these
    # anyway, so that what is under test here is the rendering of whatever gets published.
    for held in summary.held:
        kb.confirm(held.document_id)
    if summary.held:
        kb.publish()
    kb.close()
    # Links that are not http(s) with a host are refused at ingest, each with its reason; the rest go in.
    failed = {Path(f.source).name: f.reason for f in summary.failed}
    assert failed.keys() == refused.keys(), failed
    assert all(failed[name].endswith(reason) for name, reason in refused.items()), failed
    # The gate is not under test here: every hostile passage must come back as an answer to be rendered.
    with BotServer(bot_settings(root, tmp_path_factory.mktemp("xss-bot"), answer_threshold=0.0)) as bot:
        yield Hostile(bot, planted, questions)


def guarded_page(open_page: Any, hostile: Hostile) -> tuple[Any, Any]:
    origin = hostile.bot.url.rstrip("/")
    page, record = open_page("", bypass_csp=True)
    page.context.route(lambda url: not url.startswith(origin), lambda route: route.abort())
    page.goto(hostile.bot.url)
    return page, record


def allowed(href: str, bot_host: str) -> bool:
    parts = urlsplit(href)
    return parts.scheme in ("http", "https") and parts.netloc in ALLOWED_LINK_HOSTS | {bot_host}


def test_hostile_documents_come_back_as_inert_text(hostile: Hostile, open_page: Any) -> None:
    page, record = guarded_page(open_page, hostile)
    bot_host = urlsplit(hostile.bot.url).netloc
    widget = Widget(page)
    widget.open()
    shown_text: list[str] = []
    hrefs: list[tuple[str, str]] = []
    for start in range(0, len(hostile.questions), 15):
        for question in hostile.questions[start : start + 15]:
            expect(widget.ask(question.text)).to_have_attribute("data-status", "answered")
        page.locator(".ac-quote").first.wait_for()
        seen = page.evaluate(INSPECT)
        assert set(seen["tags"]) <= SAFE_TAGS, set(seen["tags"]) - SAFE_TAGS
        assert seen["handlers"] == []
        assert seen["lightDom"] == 0
        shown_text.append(seen["text"])
        hrefs += seen["hrefs"]
        page.get_by_role("button", name="Clear conversation").click()

    # Nothing ran, nothing left for a foreign host, no link points anywhere but the allow-list.
    assert page.evaluate("window.__xss") is None
    assert record.dialogs == []
    assert {urlsplit(u).netloc for u in record.requests} == {bot_host}, record.requests
    assert all(allowed(href, bot_host) for tag, href in hrefs if tag == "a"), hrefs
    assert any("/services/xss-corpus/" in href for _, href in hrefs)  # the one allowed source is a link

    # The API itself never hands out a sentence or citation link pointing off the city's hosts (issue 11):
    # the payloads that name a foreign host stay out of every answer, whatever the widget would do.
    delivered = hostile.delivered()
    assert [p.text for p in delivered if "evil.example" in p.text] == []  # with a scheme or without
    # The rest came back from the bot, and each one is on screen as plain text. A sentence naming a host
    # off the city, even without a scheme ("fetch('//evil.example/…')"), is never quoted, and neither is
    # one with a script link: 99 of the 222 body payloads may be quoted, and an answer's window does not
    # grow across a sentence that may not be; headings and titles naming such a host lose it (132
    # delivered before hosts without a scheme counted, 37 since).
    assert len(delivered) >= 35, len(delivered)
    assert {p.category for p in delivered if p.where == "body"} >= {
        "script tags",
        "event handlers",
        "javascript: and data: URLs",
        "SVG",
        "broken tags",
        "Unicode tricks",
    }
    text = "\n".join(shown_text)
    missing = [p.text for p in delivered if p.where != "source_uri" and p.text not in text]
    assert missing == []
    places = {p.where for p in delivered}
    assert places == {"body", "heading", "title", "source_uri"}


def test_the_probes_catch_an_unsafe_rendering(hostile: Hostile, open_page: Any) -> None:
    """The checks above are shown to fire: the same kinds of payload, planted with innerHTML, are caught."""
    page, record = guarded_page(open_page, hostile)
    # planted only once the widget has its config: it re-renders its log then, which would drop the plant
    expect(Widget(page).launcher).to_be_visible()
    page.evaluate(
        PLANT,
        "<img src=x onerror=\"window.__xss='canary'\">"
        "<img src=x onerror=\"alert('canary')\">"
        '<img src="https://evil.example/canary.png">',
    )
    page.wait_for_function("window.__xss === 'canary'")
    expect(page.locator("img")).to_have_count(3)
    assert record.dialogs == ["canary"]
    assert "https://evil.example/canary.png" in record.requests
