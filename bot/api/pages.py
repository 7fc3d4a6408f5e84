"""The demo page at `/`: a fictional city's website with the chat widget embedded."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
DEMO_PAGE = Path(__file__).resolve().parents[2] / "web_widget" / "static" / "demo.html"

FALLBACK = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>askcity</title></head>
<body><main><h1>askcity</h1><p>The bot is running. API documentation: <a href="/docs">/docs</a>.</p>
</main></body></html>"""


@router.get("/", response_class=HTMLResponse)
def demo_page() -> HTMLResponse:
    html = DEMO_PAGE.read_text(encoding="utf-8") if DEMO_PAGE.is_file() else FALLBACK
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})
