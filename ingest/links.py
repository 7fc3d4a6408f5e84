"""Addresses in documents: a document's source link, and the hosts of e-mail addresses and URLs in its text.

A source link comes from a sidecar's `source_uri` or a JSONL line's `url`; it must be an http(s) address
(a `javascript:`, `data:`, `file:` ... link is refused with the file). A file without one gets the
`file:` URI of its local path, made here and never taken from metadata, so a `file:` source always means
"no public link" (the bot links only to its allowed hosts).

Addresses in text are e-mail addresses, http(s) URLs (an IPv6 host in brackets too:
`http://[2001:db8::1]/hedge`), `www.` hosts, IPv4 addresses with a path or port ("192.0.2.7/pay") and
hosts written without a scheme ("leafhelp-millbrook.com/apply", "millbrook-leaves dot com",
"evil[.]example"), the last with an ending listed in `data/hosts.yml`: a planted page names its site the
way a resident would type it. A host that is an IP address is never the city's.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from ingest.errors import MetadataError

_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
# An e-mail address, an http(s) URL (its host may be an IPv6 address in brackets), a bare www. host, or an
# IPv4 address with a path or port ("192.0.2.7/pay": without one, "1.2.3.4" may be a section number):
# where a reader is asked to send something.
_ADDRESS = re.compile(
    r"(?P<email>(?<![\w.+%-])[\w.+%-]+@(?P<mailhost>[\w-]+(?:\.[\w-]+)+))"  # from a word's start: linear
    r"|(?P<url>\bhttps?://(?:\[[0-9a-f:.]{2,45}\](?::\d{1,5})?[^\s<>\"'()\[\]]*|[^\s<>\"'()\[\]]+))"
    r"|(?P<www>\bwww\.[\w-]+(?:\.[\w-]+)+(?:/[^\s<>\"'()\[\]]*)?)"
    r"|(?P<ip>(?<![\w.])(?P<iphost>(?:\d{1,3}\.){3}\d{1,3})(?::\d{1,5})?/[^\s<>\"'()\[\]]*"
    r"|(?<![\w.])(?P<ipport>(?:\d{1,3}\.){3}\d{1,3}):\d{1,5}(?!\d))",
    re.IGNORECASE,
)
# A dot in a host as people write it to dodge a link check: "dot", "[.]", "(dot)"; `_BARE` is built from it.
_DOT = r"(?:\s*[\[(]\s*(?:\.|dot)\s*[\])]\s*|\s+dot\s+|\.)"
_SPELLED_DOT = re.compile(r"\s*[\[(]\s*(?:\.|dot)\s*[\])]\s*|\s+dot\s+", re.IGNORECASE)
# "the DOT website" is the Department of Transportation's, "the dot com boom" no host: a dot spelled "DOT"
# counts before an ending in capitals ("EVIL DOT COM"), and a spelled dot never after one of these words.
_NOT_A_LABEL = frozenset(
    {"the", "a", "an", "our", "your", "their", "this", "that", "my", "its", "his", "her"}
)
HOSTS = Path(__file__).parent / "data" / "hosts.yml"
MAX_LABELS = 16  # labels before the ending of a host without a scheme (a longer one is read from its end)


@lru_cache(maxsize=1)
def _endings() -> tuple[frozenset[str], frozenset[str]]:
    """(endings read as a host however written, endings that are also file types: a host only when
    its dots are spelled out or a path follows)."""
    data = yaml.safe_load(HOSTS.read_text(encoding="utf-8"))
    return (
        frozenset(str(e).lower() for e in data["top_level_domains"]),
        frozenset(str(e).lower() for e in data.get("file_type_domains", [])),
    )


@lru_cache(maxsize=1)
def _bare_host() -> re.Pattern[str]:
    """A host without a scheme ending in a listed top-level domain, with its path."""
    endings, file_types = _endings()
    tld = "|".join(sorted(endings | file_types, key=len, reverse=True))
    label = r"(?>[a-z0-9][a-z0-9-]{0,62})"  # atomic: a word is tried as a label once, not at every length
    # at most MAX_LABELS labels: "x dot x dot x ..." without an ending costs a few steps a word, not the
    # rest of the text at every word; a longer host is found from a later label (a match may start
    # after a dot)
    return re.compile(
        rf"(?<![\w@-])(?P<host>(?:{label}{_DOT}){{1,{MAX_LABELS}}}(?P<tld>{tld}))(?![\w-]|\.\w)(?P<path>/[^\s<>\"'()\[\]]*)?",
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


def is_ip_address(host: str) -> bool:
    """The host is an IPv4 or IPv6 address ("192.0.2.7", "2001:db8::1", "[2001:db8::1]")."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def is_city_host(host: str, city_domains: Sequence[str]) -> bool:
    """The host is one of the city's domains or a subdomain of one; an IP address never is."""
    host = host.rstrip(".").lower()
    if not host or is_ip_address(host):
        return False
    return any(host == d or host.endswith("." + d) for d in city_domains)


def addresses(text: str) -> Iterator[Address]:
    """E-mail addresses, http(s) URLs, www. hosts, IPv4 addresses with a path or port and hosts without a
    scheme in a text, with their hosts (in text order; an IPv6 host without its brackets)."""
    found: list[Address] = []
    for match in _ADDRESS.finditer(text):
        written = match.group().rstrip(".,;:!?")
        if match.group("email"):
            host = match.group("mailhost")
        elif match.group("url"):
            host = host_of(written)
        elif match.group("ip") or match.group("ipport"):
            host = match.group("iphost") or match.group("ipport")
        else:
            host = written.split("/", 1)[0]
        found.append(Address(written, host.rstrip(".").lower(), match.start(), match.start() + len(written)))
    taken = [(a.start, a.end) for a in found]
    _, file_types = _endings()
    for match in _bare_host().finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue  # inside an e-mail address or URL found above
        if not _is_bare_host(match, file_types):
            continue
        written = match.group().rstrip(".,;:!?")
        host = _SPELLED_DOT.sub(".", match.group("host"))
        found.append(Address(written, host.lower(), match.start(), match.start() + len(written)))
    yield from sorted(found, key=lambda a: a.start)


def _is_bare_host(match: re.Match[str], file_types: frozenset[str]) -> bool:
    """Whether a word, a dot and an ending are a host rather than prose or a file name."""
    tld, host = match.group("tld"), match.group("host")
    if tld[0].isupper() and tld[1:].islower() and len(tld) > 1:
        return False  # "office.Online": a full stop that lost its space, not a host
    spelled = list(_SPELLED_DOT.finditer(host))
    if spelled:
        if host[: spelled[0].start()].lower() in _NOT_A_LABEL:
            return False  # "the dot com boom"
        if any(s.group().strip() == "DOT" for s in spelled) and not tld.isupper():
            return False  # "the state DOT website": the Department of Transportation
    if tld.lower() in file_types:
        return bool(spelled) or bool(match.group("path"))  # "forms.zip" is a file, "rebates dot zip" a host
    return True
