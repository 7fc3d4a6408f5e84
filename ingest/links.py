"""Addresses in documents: a document's source link, and the hosts of e-mail addresses and URLs in its text.

A source link comes from a sidecar's `source_uri` or a JSONL line's `url`; it must be an http(s) address
(a `javascript:`, `data:`, `file:` ... link is refused with the file). A file without one gets the
`file:` URI of its local path, made here and never taken from metadata, so a `file:` source always means
"no public link" (the bot links only to its allowed hosts).

Addresses in text are e-mail addresses, http(s) URLs, `www.` hosts and hosts written without a scheme
("leafhelp-millbrook.com/apply", "millbrook-leaves dot com", "evil[.]example"), the last with an ending
listed in `data/hosts.yml`: a planted page names its site the way a resident would type it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from ingest.errors import MetadataError

_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
# An e-mail address, an http(s) URL, or a bare www. host: where a reader is asked to send something.
_ADDRESS = re.compile(
    r"(?P<email>[\w.+%-]+@(?P<mailhost>[\w-]+(?:\.[\w-]+)+))"
    r"|(?P<url>\bhttps?://[^\s<>\"'()\[\]]+)"
    r"|(?P<www>\bwww\.[\w-]+(?:\.[\w-]+)+(?:/[^\s<>\"'()\[\]]*)?)",
    re.IGNORECASE,
)
# A dot in a host as people write it to dodge a link check: "dot", "[.]", "(dot)"; `_BARE` is built from it.
_DOT = r"(?:\s*[\[(]\s*(?:\.|dot)\s*[\])]\s*|\s+dot\s+|\.)"
_SPELLED_DOT = re.compile(r"\s*[\[(]\s*(?:\.|dot)\s*[\])]\s*|\s+dot\s+", re.IGNORECASE)
HOSTS = Path(__file__).parent / "data" / "hosts.yml"


@lru_cache(maxsize=1)
def _bare_host() -> re.Pattern[str]:
    """A host without a scheme ending in a listed top-level domain, with its path."""
    endings = yaml.safe_load(HOSTS.read_text(encoding="utf-8"))["top_level_domains"]
    tld = "|".join(sorted({str(e).lower() for e in endings}, key=len, reverse=True))
    label = r"(?>[a-z0-9][a-z0-9-]{0,62})"  # atomic: a word is tried as a label once, not at every length
    return re.compile(
        rf"(?<![\w@.-])(?P<host>(?:{label}{_DOT})+(?P<tld>{tld}))(?![\w-]|\.\w)(?P<path>/[^\s<>\"'()\[\]]*)?",
        re.IGNORECASE,
    )


@dataclass(frozen=True, slots=True)
class Address:
    text: str
    host: str
    start: int
    end: int


def local_uri(path: Path) -> str:
    """The source of a file without a public link: its local path (shown to editors, never linked)."""
    return path.resolve().as_uri()


def checked_source_uri(uri: str, field: str = "source_uri") -> str:
    """A source link from metadata, or MetadataError with the reason: only http(s) with a host."""
    if _UNSAFE.search(uri):
        raise MetadataError(f"{field} contains spaces or control characters")
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError as exc:
        raise MetadataError(f"{field} has an invalid host or port") from exc
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"{parts.scheme[:20]}:" if parts.scheme else "a relative address"
        raise MetadataError(f"{field} must be an http(s) address, not {scheme}")
    if parts.username is not None or parts.password is not None:
        raise MetadataError(f"{field} must not contain a user name or password")
    if not host:
        raise MetadataError(f"{field} has no host")
    return uri


def host_of(uri: str) -> str:
    try:
        return (urlsplit(uri).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def is_city_host(host: str, city_domains: Sequence[str]) -> bool:
    """The host is one of the city's domains or a subdomain of one."""
    host = host.rstrip(".").lower()
    return any(host == d or host.endswith("." + d) for d in city_domains)


def addresses(text: str) -> Iterator[Address]:
    """E-mail addresses, http(s) URLs, www. hosts and hosts without a scheme in a text, with their hosts
    (in text order)."""
    found: list[Address] = []
    for match in _ADDRESS.finditer(text):
        written = match.group().rstrip(".,;:!?")
        if match.group("email"):
            host = match.group("mailhost")
        elif match.group("url"):
            host = host_of(written)
        else:
            host = written.split("/", 1)[0]
        found.append(Address(written, host.rstrip(".").lower(), match.start(), match.start() + len(written)))
    taken = [(a.start, a.end) for a in found]
    for match in _bare_host().finditer(text):
        tld = match.group("tld")
        if tld[0].isupper() and tld[1:].islower() and len(tld) > 1:
            continue  # "office.Online": a full stop that lost its space, not a host
        if any(start <= match.start() < end for start, end in taken):
            continue  # inside an e-mail address or URL found above
        written = match.group().rstrip(".,;:!?")
        host = _SPELLED_DOT.sub(".", match.group("host"))
        found.append(Address(written, host.lower(), match.start(), match.start() + len(written)))
    yield from sorted(found, key=lambda a: a.start)
