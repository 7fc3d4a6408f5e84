"""Editorial review: documents the ingest checks flagged are saved but held until an editor confirms them.

A held document stays in the working set and is left out of every published version. `askcity kb confirm
ID` confirms what the editor saw: the document's content hash together with the fingerprints of what was
found. A changed document, or the same document with something new found in it, is held again.

    "ok"         nothing was found: published with the next version
    "held"       something was found: not published until confirmed or fixed
    "confirmed"  something was found and an editor confirmed this content: published
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Review = Literal["ok", "held", "confirmed"]
SNIPPET_CHARS = 160


def shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    """One line of at most `limit` characters: whitespace runs collapsed, an ellipsis where cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Finding:
    """Something an ingest check found in a document: which check, why, and where."""

    check: str  # "instructions", "data-request", "hidden-text", "source-link"
    reason: str  # one line for the editor
    snippet: str  # the offending text, shortened to one line
    fingerprint: str  # SHA-256 of the whole offending text: a longer passage that changes changes it

    @classmethod
    def of(cls, check: str, reason: str, text: str) -> Finding:
        digest = hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()
        return cls(check, reason, shorten(text), digest)

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "reason": self.reason, "snippet": self.snippet, "fp": self.fingerprint}

    @classmethod
    def from_json(cls, raw: object) -> Finding:
        data = raw if isinstance(raw, dict) else {}
        return cls(*(str(data.get(k, "")) for k in ("check", "reason", "snippet", "fp")))


def findings_key(findings: Iterable[Finding]) -> str:
    """Identifies what was found, independent of order and of how the reasons are worded."""
    pairs = sorted({(f.check, f.fingerprint) for f in findings})
    return hashlib.sha256(json.dumps(pairs).encode("utf-8")).hexdigest()


def review_key(content_hash: str, findings: Sequence[Finding]) -> str:
    """What a confirmation is for: this content with these findings."""
    return hashlib.sha256(f"{content_hash}:{findings_key(findings)}".encode()).hexdigest()


def review_state(content_hash: str, findings: Sequence[Finding], confirmed_key: str) -> Review:
    if not findings:
        return "ok"
    return "confirmed" if confirmed_key == review_key(content_hash, findings) else "held"
