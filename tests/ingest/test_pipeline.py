"""The ingest pipeline end to end: files → documents → chunks → knowledge base → one published version.

Bad files are listed in the summary with a readable reason while the rest of the batch is ingested, and
the version that was being served keeps loading and answering. Re-ingesting is incremental.
"""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.pipeline import Ingestor, IngestSummary, ParseLimits, Step
from knowledge_base.kb import KnowledgeBase
from knowledge_base.snapshot import Snapshot
from tests.conftest import CountingEmbedder
from tests.ingest.conftest import copy_samples, encrypted_pdf, write_document
from tests.ingest.hostile import cp1252_garbage, jsonl, utf16_without_bom, zip_bomb_docx
from tests.ingest.samples import DOCUMENTS

LICENCE = (
    "# Dog Licences\n\nEvery dog older than three months must wear a city dog licence tag.\n\n"
    "## Fees\n\nA dog licence costs $30 a year, or $15 for a spayed or neutered dog.\n"
)
BENCHES = (
    "# Memorial Benches\n\nFamilies can dedicate a memorial bench in a city park with a bronze plaque.\n\n"
    "## Cost\n\nA memorial bench costs $2,400 including installation and ten years of care.\n"
)


def answers(kb: KnowledgeBase, question: str) -> str:
    """The document id of the best chunk the served version gives for a question."""
    return kb.retriever().retrieve(question, k=1)[0].document_id


@pytest.fixture
def served(make_kb, tmp_path: Path) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    """A knowledge base serving one published version with one document (`dog-licences`)."""
    kb: KnowledgeBase = make_kb()
    write_document(tmp_path / "first", "dog-licences.md", LICENCE)
    summary = Ingestor(kb).ingest([tmp_path / "first"])
    assert summary.added == ["dog-licences"] and summary.published is not None
    return kb


def one_pdf_bytes() -> bytes:
    return next(DOCUMENTS.glob("*.pdf")).read_bytes()


def docx_with(replace: dict[str, bytes]) -> bytes:
    """A sample DOCX with some of its parts replaced (b"" removes the part)."""
    source = zipfile.ZipFile(next(DOCUMENTS.glob("*.docx")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = replace.get(name, source.read(name))
            if data:
                target.writestr(name, data)
    return out.getvalue()


def docx_with_damaged_compression() -> bytes:
    """A sample DOCX whose main part's deflate stream is overwritten (the zip directory stays valid)."""
    data = bytearray(next(DOCUMENTS.glob("*.docx")).read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
    header = info.header_offset
    start = header + 30 + int.from_bytes(data[header + 26 : header + 28], "little")
    start += int.from_bytes(data[header + 28 : header + 30], "little")
    data[start : start + info.compress_size] = b"\xff" * info.compress_size
    return bytes(data)


# ---- bad input: table of cases ------------------------------------------------------------------------
@dataclass(frozen=True)
class BadCase:
    make: Callable[[Path], None]  # writes the bad file(s) into the batch folder
    source: str  # the file named in the failure
    reason: str  # a regular expression the reason must match
    max_file_bytes: int = ParseLimits().max_file_bytes
    max_document_chars: int = ParseLimits().max_document_chars
    also_added: tuple[str, ...] = ()  # good documents the bad file itself holds (JSONL)


def _bytes(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(data) and None


def _with_sidecar(sidecar: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        write_document(folder, "fees.md", "# Fees\n\nThe fee is $10.\n")
        (folder / "fees.md.meta.json").write_text(sidecar, encoding="utf-8")

    return make


def _jsonl_with_a_bad_line(folder: Path) -> None:
    lines = [
        json.dumps({"id": "bench-permits", "title": "Bench permits", "text": "A bench permit is free."}),
        '{"id": "broken", "text": "unterminated',
        json.dumps({"id": "kiosk-permits", "title": "Kiosk permits", "text": "A kiosk permit costs $90."}),
    ]
    (folder / "collection.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _jsonl_with_a_null_text(folder: Path) -> None:
    rows = (
        {"id": "bench-permits", "title": "Bench permits", "text": "A bench permit is free."},
        {"id": "nothing", "title": "Nothing", "text": None},
    )
    (folder / "collection.jsonl").write_bytes(jsonl(*rows))


def _jsonl_with_a_script_url(folder: Path) -> None:
    rows = (
        {"id": "bench-permits", "text": "A bench permit is free.", "url": "https://www.millbrook.example/b"},
        {"id": "trap", "text": "Click the link.", "url": "javascript:alert(document.domain)"},
    )
    (folder / "collection.jsonl").write_bytes(jsonl(*rows))


def _zip_bomb(folder: Path) -> None:
    zip_bomb_docx(folder / "bomb.docx", unpacked_mb=30)


def _duplicate_ids(folder: Path) -> None:
    write_document(folder, "z-copy.md", "# Benches\n\nAnother text.\n", id="memorial-benches")


def _duplicate_ids_in_jsonl(folder: Path) -> None:
    rows = [{"id": "same", "text": "First text."}, {"id": "same", "text": "Second text."}]
    (folder / "dups.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")


BAD_CASES = {
    "corrupt-pdf": BadCase(
        _bytes("corrupt.pdf", random.Random(7).randbytes(4096)), "corrupt.pdf", r"not a readable PDF"
    ),
    "truncated-pdf": BadCase(
        _bytes("truncated.pdf", one_pdf_bytes()[: len(one_pdf_bytes()) // 2]),
        "truncated.pdf",
        r"not a readable PDF",
    ),
    "encrypted-pdf": BadCase(
        _bytes("locked.pdf", encrypted_pdf("secret")), "locked.pdf", r"password-protected"
    ),
    "empty-txt": BadCase(_bytes("empty.txt", b""), "empty.txt", r"the file is empty"),
    "whitespace-md": BadCase(_bytes("blank.md", b"\n \n\t\n"), "blank.md", r"no text found"),
    "empty-html": BadCase(
        _bytes("empty.html", b"<html><body></body></html>"), "empty.html", r"no text found"
    ),
    "empty-pdf": BadCase(_bytes("empty.pdf", b""), "empty.pdf", r"not a readable PDF"),
    "empty-docx": BadCase(_bytes("empty.docx", b""), "empty.docx", r"not a readable DOCX"),
    "oversized": BadCase(
        _bytes("huge.txt", b"Big text. " * 2_000),
        "huge.txt",
        r"20,000 bytes is over the 5,000-byte limit",
        5_000,
    ),
    "text-over-the-document-limit": BadCase(
        _bytes("huge.md", ("# Huge\n\n" + "Benches are nice. " * 300).encode()),
        "huge.md",
        r"^its text is 5,\d{3} characters long; the limit is 2,000 .*split it into smaller documents$",
        max_document_chars=2000,
    ),
    "unsupported-extension": BadCase(
        _bytes("budget.xlsx", b"PK\x03\x04"), "budget.xlsx", r"unsupported file type \.xlsx"
    ),
    "no-extension": BadCase(_bytes("README", b"read me"), "README", r"unsupported file type \(none\)"),
    "corrupt-docx": BadCase(
        _bytes("corrupt.docx", random.Random(8).randbytes(4096)), "corrupt.docx", r"not a readable DOCX"
    ),
    "docx-without-document-part": BadCase(
        _bytes("hollow.docx", docx_with({"word/document.xml": b""})), "hollow.docx", r"not a readable DOCX"
    ),
    "docx-with-broken-xml": BadCase(
        _bytes("broken.docx", docx_with({"word/document.xml": b"<w:document><w:body"})),
        "broken.docx",
        r"damaged or not a valid \.docx file",
    ),
    "docx-with-damaged-compression": BadCase(
        _bytes("damaged.docx", docx_with_damaged_compression()),
        "damaged.docx",
        r"damaged or not a valid \.docx file",
    ),
    "pdf-with-an-unknown-stream-filter": BadCase(
        _bytes("filter.pdf", one_pdf_bytes().replace(b"/FlateDecode", b"/FlateDecodX")),
        "filter.pdf",
        r"damaged or not a valid \.pdf file",
    ),
    "binary-txt": BadCase(_bytes("binary.txt", b"abc\x00\x01\x02def"), "binary.txt", r"binary content"),
    "sidecar-not-json": BadCase(_with_sidecar("{not json"), "fees.md", r"invalid fees\.md\.meta\.json"),
    "sidecar-unknown-field": BadCase(
        _with_sidecar('{"titel": "Fees"}'), "fees.md", r"invalid fees\.md\.meta\.json: Extra inputs"
    ),
    "sidecar-bad-date": BadCase(
        _with_sidecar('{"effective_date": "2026-13-45"}'), "fees.md", r"invalid fees\.md\.meta\.json: .*date"
    ),
    "sidecar-not-an-object": BadCase(_with_sidecar("[1, 2]"), "fees.md", r"invalid fees\.md\.meta\.json"),
    "jsonl-malformed-line": BadCase(
        _jsonl_with_a_bad_line,
        "collection.jsonl",
        r"^line 2: not a document object",
        also_added=("bench-permits", "kiosk-permits"),
    ),
    "cp1252-garbage-md": BadCase(
        _bytes("notes.md", cp1252_garbage()), "notes.md", r"^not readable text: \d+% of its 20,000 characters"
    ),
    "utf16-without-bom": BadCase(
        _bytes("hours.txt", utf16_without_bom("Café hours: Monday to Friday.\n")),
        "hours.txt",
        r"UTF-16 without a byte-order mark",
    ),
    "jsonl-null-text": BadCase(
        _jsonl_with_a_null_text,
        "collection.jsonl",
        r"^line 2: document 'nothing' has text that is null, not a string$",
        also_added=("bench-permits",),
    ),
    "jsonl-script-url": BadCase(
        _jsonl_with_a_script_url,
        "collection.jsonl",
        r"^document 'trap': url must be an http\(s\) address, not javascript:$",
        also_added=("bench-permits",),
    ),
    "sidecar-script-uri": BadCase(
        _with_sidecar('{"source_uri": "javascript:alert(document.domain)"}'),
        "fees.md",
        r"^invalid fees\.md\.meta\.json: source_uri must be an http\(s\) address, not javascript:$",
    ),
    "sidecar-data-uri": BadCase(
        _with_sidecar('{"source_uri": "data:text/html;base64,PHNjcmlwdD4="}'),
        "fees.md",
        r"source_uri must be an http\(s\) address, not data:$",
    ),
    "sidecar-vbscript-uri": BadCase(
        _with_sidecar('{"source_uri": "VBScript:msgbox(1)"}'),
        "fees.md",
        r"source_uri must be an http\(s\) address, not vbscript:$",
    ),
    "sidecar-file-uri": BadCase(
        _with_sidecar('{"source_uri": "file:///etc/passwd"}'),
        "fees.md",
        r"source_uri must be an http\(s\) address, not file:$",
    ),
    "sidecar-relative-uri": BadCase(
        _with_sidecar('{"source_uri": "/services/fees"}'), "fees.md", r"not a relative address$"
    ),
    "sidecar-uri-with-credentials": BadCase(
        _with_sidecar('{"source_uri": "https://www.millbrook.example@evil.example/fees"}'),
        "fees.md",
        r"source_uri must not contain a user name or password$",
    ),
    "sidecar-uri-with-spaces": BadCase(
        _with_sidecar('{"source_uri": "https://www.millbrook.example/a b"}'),
        "fees.md",
        r"source_uri contains spaces or control characters$",
    ),
    "zip-bomb-docx": BadCase(
        _zip_bomb, "bomb.docx", r"^word/document\.xml unpacks \d+ times its packed size"
    ),
    "duplicate-id": BadCase(_duplicate_ids, "z-copy.md", r"duplicate document id 'memorial-benches'"),
    "duplicate-id-in-jsonl": BadCase(
        _duplicate_ids_in_jsonl, "dups.jsonl", r"duplicate document id 'same'", also_added=("same",)
    ),
}


def assert_readable(reason: str) -> None:
    assert reason.strip() == reason and reason
    assert "\n" not in reason and "Traceback" not in reason and len(reason) < 200


@pytest.mark.parametrize("case", BAD_CASES.values(), ids=BAD_CASES.keys())
def test_when_a_batch_has_a_bad_file_then_it_is_listed_and_the_rest_is_ingested_and_served(
    case: BadCase, served: KnowledgeBase, tmp_path: Path
) -> None:
    before = served.versions.current()
    batch = tmp_path / "batch"
    write_document(batch, "memorial-benches.md", BENCHES)
    case.make(batch)

    limits = ParseLimits(max_file_bytes=case.max_file_bytes, max_document_chars=case.max_document_chars)
    summary = Ingestor(served, limits=limits).ingest([batch])

    assert [Path(f.source).name for f in summary.failed] == [case.source]
    reason = summary.failed[0].reason
    assert re.search(case.reason, reason), reason
    assert_readable(reason)
    assert sorted(summary.added) == sorted(["memorial-benches", *case.also_added])
    assert summary.published is not None and summary.published.name != before
    assert served.versions.names() == [before, summary.published.name]
    previous = Snapshot.load(served.versions.versions_dir / str(before), served.embedder.name)
    assert [d.id for d in previous.documents] == ["dog-licences"]
    assert answers(served, "How much is a memorial bench?") == "memorial-benches"
    assert answers(served, "How much does a dog licence cost?") == "dog-licences"
    assert served.rollback().name == before, "the version served before the batch is intact"
    assert answers(served, "How much is a memorial bench?") == "dog-licences"


@pytest.mark.parametrize("name", ["corrupt-pdf", "encrypted-pdf", "empty-txt", "unsupported-extension"])
def test_when_a_batch_has_only_bad_files_then_nothing_is_published_and_the_old_version_answers(
    name: str, served: KnowledgeBase, tmp_path: Path
) -> None:
    before = served.versions.current()
    batch = tmp_path / "batch"
    batch.mkdir()
    BAD_CASES[name].make(batch)

    summary = Ingestor(served).ingest([batch])

    assert len(summary.failed) == 1 and not summary.changed
    assert summary.published is None
    assert served.versions.current() == before and served.versions.names() == [before]
    assert answers(served, "How much does a dog licence cost?") == "dog-licences"


def test_when_a_pdf_has_only_an_owner_password_then_it_is_read(make_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "permissions-only.pdf").write_bytes(encrypted_pdf("", owner_password="owner"))
    summary = Ingestor(make_kb()).ingest([tmp_path / "permissions-only.pdf"])
    assert summary.failed == [] and summary.added == ["permissions-only"]


def test_when_a_folder_has_hidden_files_and_sidecars_then_they_are_not_documents(
    make_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "docs"
    write_document(folder, "benches.md", BENCHES, department="Parks")
    write_document(folder / ".git", "notes.md", "# Notes\n\nHidden.\n")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    seen: list[Step] = []
    summary = Ingestor(make_kb()).ingest([folder], progress=seen.append)
    assert summary.added == ["benches"] and summary.failed == []
    assert [Path(s.item).name for s in seen if s.stage == "parse" and s.item] == ["benches.md"]


@pytest.mark.parametrize(
    ("relative", "expected_id", "expected_title"),
    [
        ("bench-permits.md", "bench-permits", "Memorial Benches"),
        ("parks/Bench Permits.txt", "parks-bench-permits", "Bench Permits"),
        ("parks/2026/bench_permits.txt", "parks-2026-bench-permits", "bench permits"),
    ],
)
def test_when_a_file_has_no_sidecar_then_its_id_comes_from_its_path_below_the_folder(
    relative: str, expected_id: str, expected_title: str, make_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    text = BENCHES if relative.endswith(".md") else "the bench fee is $2,400 for ten years of care.\n"
    write_document(tmp_path / "docs" / Path(relative).parent, Path(relative).name, text)
    kb: KnowledgeBase = make_kb()
    summary = Ingestor(kb).ingest([tmp_path / "docs"])
    assert summary.added == [expected_id]
    [document] = [d for d, _ in kb.store.active()]
    assert (document.id, document.title) == (expected_id, expected_title)
    assert document.source_uri == (tmp_path / "docs" / relative).resolve().as_uri()


def test_when_a_sidecar_is_given_then_its_metadata_reaches_the_served_hits(make_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    meta = {
        "id": "benches",
        "title": "Memorial benches in parks",
        "department": "Parks and Recreation",
        "contact": "Parks office, 555-0160",
        "effective_date": "2026-03-01",
        "domain": "parks",
        "source_uri": "https://www.millbrook.example/parks/benches",
    }
    write_document(tmp_path / "docs", "b.md", BENCHES, **meta)
    kb: KnowledgeBase = make_kb()
    Ingestor(kb).ingest([tmp_path / "docs"])
    hit = kb.retriever().retrieve("memorial bench cost", k=1)[0]
    assert (hit.document_id, hit.title, hit.department, hit.contact, hit.domain, hit.source_uri) == (
        meta["id"],
        meta["title"],
        meta["department"],
        meta["contact"],
        meta["domain"],
        meta["source_uri"],
    )
    assert str(hit.effective_date) == meta["effective_date"]


# ---- incremental ----------------------------------------------------------------------------------------
SAMPLE_NAMES = (
    "complaints-noise.md",
    "library-cards.txt",
    "business-licences.html",
    "waste-bulky-item-pickup.docx",
)


@pytest.fixture
def sample_folder(tmp_path: Path) -> Path:
    copy_samples(tmp_path / "docs", *SAMPLE_NAMES)
    return tmp_path / "docs"


def first_ingest(kb: KnowledgeBase, folder: Path) -> IngestSummary:
    summary = Ingestor(kb).ingest([folder])
    assert len(summary.added) == len(SAMPLE_NAMES) and summary.failed == []
    return summary


def test_when_the_same_folder_is_ingested_again_then_nothing_changes_and_nothing_is_embedded(
    make_kb, sample_folder: Path, embedder: CountingEmbedder
) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb()
    first = first_ingest(kb, sample_folder)
    versions, calls, texts = kb.versions.names(), embedder.calls, embedder.texts

    again = Ingestor(kb).ingest([sample_folder])

    assert sorted(again.unchanged) == sorted(first.added)
    assert (again.added, again.updated, again.failed, again.chunks, again.embedded) == ([], [], [], 0, 0)
    assert (embedder.calls, embedder.texts) == (calls, texts)
    assert again.published is None and kb.versions.names() == versions


def test_when_one_file_is_edited_then_only_that_document_is_updated_and_only_its_new_texts_embedded(
    make_kb, sample_folder: Path, embedder: CountingEmbedder, recorded_texts: list[str]
) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb()
    first_ingest(kb, sample_folder)
    old_chunks = {c.chunk.embed_text for _, chunks in kb.store.active() for c in chunks}
    edited = sample_folder / "complaints-noise.md"
    new_sentence = "Leaf blowers may only be used between 9:00 a.m. and 5:00 p.m. on weekdays."
    text = edited.read_text(encoding="utf-8")
    edited.write_text(
        text.replace("## Noise exemption permits", f"{new_sentence}\n\n## Noise exemption permits")
    )
    recorded_texts.clear()
    texts_before = embedder.texts

    summary = Ingestor(kb).ingest([sample_folder])

    assert (summary.updated, summary.added, summary.failed) == (["complaints-noise"], [], [])
    assert sorted(summary.unchanged) == sorted(n.split(".")[0] for n in SAMPLE_NAMES if "noise" not in n)
    assert summary.embedded == len(recorded_texts) == embedder.texts - texts_before
    assert new_sentence in recorded_texts, "the new sentence is embedded on its own"
    new_chunks = [c.chunk for d, chunks in kb.store.active() if d.id == "complaints-noise" for c in chunks]
    changed = [c for c in new_chunks if c.embed_text not in old_chunks]
    assert changed and all(c.section_path == ("What happens after you complain",) for c in changed)
    assert len(changed) < len(new_chunks)
    outside = [t for t in recorded_texts if not any(t == c.embed_text or t in c.text for c in changed)]
    assert outside == [], "only the edited section's chunks and sentences are embedded"
    assert summary.published is not None
    hit = kb.retriever().retrieve("When can I use a leaf blower?", k=1)[0]
    assert hit.document_id == "complaints-noise" and new_sentence in hit.text


def test_when_only_a_sidecar_changes_then_the_document_is_updated_without_embedding(
    make_kb, sample_folder: Path, embedder: CountingEmbedder
) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb()
    first_ingest(kb, sample_folder)
    sidecar = sample_folder / "library-cards.txt.meta.json"
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    sidecar.write_text(json.dumps({**meta, "department": "Millbrook Libraries"}), encoding="utf-8")
    texts = embedder.texts

    summary = Ingestor(kb).ingest([sample_folder])

    assert summary.updated == ["library-cards"] and summary.embedded == 0 and embedder.texts == texts
    assert summary.published is not None
    assert kb.retriever().retrieve("library card", k=1)[0].department == "Millbrook Libraries"


def test_when_a_file_is_added_then_only_it_is_added_and_embedded(
    make_kb, sample_folder: Path, recorded_texts: list[str]
) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb()
    first_ingest(kb, sample_folder)
    write_document(sample_folder, "memorial-benches.md", BENCHES)
    recorded_texts.clear()

    summary = Ingestor(kb).ingest([sample_folder])

    assert summary.added == ["memorial-benches"] and len(summary.unchanged) == len(SAMPLE_NAMES)
    assert recorded_texts and all(t in BENCHES or t.startswith("Memorial Benches") for t in recorded_texts)


def test_when_the_chunk_size_changes_then_every_document_is_chunked_again(make_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ingest.chunking import ChunkingConfig

    rules = "\n\n".join(f"Rule {i}: benches must be kept clear of snow and litter." for i in range(8))
    write_document(tmp_path / "docs", "benches.md", BENCHES)
    write_document(tmp_path / "docs", "rules.md", f"# Bench Rules\n\n{rules}\n")
    kb: KnowledgeBase = make_kb()
    first = Ingestor(kb).ingest([tmp_path / "docs"])

    summary = Ingestor(kb, ChunkingConfig(target_tokens=40)).ingest([tmp_path / "docs"])

    assert sorted(summary.updated) == sorted(first.added) == ["benches", "rules"]
    assert summary.chunks > first.chunks and summary.published is not None


def test_when_a_jsonl_collection_is_ingested_again_then_its_documents_are_unchanged(
    make_kb, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {
            "id": "ssa#1",
            "title": "Retirement",
            "text": "Retirement\n\nYou can retire at 62.",
            "url": "https://www.millbrook.example/a",
        },
        {
            "id": "ssa#2",
            "title": "Disability",
            "text": "Disability\n\nBenefits for disability.",
            "domain": "ssa",
        },
    ]
    (tmp_path / "docs.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    kb: KnowledgeBase = make_kb()
    first = Ingestor(kb).ingest([tmp_path / "docs.jsonl"])
    again = Ingestor(kb).ingest([tmp_path / "docs.jsonl"])
    assert first.added == ["ssa#1", "ssa#2"] and again.unchanged == ["ssa#1", "ssa#2"]
    stored = {d.id: d for d, _ in kb.store.active()}
    assert [stored[r["id"]].text for r in rows] == [r["text"] for r in rows]
    assert (stored["ssa#1"].source_uri, stored["ssa#2"].domain) == ("https://www.millbrook.example/a", "ssa")
    for document, chunks in kb.store.active():
        assert all(document.text[c.chunk.start : c.chunk.end] == c.chunk.text for c in chunks)


# ---- PostgreSQL -----------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_when_samples_are_ingested_on_postgresql_then_metadata_is_stored_and_published(
    make_kb, postgres_url: str, embedder: CountingEmbedder
) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb(postgres_url)
    assert kb.store.engine.dialect.name == "postgresql"
    files = [DOCUMENTS / n for n in ("tax-property-tax.pdf", "complaints-noise.md", "library-cards.txt")]

    summary = Ingestor(kb).ingest(files)

    assert sorted(summary.added) == ["complaints-noise", "library-cards", "tax-property-tax"]
    assert summary.published is not None and summary.published.documents == 3
    status = kb.status()
    assert [(d.id, d.version, d.retired) for d in status.documents] == [
        ("complaints-noise", 1, False),
        ("library-cards", 1, False),
        ("tax-property-tax", 1, False),
    ]
    assert sum(d.chunks for d in status.documents) == summary.chunks == summary.published.chunks
    [tax] = [d for d, _ in kb.store.active() if d.id == "tax-property-tax"]
    assert tax.department and tax.effective_date is not None and tax.headings
    assert answers(kb, "When is the second property tax instalment due?") == "tax-property-tax"
    calls = embedder.calls
    again = Ingestor(kb).ingest(files)
    assert sorted(again.unchanged) == sorted(summary.added) and again.published is None
    assert embedder.calls == calls


def test_a_page_saved_with_the_text_of_another_in_service_is_named_as_a_copy(
    served: KnowledgeBase, tmp_path: Path
) -> None:
    """The same page uploaded again under another file name is saved and served, but the summary names
    the document it copies: the two answer alike until one changes, then they disagree."""
    write_document(tmp_path / "again", "dog-licences-copy.md", LICENCE)
    write_document(tmp_path / "again", "memorial-benches.md", BENCHES)
    summary = Ingestor(served).ingest([tmp_path / "again"])
    assert sorted(summary.added) == ["dog-licences-copy", "memorial-benches"]
    assert summary.copies == {"dog-licences-copy": "dog-licences"}
    # re-ingesting the original itself is no copy of anything
    write_document(tmp_path / "first-again", "dog-licences.md", LICENCE + "\nRenew every year.\n")
    assert Ingestor(served).ingest([tmp_path / "first-again"]).copies == {}
