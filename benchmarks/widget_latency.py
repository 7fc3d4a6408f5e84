"""Figures of the chat widget, measured on the demo page in Debian's Chromium against the real bot.

1. size: widget.js and widget.css, raw and gzipped (level 9);
2. latency: time from the click on Send to the first streamed sentence in the widget's DOM, over ten
   sample-KB questions after one warm-up (median, p90, each), measured in the page (`performance.now()`
   at the click, a MutationObserver inside the shadow root for the first sentence);
3. axe-core: violations on the demo page with the panel closed and open with an answer;
4. the XSS corpus of the browser tests: payloads planted, by place.

The bot runs in-process on the sample knowledge base, ingested into `--data-dir` (default: the demo's
data dir, `ASKCITY_DATA_DIR` or `./var`) when it is missing or changed, like `askcity run`.

Prints one JSON object. Run: `.venv/bin/python -m benchmarks.widget_latency [--data-dir DIR]`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from bot.settings import BotSettings
from ingest.pipeline import Ingestor
from knowledge_base.embedder import SentenceTransformerEmbedder
from knowledge_base.factory import open_knowledge_base
from tests.web_widget.harness import CHROMIUM, CHROMIUM_ARGS, BotServer, bot_settings
from tests.web_widget.xss_corpus import write_documents

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "web_widget" / "static"
SAMPLE = ROOT / "ingest" / "sample_kb"
RUNS = 10

# Click time (capture listener) and the first sentence streamed into the draft answer, per turn.
PROBE = """
window.__bench = { clicks: [], firsts: [] };
document.addEventListener("click", () => window.__bench.clicks.push(performance.now()), true);
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  const root = attach.call(this, init);
  new MutationObserver((records) => {
    const b = window.__bench;
    for (const r of records) {
      const streaming = r.target.closest && r.target.closest(".ac-msg--streaming");
      const first = b.firsts.length < b.clicks.length;
      if (streaming && r.addedNodes.length && first) b.firsts.push(performance.now());
    }
  }).observe(root, { childList: true, subtree: true });
  return root;
};
"""


def sizes() -> dict[str, int]:
    out = {}
    for name in ("widget.js", "widget.css"):
        data = (STATIC / name).read_bytes()
        out[f"{name}_bytes"] = len(data)
        out[f"{name}_gzip_bytes"] = len(gzip.compress(data, compresslevel=9))
    out["total_gzip_bytes"] = out["widget.js_gzip_bytes"] + out["widget.css_gzip_bytes"]
    return out


def questions(n: int) -> list[str]:
    rows = [
        json.loads(line) for line in (SAMPLE / "questions.jsonl").read_text().splitlines() if line.strip()
    ]
    return [r["question"] for r in rows if r["kind"] == "single" and r["gold_doc_ids"]][:n]


def prepare(data_dir: Path) -> float:
    """Ingest the sample documents (only what changed); returns the seconds it took."""
    started = time.perf_counter()
    kb = open_knowledge_base(BotSettings(data_dir=data_dir))
    try:
        Ingestor(kb).ingest([SAMPLE / "documents"])
    finally:
        kb.close()
    return time.perf_counter() - started


def ask(page: Any, question: str) -> None:
    answers = page.locator("article.ac-msg--bot[data-status]")
    before = answers.count()
    page.locator(".ac-input").fill(question)
    page.get_by_role("button", name="Send").click()
    answers.nth(before).wait_for(timeout=30_000)


def axe_violations(page: Any) -> int:
    return len(Axe().run(page).response["violations"])


def measure(url: str) -> dict[str, Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.add_init_script(PROBE)
        page.goto(url)
        closed = axe_violations(page)
        page.locator(".ac-launcher").click()
        warm, *timed = questions(RUNS + 1)
        ask(page, warm)
        page.evaluate("window.__bench = { clicks: [], firsts: [] }")
        for question in timed:
            ask(page, question)
        bench = page.evaluate("window.__bench")
        opened = axe_violations(page)
        browser.close()
    latencies = [round(f - c, 1) for c, f in zip(bench["clicks"], bench["firsts"], strict=True)]
    return {
        "click_to_first_text_ms": {
            "runs": len(latencies),
            "median": round(statistics.median(latencies), 1),
            "p90": round(sorted(latencies)[int(0.9 * (len(latencies) - 1))], 1),
            "each": latencies,
        },
        "axe_violations": {"panel_closed": closed, "panel_open_with_answer": opened},
    }


def payloads() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        planted, asked = write_documents(Path(tmp), SentenceTransformerEmbedder().count_tokens)
    places: dict[str, int] = {}
    for p in planted:
        places[p.where] = places.get(p.where, 0) + 1
    return {"planted": len(planted), "by_place": places, "questions": len(asked)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="knowledge base data dir")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or BotSettings().data_dir
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: run `make browser`")
    ingest_s = prepare(data_dir)
    with tempfile.TemporaryDirectory() as tmp, BotServer(bot_settings(data_dir, Path(tmp))) as bot:
        browser_figures = measure(bot.url)
    report = {
        "size": sizes(),
        **browser_figures,
        "xss_corpus": payloads(),
        "ingest_seconds": round(ingest_s, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
