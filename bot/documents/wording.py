"""How the console words what the ingest pipeline reports: the form's labels instead of field names, sizes in
MB instead of bytes, and what an editor does about a held document on its page (never "edit the sidecar",
which is the command line's way)."""

from __future__ import annotations

import re

from ingest.metadata import METADATA_CHECK
from knowledge_base.review import Finding

# a field by its name in the pipeline, the API or a validation error → its label on the console's forms
LABELS = {
    "source_uri": "Source URL",
    "source_url": "Source URL",
    "department": "Department",
    "contact": "Contact",
    "document_id": "Document id",
    "title": "Title",
    "effective_date": "Effective date",
    "review_by": "Review by",
    "language": "Language",
    "files": "Files",
    "url_list": "URL list",
    "accept_missing_metadata": "Publish even without a source URL, department or contact",
}
_IN_A_SENTENCE = {"source_uri": "source URL", "department": "department", "contact": "contact"}
ACCEPT_BOX = "Publish even without a source URL, department or contact"
MB = 1024 * 1024


def label(field: str) -> str:
    return LABELS.get(field, field.replace("_", " ").capitalize())


def megabytes(size: int) -> str:
    """`104857600` → `100 MB`; `1572864` → `1.5 MB`; under 1 MB in KB (`4096` → `4 KB`)."""
    if size < MB:
        return f"{max(1, round(size / 1024))} KB"
    value = size / MB
    shown = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
    return f"{shown} MB"


def missing_text(fields: str) -> str:
    """A held document's missing metadata, as the console says it."""
    named = [_IN_A_SENTENCE.get(f.strip(), f.strip()) for f in fields.split(",") if f.strip()]
    listed = ", ".join(named[:-1]) + f" or {named[-1]}" if len(named) > 1 else "".join(named)
    them = "them" if len(named) != 1 else "it"
    return (
        f"no {listed or 'metadata residents need'} (add {them} on the document's page, or tick "
        f"“{ACCEPT_BOX}” there and save)"
    )


def finding_text(finding: Finding, snippet: bool = True) -> str:
    """One finding that holds a document, for the console (the pipeline's words for the others, with the
    text it found unless `snippet` is false)."""
    if finding.check == METADATA_CHECK:
        return missing_text(finding.snippet)
    return f"{finding.reason} ({finding.snippet})" if snippet and finding.snippet else finding.reason


_OVER = re.compile(r"([\d,]+) bytes is over the ([\d,]+)-byte limit")
_LIMIT = re.compile(r"over the ([\d,]+)-byte limit")


def _size(match: str) -> str:
    return megabytes(int(match.replace(",", "")))


# a Python exception's class name in brackets, which the parsers add for the command line's users
# ("not a readable PDF (PdfStreamError)"): an internal, never shown to staff
_EXCEPTION = re.compile(r"\s*\((?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)\)")
_CLASS_NAME = re.compile(r"(?:[A-Z][a-z0-9]+){2,}\w*|\w*(?:Error|Exception|Warning)")
# what a parser says of a damaged file, once the exception's name is gone
_DAMAGED = re.compile(
    r"\b(?:not a readable (?P<kind>[A-Za-z]+)(?: file)?|damaged or not a valid \.?(?P<ext>[A-Za-z]+) file)\b"
)


def _without_exception_names(reason: str) -> str:
    return _EXCEPTION.sub(lambda m: "" if _CLASS_NAME.fullmatch(m[1]) else m[0], reason)


def _damaged(match: re.Match[str]) -> str:
    kind = (match["kind"] or match["ext"]).upper()
    return (
        f"not a readable {kind} file: it is damaged, or not really a {kind}. Open it, save or export it "
        f"again as {kind}, and upload that copy"
    )


def file_reason(reason: str) -> str:
    """A file's failure from the pipeline as staff read it: sizes in MB (`62,914,917 bytes is over the
    26,214,400-byte limit` → `60 MB is over the 25 MB limit`), no exception names (`not a readable PDF
    (PdfStreamError)` → `not a readable PDF file: it is damaged, or not really a PDF. …`)."""
    reason = _OVER.sub(lambda m: f"{_size(m[1])} is over the {_size(m[2])} limit", reason)
    reason = _LIMIT.sub(lambda m: f"over the {_size(m[1])} limit", reason)
    return _DAMAGED.sub(_damaged, _without_exception_names(reason))
