"""Zip containers (DOCX) are measured before anything is unpacked: a zip bomb is refused by its directory.

Python's zipfile never inflates a member past the size its directory declares (it stops and reports a
bad CRC), so the declared sizes checked here bound what a parser can unpack.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from ingest.errors import CorruptFileError, OversizedFileError

MAX_PARTS = 10_000
RATIO_FLOOR_BYTES = 1 << 20  # a small part may compress very well; the ratio limit starts above this


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_unpacked_bytes: int = 100 * 1024 * 1024
    max_ratio: float = 100.0  # Apache POI's ZipSecureFile default (a minimum inflate ratio of 0.01)


def check_archive(data: bytes, limits: ArchiveLimits, kind: str = "DOCX") -> None:
    """OversizedFileError when unpacking would exceed the limits; CorruptFileError when it is no zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise CorruptFileError(f"not a readable {kind} file ({type(exc).__name__})") from exc
    if len(parts) > MAX_PARTS:
        raise OversizedFileError(f"the {kind} has {len(parts):,} parts, over the {MAX_PARTS:,}-part limit")
    total = sum(p.file_size for p in parts)
    if total > limits.max_unpacked_bytes:
        raise OversizedFileError(
            f"unpacks to {total:,} bytes, over the {limits.max_unpacked_bytes:,}-byte limit (a zip bomb?)"
        )
    for part in parts:
        if part.file_size > RATIO_FLOOR_BYTES and part.file_size > limits.max_ratio * max(
            part.compress_size, 1
        ):
            ratio = part.file_size / max(part.compress_size, 1)
            raise OversizedFileError(
                f"{part.filename[:60]} unpacks {ratio:,.0f} times its packed size, over the "
                f"{limits.max_ratio:g}x limit (a zip bomb?)"
            )
