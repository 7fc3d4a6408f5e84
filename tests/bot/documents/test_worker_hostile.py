"""Malformed and hostile files in ONE upload with good ones, run by a real `askcity worker` (RQ, Redis,
PostgreSQL): each bad file fails with its own clear reason, the worker survives and stays within memory,
the good files are published and nothing else changes in what residents are served (issue 14).

The worker's peak resident memory (VmHWM) and the resident memory of its process tree (its parsers
included, sampled) are printed with the time from upload to done; docs/benchmarks.md quotes them.
The corpus comes from `tests/ingest/hostile.py` and the pipeline tests' builders.
"""

from __future__ import annotations

import io
import random
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.documents.models import FileOutcome, JobState
from knowledge_base.snapshot import served_documents
from tests.bot.documents.worker_harness import Site, TreeMemory, documents_site, peak_rss_mb, stop
from tests.ingest.conftest import encrypted_pdf
from tests.ingest.hostile import docx_of, zip_bomb_docx
from tests.ingest.samples import DOCUMENTS

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">%s]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"""


def _laughs_docx() -> bytes:
    """A DOCX whose main part is the billion laughs: nine levels of ten entities each (10^9 "lol")."""
    levels = "".join(
        f'<!ENTITY lol{n} "{(("&lol" + ("" if n == 1 else str(n - 1)) + ";") * 10)}">' for n in range(1, 10)
    ).encode()
    source = zipfile.ZipFile(next(DOCUMENTS.glob("*.docx")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = LAUGHS % levels if name == "word/document.xml" else source.read(name)
            target.writestr(name, data)
    return out.getvalue()


def _scanned_pdf() -> bytes:
    """A page with a picture of text and no text layer (what a scanner without OCR makes)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(image).text((20, 80), "Parking permits cost $60 a year.", fill="black")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    return bytes(pdf.output())


def _good_docx() -> bytes:
    def build(document: object) -> None:
        document.add_heading("Allotment gardens", level=1)  # type: ignore[attr-defined]
        document.add_paragraph(  # type: ignore[attr-defined]
            "Residents may rent an allotment garden for 40 dollars a season from the Parks Department."
        )

    return docx_of(build)


def _hostile(tmp: Path) -> dict[str, tuple[bytes, str]]:
    """File name -> (content, the reason the job must give for it, as a pattern)."""
    pdf = next(DOCUMENTS.glob("*.pdf")).read_bytes()
    docx = next(DOCUMENTS.glob("*.docx")).read_bytes()
    bomb = zip_bomb_docx(tmp / "bomb.docx", unpacked_mb=200).read_bytes()
    return {
        "corrupt.pdf": (random.Random(7).randbytes(8192), r"not a readable PDF"),
        "truncated.pdf": (pdf[: len(pdf) // 2], r"not a readable PDF"),
        "corrupt.docx": (random.Random(8).randbytes(8192), r"not a readable DOCX"),
        "truncated.docx": (docx[: len(docx) // 2], r"not a readable DOCX"),
        "bomb.docx": (bomb, r"over the [\d,.]+ MB limit \(a zip bomb\?\)"),
        "laughs.docx": (_laughs_docx(), r"not a readable DOCX file: it is damaged"),
        "huge.txt": (b"Permit fees apply. " * (50 * 1024 * 1024 // 19 + 1), r"over the [\d,.]+ MB limit"),
        "photo.pdf": (b"\x89PNG\r\n\x1a\n" + random.Random(9).randbytes(4096), r"not a readable PDF"),
        "pdf-named.docx": (pdf, r"not a readable DOCX"),
        "budget.exe": (b"MZ\x90\x00" + bytes(1000), r"\.exe file type: upload PDF, DOCX"),
        "locked.pdf": (encrypted_pdf("secret"), r"password-protected"),
        "scanned.pdf": (_scanned_pdf(), r"no text found"),
        "empty.txt": (b"", r"the file is empty"),
    }


GOOD = {
    "beekeeping.md": b"# Backyard beekeeping\n\nResidents may keep two beehives in a backyard.\n\n"
    b"## How to register\n\nRegister each hive with the Parks Department before May. It is free.\n",
    "allotments.docx": _good_docx(),
}


@pytest.fixture
def site(
    sample_kb_dir: Path, tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Site]:
    with documents_site(sample_kb_dir, tmp_path / "site", postgres_url, redis_url, redis_prefix) as s:
        yield s


def test_one_upload_of_hostile_and_good_files_fails_each_bad_file_with_its_reason_and_publishes_the_good(
    site: Site, tmp_path: Path
) -> None:
    hostile = _hostile(tmp_path)
    served_before = served_documents(site.kb.versions.current_path())
    worker = site.worker("hostile")
    memory = TreeMemory(worker)
    try:
        # a first job, so the measurement starts with the worker's model loaded
        # (its own text: the same text as beekeeping.md would have it named as a copy)
        site.wait(site.upload({"warm.md": b"# Warm-up\n\nThe worker loads its model for this page.\n"}).id)
        rss_idle = peak_rss_mb(worker)
        started = time.monotonic()
        job = site.upload({**GOOD, **{name: content for name, (content, _) in hostile.items()}})
        while not (current := site.store.get(job.id)) or not current.finished:
            memory.sample()
            assert worker.poll() is None, "the worker crashed"
            time.sleep(0.1)
        seconds = time.monotonic() - started
        assert worker.poll() is None, "the worker crashed"
        rss_peak = peak_rss_mb(worker)
    finally:
        stop(worker)
    print(
        f"hostile upload: {seconds:.1f} s to done; worker VmHWM {rss_idle:.0f} MiB before, "
        f"{rss_peak:.0f} MiB after; process tree peak (sampled) {memory.peak_tree_mb:.0f} MiB"
    )
    outcome = {f.filename: (f.outcome, f.reason) for f in current.files}
    assert current.state == JobState.DONE and current.published_version is not None, current
    for name in GOOD:
        assert outcome[name] == (FileOutcome.ADDED, ""), (name, outcome[name])
    for name, (_, reason) in hostile.items():
        got, why = outcome[name]
        assert got == FileOutcome.FAILED and re.search(reason, why, re.I), (name, got, why)
        assert "Traceback" not in why and len(why) < 400, why
        assert not re.search(r"\(\w*(Error|Exception|ZipFile)\)", why), f"an exception's name: {why}"
    served = served_documents(site.kb.versions.current_path())
    assert set(served) - set(served_before) == {"warm", "beekeeping", "allotments"}
    assert rss_peak < 2048, "the worker stayed well inside a small machine's memory"
