"""A URL list: pages the city already fetched into a folder, each with the public address it came from.

One page a line, the address first, then the saved file's path relative to the folder, separated by a
tab or spaces (a path may contain spaces; an address cannot). Blank lines and lines starting with `#`
are skipped:

    # fetched 2026-11-30 by the city's crawler
    https://www.millbrook.example/parking/permits	parking/permits.html
    https://www.millbrook.example/libraries/cards	libraries/cards.html

Each page is ingested with its address as `source_uri` (only `http(s)` with a host, as a citation
requires: `ingest.links.checked_source_uri`), its id made from the address (`page_id`) and its title
from the page itself. A bad line is reported with its number and why; the good lines go through.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from ingest.errors import MetadataError
from ingest.links import checked_source_uri

MAX_LINES = 10_000
MAX_ID = 200
_PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".php", ".asp", ".aspx", ".jsp")


@dataclass(frozen=True, slots=True)
class Page:
    """A good line: the page's public address, its saved file as written, the id it gets."""

    line: int
    url: str
    path: str
    document_id: str


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A line that gives no page, and why (shown to the editor with the line's number)."""

    line: int
    path: str  # the file the line names ("" when it names none)
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Located:
    """A page of the list with its file on disk (`askcity ingest --url-list`)."""

    page: Page
    file: Path


def page_id(url: str) -> str:
    """A stable document id from a page's address: host (without `www.`), path without a page suffix,
    and query, lower-case, in `[a-z0-9-]`: `https://www.millbrook.example/parking/permits.html` →
    `millbrook-example-parking-permits`. A very long one is cut and ends with a hash of the address."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    path = parts.path
    for suffix in _PAGE_SUFFIXES:
        if path.lower().endswith(suffix):
            path = path[: -len(suffix)]
            break
    raw = f"{host} {path} {parts.query}".lower()
    slug = re.sub(r"[^a-z0-9]+", "-", raw).strip("-") or "page"
    if len(slug) > MAX_ID:
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:10]
        slug = f"{slug[: MAX_ID - 11].rstrip('-')}-{digest}"
    return slug


def _relative(path: str) -> str | None:
    """The path with `/` separators, or None when it leaves the folder (absolute, `..`)."""
    parts = PurePosixPath(path.replace("\\", "/"))
    if parts.is_absolute() or ".." in parts.parts or re.match(r"^[A-Za-z]:", path):
        return None
    cleaned = [p for p in parts.parts if p not in ("", ".")]
    return "/".join(cleaned) or None


def read_url_list(text: str) -> tuple[list[Page], list[LineProblem]]:
    """The pages of a URL list and the lines that give none (bad address, no path, a repeated page)."""
    pages: list[Page] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    lines = text.removeprefix("\ufeff").splitlines()
    if len(lines) > MAX_LINES:
        problems.append(LineProblem(MAX_LINES + 1, "", f"the list is longer than {MAX_LINES:,} lines"))
        lines = lines[:MAX_LINES]
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        url, _, rest = line.partition("\t") if "\t" in line else line.partition(" ")
        url, written = url.strip(), rest.strip()
        if not written:
            problems.append(LineProblem(number, "", "no file after the address (URL<TAB>path)"))
            continue
        try:
            checked_source_uri(url, "the address")
        except MetadataError as exc:
            problems.append(LineProblem(number, written, str(exc)))
            continue
        path = _relative(written)
        if path is None:
            problems.append(LineProblem(number, written, "the path must be relative to the folder"))
            continue
        document_id = page_id(url)
        if document_id in seen:
            problems.append(
                LineProblem(number, written, f"same page as line {seen[document_id]} (id {document_id})")
            )
            continue
        seen[document_id] = number
        pages.append(Page(number, url, path, document_id))
    if not pages and not problems:
        problems.append(LineProblem(0, "", "the list names no page"))
    return pages, problems


def locate(pages: list[Page], folder: Path) -> tuple[list[Located], list[LineProblem]]:
    """Each page's file inside the folder, or the line's problem (missing, not a file, outside it)."""
    root = folder.resolve()
    found: list[Located] = []
    problems: list[LineProblem] = []
    for page in pages:
        file = (root / page.path).resolve()
        if not file.is_relative_to(root):
            problems.append(LineProblem(page.line, page.path, "the path leaves the folder"))
        elif not file.is_file():
            problems.append(LineProblem(page.line, page.path, f"no file {page.path} in the folder"))
        else:
            found.append(Located(page, file))
    return found, problems
