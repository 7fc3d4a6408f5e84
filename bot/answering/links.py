"""Links and addresses in what the bot says may only point to the city's own hosts.

Checked here, in the answering pipeline, so every client of the API gets safe data (the widget checks
again). A citation whose `source_url` is not `http(s)` on an allowed host keeps its text but loses
the link; a sentence that holds a link or an email address outside the city's domains is not quoted,
and such links are taken out of citations' quotes, titles and section paths.

The allowed hosts come from `ASKCITY_ALLOWED_LINK_HOSTS` (exact hosts, e.g. `www.millbrook.example`).
An email address is the city's when its domain is an allowed host or the domain under it
(`millbrook.example` for `www.millbrook.example`), or a subdomain of that. A host that is an IP address
(`http://192.0.2.7/pay`, `http://[2001:db8::1]/hedge`) is never allowed, whatever the setting says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from bot.answering.turn import AnswerSentence, Reply
from ingest.links import addresses, is_ip_address
from knowledge_base.records import Citation

REMOVED = "[link removed]"

_SCHEME = re.compile(r"\b[a-z][a-z0-9+.-]*:(?!//)\S+", re.IGNORECASE)
_UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")


def _registered(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True)
class LinkPolicy:
    allowed_hosts: frozenset[str]

    @classmethod
    def of(cls, hosts: Iterable[str]) -> LinkPolicy:
        return cls(frozenset(h.strip().lower().rstrip(".") for h in hosts if h.strip()))

    @property
    def domains(self) -> frozenset[str]:
        return frozenset(_registered(h) for h in self.allowed_hosts)

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.allowed_hosts and not is_ip_address(host)

    def domain_allowed(self, domain: str) -> bool:
        domain = domain.lower().rstrip(".")
        if is_ip_address(domain):
            return False
        return any(domain == d or domain.endswith("." + d) for d in self.domains)

    def url_allowed(self, url: str) -> bool:
        if not url or len(url) > 2048:
            return False
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return False
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username:
            return False
        return self.host_allowed(parts.hostname)

    def _bad_spans(self, text: str) -> list[tuple[int, int]]:
        """Script and data URIs, and every address off the city: found as ingest screening finds them
        (`ingest.links.addresses`: e-mail addresses, URLs, www. hosts and hosts written without a
        scheme, "evil.example/pay", "evil dot com"). A URL with a scheme must be on an allowed host; a
        host without one, or an e-mail address, in the city's domains."""
        spans = [m.span() for m in _SCHEME.finditer(text) if m.group().lower().startswith(_UNSAFE_SCHEMES)]
        for found in addresses(text):
            written = found.text
            if written.lower().startswith(("http://", "https://")):
                allowed = self.url_allowed(written)
            else:
                allowed = self.domain_allowed(found.host)
            if not allowed:
                spans.append((found.start, found.end))
        return spans

    def text_allowed(self, text: str) -> bool:
        """False when `text` holds a link or an email address outside the city, or a script/data URI."""
        return not self._bad_spans(text)

    def scrub(self, text: str) -> str:
        """`text` with every disallowed link or address replaced by a marker."""
        for start, end in sorted(self._bad_spans(text), reverse=True):
            text = text[:start] + REMOVED + text[end:]
        return text

    def _citation(self, citation: Citation) -> Citation:
        """The citation with a disallowed link blanked and disallowed links in its quote, title and
        section path removed: the quote is shown to residents as much as the answer is."""
        update: dict[str, object] = {}
        if citation.source_url and not self.url_allowed(citation.source_url):
            update["source_url"] = ""
        for field in ("quote", "title"):
            value = getattr(citation, field)
            if value and not self.text_allowed(value):
                update[field] = self.scrub(value)
        if not all(self.text_allowed(part) for part in citation.section_path):
            update["section_path"] = tuple(self.scrub(part) for part in citation.section_path)
        return citation.model_copy(update=update) if update else citation

    def check(self, reply: Reply) -> Reply:
        """The reply with disallowed citation links blanked and disallowed links in its text and its
        citations' quotes removed."""
        citations = tuple(self._citation(c) for c in reply.citations)
        if self.text_allowed(reply.text) and all(self.text_allowed(s.text) for s in reply.sentences):
            return replace(reply, citations=citations)
        return replace(
            reply,
            text=self.scrub(reply.text),
            sentences=tuple(replace(s, text=self.scrub(s.text)) for s in reply.sentences),
            citations=citations,
        )


def join_sentences(sentences: Iterable[AnswerSentence]) -> str:
    """The text of an answer: sentences joined by spaces; a list item, and whatever follows a list,
    starts a line of its own."""
    out = ""
    previous_item = False
    for s in sentences:
        if out:
            out += "\n" if s.list_item or previous_item else " "
        out += s.text
        previous_item = s.list_item
    return out
