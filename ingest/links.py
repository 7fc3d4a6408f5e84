"""Addresses in documents: a document's source link, and the hosts of e-mail addresses and URLs in its text.

A source link comes from a sidecar's `source_uri` or a JSONL line's `url`; it must be an http(s) address
(a `javascript:`, `data:`, `file:` ... link is refused with the file). A file without one gets the
`file:` URI of its local path, made here and never taken from metadata, so a `file:` source always means
"no public link" (the bot links only to its allowed hosts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ingest.errors import MetadataError

_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
# An e-mail address, an http(s) URL, or a bare www. host: where a reader is asked to send something.
_ADDRESS = re.compile(
    r"(?P<email>[\w.+%-]+@(?P<mailhost>[\w-]+(?:\.[\w-]+)+))"
    r"|(?P<url>\bhttps?://[^\s<>\"'()\[\]]+)"
    r"|(?P<www>\bwww\.[\w-]+(?:\.[\w-]+)+(?:/[^\s<>\"'()\[\]]*)?)",
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
    """E-mail addresses, http(s) URLs and www. hosts in a text, with their hosts."""
    for match in _ADDRESS.finditer(text):
        found = match.group().rstrip(".,;:!?")
        if match.group("email"):
            host = match.group("mailhost")
        elif match.group("url"):
            host = host_of(found)
        else:
            host = found.split("/", 1)[0]
        yield Address(found, host.rstrip(".").lower(), match.start(), match.start() + len(found))
