"""Document metadata from a sidecar file: `policy.pdf` is described by `policy.pdf.meta.json`.

One mechanism for every format (docs/ingest.md, "Metadata sidecars"). Fields: id, title, department,
contact, effective_date (YYYY-MM-DD), language, domain, source_uri (an http(s) address: see
`ingest.links`). A JSONL line may carry its own id, url and domain.

Residents need three of them (`REQUIRED`): the public address a citation links to, and the department
and contact a handoff names. A document without them is flagged at ingest (`missing_metadata`) and, from
`askcity ingest`, held for review until an editor confirms it or adds them.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.errors import MetadataError
from ingest.links import checked_source_uri
from knowledge_base.records import Document
from knowledge_base.review import Finding

SIDECAR_SUFFIX = ".meta.json"
MAX_SIDECAR_BYTES = 1024 * 1024
REQUIRED = ("source_uri", "department", "contact")
METADATA_CHECK = "metadata"


class Sidecar(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(default=None, min_length=1, max_length=200)
    title: str | None = None
    department: str = ""
    contact: str = ""
    effective_date: date | None = None
    language: str = Field(default="en", min_length=2, max_length=16)
    domain: str = ""
    source_uri: str = ""


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> Sidecar:
    meta = sidecar_path(path)
    if not meta.is_file():
        return Sidecar()
    if meta.stat().st_size > MAX_SIDECAR_BYTES:
        raise MetadataError(f"invalid {meta.name}: larger than {MAX_SIDECAR_BYTES:,} bytes")
    try:
        sidecar = Sidecar.model_validate(json.loads(meta.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise MetadataError(f"invalid {meta.name}: {first}") from exc
    if sidecar.source_uri:
        try:
            checked_source_uri(sidecar.source_uri)
        except MetadataError as exc:
            raise MetadataError(f"invalid {meta.name}: {exc}") from exc
    return sidecar


def default_id(path: Path, root: Path) -> str:
    """A stable id from the path below the ingest root: `housing/rent-aid.pdf` → `housing-rent-aid`."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    stem = str(relative.with_suffix(""))
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "document"


def missing_metadata(document: Document) -> tuple[str, ...]:
    """The `REQUIRED` fields the document lacks (a `file:` source is the local path: no public address)."""
    missing = []
    if not document.source_uri.lower().startswith(("http://", "https://")):
        missing.append("source_uri")
    if not document.department:
        missing.append("department")
    if not document.contact:
        missing.append("contact")
    return tuple(missing)


def metadata_finding(missing: tuple[str, ...]) -> Finding:
    """What the editor confirms when publishing a document without these fields."""
    return Finding.of(
        METADATA_CHECK,
        f"missing metadata (add them to its {SIDECAR_SUFFIX} sidecar, or confirm it is published without)",
        ", ".join(missing),
    )
