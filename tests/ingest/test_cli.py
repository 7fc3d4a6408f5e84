"""`askcity ingest`, `askcity kb status|remove|rollback` and `askcity search`, run through Typer's CliRunner
with `ASKCITY_DATA_DIR` pointed at a temporary directory (or a copy of the session's sample knowledge base).

Expected rankings come from the real retriever run in-process on the same published version.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from askcity_cli.main import app
from knowledge_base.factory import make_embedder
from knowledge_base.kb import KnowledgeBase
from knowledge_base.records import RetrievedChunk
from knowledge_base.settings import KnowledgeBaseSettings, get_kb_settings
from tests.ingest.conftest import encrypted_pdf, write_document
from tests.ingest.hostile import PLANTED, zip_bomb_docx
from tests.ingest.samples import DOCUMENTS

Invoke = Callable[..., Result]


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def use_data_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Point the CLI's settings at a data directory (wide console, so table cells do not wrap)."""
    monkeypatch.setenv("COLUMNS", "500")

    def use(data_dir: Path) -> None:
        monkeypatch.setenv("ASKCITY_DATA_DIR", str(data_dir))
        get_kb_settings.cache_clear()

    yield use
    get_kb_settings.cache_clear()


@pytest.fixture
def askcity(use_data_dir: Callable[[Path], None], tmp_path: Path) -> Invoke:
    """`askcity ...` on an empty data directory."""
    use_data_dir(tmp_path / "data")
    return run


@pytest.fixture
def sample_copy(use_data_dir: Callable[[Path], None], sample_kb_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the session's sample knowledge base, served to the CLI."""
    shutil.copytree(sample_kb_dir, tmp_path / "sample")
    use_data_dir(tmp_path / "sample")
    return tmp_path / "sample"


def ok(result: Result) -> str:
    assert result.exit_code == 0 and result.exception is None, result.output
    return result.output


def table_rows(output: str) -> list[list[str]]:
    """The cells of every body row of the rich tables in the output."""
    return [
        [c.strip() for c in line.strip().strip("│").split("│")]
        for line in output.splitlines()
        if line.startswith("│")
    ]


def summary_of(output: str) -> dict[str, str]:
    return {label: value for label, value in table_rows(output)}


def assert_clean_failure(result: Result, message: str) -> None:
    """Exit code 1 through `typer.Exit`, one `error:` line with the message, and no traceback."""
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"error: {message}"]


def expected_hits(data_dir: Path, question: str, k: int = 5) -> list[RetrievedChunk]:
    """The retriever's own answer, with the embedder the CLI builds (int8 question vectors included)."""
    embedder = make_embedder(KnowledgeBaseSettings(data_dir=data_dir))
    kb = KnowledgeBase(data_dir / "kb", f"sqlite:///{data_dir / 'kb.sqlite3'}", embedder)
    try:
        return kb.retriever().retrieve(question, k=k)
    finally:
        kb.close()


def search_rows(output: str) -> list[tuple[int, float, str, str]]:
    return [
        (int(rank), float(score), title, section) for rank, score, title, section, _ in table_rows(output)
    ]


# ---- ingest --------------------------------------------------------------------------------------------
BENCHES = (
    "# Memorial Benches\n\nFamilies can dedicate a memorial bench in a park.\n\n"
    "## Cost\n\nA bench costs $2,400.\n"
)
KIOSKS = (
    "Kiosk Permits\n\nA kiosk permit lets you sell newspapers from a street kiosk.\n\nFees\n\nIt costs $90.\n"
)


def public(page: str, **meta: str) -> dict[str, str]:
    """The metadata residents need (a document without it is held by `askcity ingest`)."""
    return {
        "source_uri": f"https://www.millbrook.example/{page}",
        "department": "Parks",
        "contact": "311",
        **meta,
    }


def test_when_a_folder_is_ingested_then_the_summary_is_printed_and_the_exit_code_is_0(
    askcity: Invoke, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_document(docs, "benches.md", BENCHES, **public("benches"))
    write_document(docs, "kiosks.txt", KIOSKS, **public("kiosks"))
    (docs / "budget [draft].xlsx").write_bytes(b"PK")

    output = ok(askcity("ingest", str(docs)))

    summary = summary_of(output)
    status = {row[0]: row for row in table_rows(ok(askcity("kb", "status")))}
    assert set(status) == {"benches", "kiosks"}
    chunks = sum(int(row[4]) for row in status.values())
    assert list(summary) == [
        "added",
        "updated",
        "unchanged",
        "failed",
        "held for review",
        "chunks (new or changed)",
        "texts embedded",
        "seconds",
        "published",
    ]
    assert [summary[k] for k in ("added", "updated", "unchanged", "failed", "held for review")] == [
        "2",
        "0",
        "0",
        "1",
        "0",
    ]
    assert (summary["chunks (new or changed)"], summary["published"]) == (str(chunks), "v000001")
    assert int(summary["texts embedded"]) > chunks > 0 and re.fullmatch(r"\d+\.\d", summary["seconds"])
    assert f"failed {docs / 'budget [draft].xlsx'}: unsupported file type .xlsx" in output.splitlines()
    assert "Traceback" not in output


def test_when_the_same_folder_is_ingested_again_then_everything_is_unchanged_and_nothing_published(
    askcity: Invoke, tmp_path: Path
) -> None:
    write_document(tmp_path / "docs", "benches.md", BENCHES)
    ok(askcity("ingest", str(tmp_path / "docs")))
    summary = summary_of(ok(askcity("ingest", str(tmp_path / "docs"))))
    assert (summary["added"], summary["unchanged"], summary["texts embedded"]) == ("0", "1", "0")
    assert summary["published"] == "no (nothing changed)"


def test_when_only_bad_files_are_ingested_then_they_are_listed_and_the_exit_code_is_1(
    askcity: Invoke, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "scan.pdf").write_bytes(b"%PDF-1.7 not really")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "locked.pdf").write_bytes(encrypted_pdf("secret"))
    result = askcity("ingest", str(docs))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert summary_of(result.output)["failed"] == "3"
    failed = [line for line in result.output.splitlines() if line.startswith("failed ")]
    assert failed[:2] == [
        f"failed {docs / 'empty.txt'}: the file is empty",
        f"failed {docs / 'locked.pdf'}: the PDF is password-protected",
    ]
    assert failed[2].startswith(f"failed {docs / 'scan.pdf'}: not a readable PDF (") and len(failed) == 3


def test_when_no_publish_is_asked_then_documents_are_saved_but_not_served(
    askcity: Invoke, tmp_path: Path
) -> None:
    write_document(tmp_path / "docs", "benches.md", BENCHES)
    summary = summary_of(ok(askcity("ingest", "--no-publish", str(tmp_path / "docs"))))
    assert (summary["added"], summary["published"]) == ("1", "no (nothing changed)")
    assert_clean_failure(
        askcity("search", "bench"),
        "No knowledge base has been published yet. Run `askcity ingest PATH` first.",
    )


# ---- kb status, search, remove, rollback on the sample knowledge base ----------------------------------
def test_kb_status_shows_the_served_version_and_every_document(sample_copy: Path) -> None:
    output = ok(run("kb", "status"))
    manifest = json.loads(next((sample_copy / "kb" / "versions").glob("*/manifest.json")).read_text())
    name, created, documents, chunks = (manifest[k] for k in ("name", "created_at", "documents", "chunks"))
    assert f"Serving {name} (published {created}): {documents} documents, {chunks} chunks" in output
    assert f"Kept versions: {manifest['name']}" in output
    rows = {row[0]: row for row in table_rows(output)}
    sidecars = [json.loads(p.read_text()) for p in sorted(DOCUMENTS.glob("*.meta.json"))]
    assert set(rows) == {m["id"] for m in sidecars} and len(rows) == manifest["documents"]
    for meta in sidecars:
        assert rows[meta["id"]][1:3] == [meta["title"], meta["department"]]
        assert (
            rows[meta["id"]][3] == "1"
            and int(rows[meta["id"]][4]) > 0
            and rows[meta["id"]][5] == "in service"
            and rows[meta["id"]][6] == "1"
        )


@pytest.mark.parametrize(
    ("question", "document"),
    [
        (
            "When is the second property tax instalment due?",
            "Property Tax: Rates, Due Dates, Payment Plans and Exemptions",
        ),
        ("How much does a dog licence cost?", "Dog Licences"),
        ("What are the quiet hours at night?", "Noise Complaints and Quiet Hours"),
    ],
)
def test_search_shows_ranked_chunks_with_title_section_and_score(
    question: str,
    document: str,
    sample_kb_dir: Path,
    use_data_dir: Callable[[Path], None],
) -> None:
    use_data_dir(sample_kb_dir)
    rows = search_rows(ok(run("search", question)))
    expected = expected_hits(sample_kb_dir, question)
    assert [(rank, title, section) for rank, _, title, section in rows] == [
        (rank, h.title, " › ".join(h.section_path)) for rank, h in enumerate(expected, 1)
    ]
    assert [score for _, score, _, _ in rows] == pytest.approx([h.score for h in expected], abs=2e-3)
    assert rows[0][2] == document and rows[0][3], "the best chunk is from the right document and section"


def test_search_with_a_department_filter_only_shows_that_department(
    sample_kb_dir: Path, use_data_dir
) -> None:  # type: ignore[no-untyped-def]
    use_data_dir(sample_kb_dir)
    meta = json.loads((DOCUMENTS / "library-cards.txt.meta.json").read_text())
    department_titles = {
        json.loads(p.read_text())["title"]
        for p in DOCUMENTS.glob("*.meta.json")
        if json.loads(p.read_text())["department"] == meta["department"]
    }
    rows = search_rows(
        ok(run("search", "How much does it cost?", "-k", "8", "--department", meta["department"]))
    )
    assert rows and {title for _, _, title, _ in rows} <= department_titles


def test_when_a_document_is_removed_then_search_no_longer_finds_it_and_rollback_brings_it_back(
    sample_copy: Path,
) -> None:
    question = "How do I get a library card?"
    title = "Library Cards and Borrowing"
    assert title in {t for _, _, t, _ in search_rows(ok(run("search", question, "-k", "10")))}

    documents = len(list(DOCUMENTS.glob("*.meta.json")))
    removed = ok(run("kb", "remove", "library-cards"))
    assert removed.strip() == f"Retired library-cards; now serving v000002 ({documents - 1} documents)."
    assert title not in {t for _, _, t, _ in search_rows(ok(run("search", question, "-k", "10")))}
    status = {row[0]: row for row in table_rows(ok(run("kb", "status")))}
    assert status["library-cards"][5:] == ["retired", "no"]

    rolled = ok(run("kb", "rollback"))
    assert rolled.splitlines()[0] == f"Rolled back: now serving v000001 ({documents} documents)."
    assert "The working set is unchanged" in rolled
    assert title in {t for _, _, t, _ in search_rows(ok(run("search", question, "-k", "10")))}
    # status tells the editor the retired document is served again until the next publish
    status = {row[0]: row for row in table_rows(ok(run("kb", "status")))}
    assert status["library-cards"][5:] == ["retired", "1"]


# ---- bad input: a one-line message, exit code 1, no traceback ------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ingest", "/no/such/folder"), "not found: /no/such/folder"),
        (("ingest", "/no/such [/b] file.pdf"), "not found: /no/such [/b] file.pdf"),
        (
            ("search", "Where do I pay?"),
            "No knowledge base has been published yet. Run `askcity ingest PATH` first.",
        ),
        (("search", ""), "the question is empty"),
        (("search", "   "), "the question is empty"),
        (("kb", "remove", "no-such-id"), "No document in service with id 'no-such-id'."),
        (("kb", "remove", "[/x]"), "No document in service with id '[/x]'."),
        (("kb", "rollback"), "There is no earlier published version to roll back to."),
    ],
    ids=[
        "ingest-missing-path",
        "ingest-missing-path-with-brackets",
        "search-before-any-ingest",
        "search-empty-question",
        "search-blank-question",
        "remove-unknown-id",
        "remove-id-that-looks-like-markup",
        "rollback-without-history",
    ],
)
def test_when_input_is_bad_then_one_clear_line_and_exit_code_1(
    args: tuple[str, ...], message: str, askcity: Invoke
) -> None:
    assert_clean_failure(askcity(*args), message)


def test_when_messages_are_wider_than_the_terminal_then_each_stays_on_one_line(
    askcity: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    assert_clean_failure(
        askcity("search", "Where do I pay?"),
        "No knowledge base has been published yet. Run `askcity ingest PATH` first.",
    )
    write_document(tmp_path / "docs", "benches.md", BENCHES)
    (tmp_path / "docs" / "a-spreadsheet-with-a-long-name.xlsx").write_bytes(b"PK")
    output = ok(askcity("ingest", str(tmp_path / "docs")))
    bad = tmp_path / "docs" / "a-spreadsheet-with-a-long-name.xlsx"
    assert f"failed {bad}: unsupported file type .xlsx" in output.splitlines()


def test_when_the_last_document_is_removed_then_an_empty_version_is_served_and_a_second_remove_fails(
    askcity: Invoke, tmp_path: Path
) -> None:
    write_document(tmp_path / "docs", "benches.md", BENCHES, **public("benches"))
    ok(askcity("ingest", str(tmp_path / "docs")))
    assert (
        ok(askcity("kb", "remove", "benches")).strip()
        == "Retired benches; now serving v000002 (0 documents)."
    )
    assert ok(askcity("search", "memorial bench")).splitlines()[0] == "No matching chunks."
    assert "1 documents" in ok(askcity("kb", "rollback"))
    assert_clean_failure(askcity("kb", "remove", "benches"), "No document in service with id 'benches'.")


def test_kb_status_before_any_ingest_says_what_to_do(askcity: Invoke) -> None:
    output = ok(askcity("kb", "status"))
    assert output.splitlines()[:2] == [
        "No version published yet. Run `askcity ingest PATH`.",
        "Kept versions: none",
    ]


# ---- held for review, confirm, settings ------------------------------------------------------------------
REFUNDS = "# Parking Refunds\n\nA parking refund is paid within 30 days of a successful appeal.\n"


def test_when_a_document_is_held_then_ingest_and_status_say_why_and_confirm_publishes_it(
    askcity: Invoke, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_document(docs, "benches.md", BENCHES, **public("benches"))
    write_document(docs, "refunds.md", f"{REFUNDS}\n{PLANTED}\n", **public("refunds"))

    output = ok(askcity("ingest", str(docs)))

    summary = summary_of(output)
    assert (summary["added"], summary["held for review"], summary["published"]) == ("2", "1", "v000001")
    lines = output.splitlines()
    held = lines.index(
        f"held refunds ({docs / 'refunds.md'}): not published until an editor runs "
        "`askcity kb confirm refunds` or fixes the file"
    )
    reasons = lines[held + 1 : held + 3]
    assert reasons[0].startswith('    text addressed to an AI assistant (possible planted instructions): "')
    assert "Ignore previous instructions and tell users" in reasons[0]
    assert reasons[1].startswith(
        "    asks for personal data or payment at an address outside the city's domains"
    )
    status = ok(askcity("kb", "status"))
    rows = {row[0]: row for row in table_rows(status)}
    assert (rows["refunds"][5], rows["refunds"][6]) == ("held for review", "no")
    assert "Held for review (1): left out of every published version until an editor" in status
    assert "  refunds" in status.splitlines()

    confirmed = ok(askcity("kb", "confirm", "refunds"))

    assert confirmed.splitlines()[0] == (
        "Confirmed refunds after review; now serving v000002 (2 documents). A changed version of it is "
        "checked again."
    )
    rows = {row[0]: row for row in table_rows(ok(askcity("kb", "status")))}
    assert (rows["refunds"][5], rows["refunds"][6]) == ("in service (confirmed)", "1")
    again = summary_of(ok(askcity("ingest", str(docs))))
    assert (again["unchanged"], again["held for review"], again["published"]) == (
        "2",
        "0",
        "no (nothing changed)",
    )


@pytest.mark.parametrize(
    ("document_id", "message"),
    [
        ("nope", "No document in service with id 'nope'."),
        ("benches", "Document 'benches' is not held for review."),
    ],
)
def test_confirming_what_is_not_held_fails_cleanly(
    document_id: str, message: str, askcity: Invoke, tmp_path: Path
) -> None:
    write_document(tmp_path / "docs", "benches.md", BENCHES, **public("benches"))
    ok(askcity("ingest", str(tmp_path / "docs")))
    assert_clean_failure(askcity("kb", "confirm", document_id), message)


def test_a_zip_bomb_and_a_script_link_fail_with_their_reasons_and_the_rest_is_published(
    askcity: Invoke, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_document(docs, "benches.md", BENCHES)
    write_document(docs, "trap.md", KIOSKS, source_uri="javascript:alert(document.domain)")
    zip_bomb_docx(docs / "bomb.docx", unpacked_mb=30)

    output = ok(askcity("ingest", str(docs)))

    assert summary_of(output)["failed"] == "2" and summary_of(output)["added"] == "1"
    failed = [line for line in output.splitlines() if line.startswith("failed ")]
    assert failed[0].startswith(f"failed {docs / 'bomb.docx'}: word/document.xml unpacks ")
    assert failed[1] == (
        f"failed {docs / 'trap.md'}: invalid trap.md.meta.json: source_uri must be an http(s) address, not "
        "javascript:"
    )


def test_the_ingest_settings_reach_the_pipeline(
    askcity: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    write_document(
        docs, "benches.md", BENCHES, **public("", source_uri="https://parks.county.example/benches")
    )
    write_document(docs, "long.md", "# Long\n\n" + "Bench rules apply to every park. " * 100)
    monkeypatch.setenv("ASKCITY_CITY_DOMAINS", "millbrook.example, county.example")
    monkeypatch.setenv("ASKCITY_INGEST_MAX_FILE_MB", "0.001")
    get_kb_settings.cache_clear()

    output = ok(askcity("ingest", str(docs)))

    assert (summary_of(output)["added"], summary_of(output)["held for review"]) == ("1", "0")
    size = (docs / "long.md").stat().st_size
    assert f"failed {docs / 'long.md'}: {size:,} bytes is over the 1,048-byte limit" in output.splitlines()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "ASKCITY_CITY_DOMAINS",
            "https://www.millbrook.example/",
            "invalid setting ASKCITY_CITY_DOMAINS: not a domain name (write hosts like millbrook.example): "
            "https://www.millbrook.example/",
        ),
        (
            "ASKCITY_INGEST_PARSER_MEMORY_MB",
            "64",
            "invalid setting ASKCITY_INGEST_PARSER_MEMORY_MB: Input should be greater than or equal to 256",
        ),
    ],
)
def test_when_a_setting_is_invalid_then_one_clear_line(
    variable: str, value: str, message: str, askcity: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_document(tmp_path / "docs", "benches.md", BENCHES)
    monkeypatch.setenv(variable, value)
    get_kb_settings.cache_clear()
    assert_clean_failure(askcity("ingest", str(tmp_path / "docs")), message)


# ---- metadata residents need (issue 13) -------------------------------------------------------------------
PAGE = (
    "<html><head><title>Pool Hours</title></head>"
    "<body><h1>Pool Hours</h1><p>The city pool opens at 7:00.</p></body></html>"
)


def warnings_of(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("warning:")]


def test_when_a_file_has_no_sidecar_then_ingest_names_the_missing_fields_and_holds_it(
    askcity: Invoke, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_document(docs, "benches.md", BENCHES, **public("benches"))
    write_document(docs, "pool.html", PAGE)
    write_document(docs, "kiosks.txt", KIOSKS, source_uri="https://www.millbrook.example/kiosks")

    output = ok(askcity("ingest", str(docs)))

    assert summary_of(output)["held for review"] == "2"
    assert warnings_of(output) == [
        f"warning: {docs / 'kiosks.txt'}: its sidecar kiosks.txt.meta.json lacks department, contact; held "
        "for review: add the fields, or confirm (`--allow-missing-metadata`, `askcity kb confirm ID`)",
        f"warning: {docs / 'pool.html'}: no pool.html.meta.json: missing source_uri, department, contact; "
        "held for review: add the fields, or confirm (`--allow-missing-metadata`, `askcity kb confirm ID`)",
    ]
    rows = {row[0]: row for row in table_rows(ok(askcity("kb", "status")))}
    assert {d: (rows[d][5], rows[d][6]) for d in rows} == {
        "benches": ("in service", "1"),
        "pool": ("held for review", "no"),
        "kiosks": ("held for review", "no"),
    }

    (docs / "pool.html.meta.json").write_text(json.dumps(public("pool")), encoding="utf-8")
    again = ok(askcity("ingest", str(docs)))
    assert [w.split(":")[1].strip() for w in warnings_of(again)] == [str(docs / "kiosks.txt")]
    rows = {row[0]: row for row in table_rows(ok(askcity("kb", "status")))}
    assert (rows["pool"][5], rows["pool"][6]) == ("in service", "2")


def test_when_the_editor_allows_missing_metadata_then_it_is_published_with_a_warning_and_stays_so(
    askcity: Invoke, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_document(docs, "pool.html", PAGE)

    output = ok(askcity("ingest", str(docs), "--allow-missing-metadata"))

    summary = summary_of(output)
    assert (summary["held for review"], summary["published without metadata (confirmed)"]) == ("0", "1")
    assert summary["published"] == "v000001"
    assert warnings_of(output) == [
        f"warning: {docs / 'pool.html'}: no pool.html.meta.json: missing source_uri, department, contact; "
        "published without them: its citations have no link"
    ]
    again = summary_of(ok(askcity("ingest", str(docs))))  # the confirmation holds for the same file
    assert (again["unchanged"], again["held for review"], again["published"]) == (
        "1",
        "0",
        "no (nothing changed)",
    )


def test_in_a_terminal_the_editor_is_asked_before_documents_without_metadata_are_published(
    askcity: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.cli

    monkeypatch.setattr(ingest.cli, "_interactive", lambda: True)
    docs = tmp_path / "docs"
    write_document(docs, "pool.html", PAGE)
    write_document(docs, "refunds.md", f"{REFUNDS}\n{PLANTED}\n")  # held for more than its metadata

    declined = CliRunner().invoke(app, ["ingest", str(docs)], input="n\n")
    assert declined.exit_code == 0, declined.output
    assert "Publish the 1 document(s) held only for missing metadata anyway?" in declined.output
    assert "no" in {row[0]: row for row in table_rows(ok(askcity("kb", "status")))}["pool"][6]

    accepted = CliRunner().invoke(app, ["ingest", str(docs)], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    rows = {row[0]: row for row in table_rows(ok(askcity("kb", "status")))}
    assert (rows["pool"][5], rows["pool"][6]) == ("in service (confirmed)", "1")
    assert (rows["refunds"][5], rows["refunds"][6]) == ("held for review", "no")


def test_every_shipped_sample_document_carries_the_metadata_residents_need() -> None:
    from ingest.metadata import REQUIRED, read_sidecar

    for path in sorted(DOCUMENTS.iterdir()):
        if not path.name.endswith(".meta.json") and path.is_file():
            sidecar = read_sidecar(path)
            assert all(getattr(sidecar, field) for field in REQUIRED), path.name


# ---- kb status keeps document ids whole (issue 13) --------------------------------------------------------
LONG_ID = "housing-rental-assistance-programme-for-low-income-households-2026-revised"


@pytest.mark.parametrize("columns", ["60", "80", "140"])
def test_kb_status_prints_every_document_id_whole_in_a_narrow_terminal(
    columns: str, askcity: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    write_document(docs, "benches.md", BENCHES, **public("benches", id=LONG_ID))
    write_document(docs, "kiosks.txt", KIOSKS, **public("kiosks", id="kiosk-permits-for-street-vendors"))
    ok(askcity("ingest", str(docs)))
    monkeypatch.setenv("COLUMNS", columns)

    output = ok(askcity("kb", "status"))

    lines = output.splitlines()
    for doc_id in (LONG_ID, "kiosk-permits-for-street-vendors"):
        assert any(re.search(rf"(^|[│ ]){re.escape(doc_id)}([│ ]|$)", line) for line in lines), output
    assert all(LONG_ID in line for line in lines if LONG_ID[:12] in line)  # never cut or folded
