"""URL lists of fetched pages (`ingest.url_list`) and `askcity ingest --url-list LIST [FOLDER]`: each page is
ingested with its address as source, an id made from it and its own title; bad lines are reported with
their numbers and the good lines still go through."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ingest.url_list import locate, page_id, read_url_list
from knowledge_base.records import public_url
from knowledge_base.settings import get_kb_settings
from tests.ingest.test_cli import Invoke, askcity, ok, summary_of, use_data_dir  # noqa: F401  (fixtures)

PERMITS = """<html><head><title>Residential parking permits</title></head><body>
<h1>Residential parking permits</h1>
<p>Residents of Millbrook apply for a residential parking permit online. A permit costs 40 dollars a year
and is valid in the zone printed on it.</p></body></html>"""
CARDS = """<html><head><title>Library cards</title></head><body><h1>Library cards</h1>
<p>Any Millbrook resident may get a free library card at any branch with a proof of address.</p>
</body></html>"""
CITY = {"department": "City Services", "contact": "call 311"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.millbrook.example/parking/permits.html", "millbrook-example-parking-permits"),
        ("https://www.millbrook.example/parking/permits", "millbrook-example-parking-permits"),
        ("http://millbrook.example/Library/Cards.ASPX?branch=2", "millbrook-example-library-cards-branch-2"),
        ("https://www.millbrook.example/", "millbrook-example"),
    ],
)
def test_a_pages_id_is_made_from_its_host_path_and_query(url: str, expected: str) -> None:
    assert page_id(url) == expected


def test_a_very_long_address_gets_a_short_id_that_still_tells_pages_apart() -> None:
    first, second = (page_id(f"https://millbrook.example/{'a' * 400}/{n}") for n in (1, 2))
    assert len(first) <= 200 and len(second) <= 200 and first != second


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("ftp://millbrook.example/x x.html", "must be an http(s) address, not ftp:"),
        ("javascript:alert(1) x.html", "must be an http(s) address, not javascript:"),
        ("file:///srv/pages/x.html x.html", "must be an http(s) address, not file:"),
        ("/parking/permits x.html", "not a relative address"),
        ("https://user:pw@millbrook.example/x x.html", "must not contain a user name or password"),
        ("https://millbrook.example/x", "no file after the address"),
        ("https://millbrook.example/x ../../etc/passwd", "the path must be relative to the folder"),
        ("https://millbrook.example/x /etc/passwd", "the path must be relative to the folder"),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_why(line: str, reason: str) -> None:
    pages, problems = read_url_list(f"# fetched pages\n\nhttps://millbrook.example/ok\tok.html\n{line}\n")
    assert [p.line for p in pages] == [3]
    assert len(problems) == 1 and problems[0].line == 4
    assert reason.replace("not a relative address", "a relative address") in str(problems[0])


def test_the_same_page_twice_is_reported_once_as_a_repeat() -> None:
    text = "https://millbrook.example/a.html a.html\nhttps://millbrook.example/a#top a-copy.html\n"
    pages, problems = read_url_list(text)
    assert [p.path for p in pages] == ["a.html"]
    assert str(problems[0]) == "line 2: same page as line 1 (id millbrook-example-a)"


def test_paths_with_spaces_tabs_and_a_byte_order_mark_are_read() -> None:
    text = "\ufeffhttps://millbrook.example/a\tfolder one/a page.html\nhttps://millbrook.example/b   b.html\n"
    pages, problems = read_url_list(text)
    assert not problems
    assert [(p.url, p.path) for p in pages] == [
        ("https://millbrook.example/a", "folder one/a page.html"),
        ("https://millbrook.example/b", "b.html"),
    ]


def test_locate_finds_files_inside_the_folder_and_names_the_missing_ones(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.html").write_text(CARDS, encoding="utf-8")
    (tmp_path / "secret.html").write_text(CARDS, encoding="utf-8")
    (tmp_path / "pages" / "escape.html").symlink_to(tmp_path / "secret.html")
    pages, _ = read_url_list(
        "https://m.example/a a.html\nhttps://m.example/b b.html\nhttps://m.example/c escape.html\n"
    )
    found, missing = locate(pages, tmp_path / "pages")
    assert [f.file.name for f in found] == ["a.html"]
    assert [str(m) for m in missing] == [
        "line 2: no file b.html in the folder",
        "line 3: the path leaves the folder",
    ]


def _fetched_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "fetched"
    (folder / "parking").mkdir(parents=True)
    (folder / "parking" / "permits.html").write_text(PERMITS, encoding="utf-8")
    (folder / "cards.html").write_text(CARDS, encoding="utf-8")
    for page in ("parking/permits.html", "cards.html"):  # the city's department and contact per page
        (folder / f"{page}.meta.json").write_text(json.dumps(CITY), encoding="utf-8")
    (folder / "urls.txt").write_text(
        "# fetched 2026-11-30\n"
        "https://www.millbrook.example/parking/permits.html\tparking/permits.html\n"
        "ftp://www.millbrook.example/old\told.html\n"
        "https://www.millbrook.example/library/cards\tcards.html\n"
        "https://www.millbrook.example/pools\tpools.html\n",
        encoding="utf-8",
    )
    return folder


def test_ingest_url_list_serves_each_page_with_its_address_and_reports_the_bad_lines(
    askcity: Invoke,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = _fetched_folder(tmp_path)
    output = ok(askcity("ingest", "--url-list", str(folder / "urls.txt")))
    summary = summary_of(output)
    assert (summary["added"], summary["failed"], summary["held for review"]) == ("2", "2", "0")
    assert f"{folder / 'urls.txt'}:3: the address must be an http(s) address, not ftp:" in output
    assert f"{folder / 'urls.txt'}:5: no file pools.html in the folder" in output

    search = ok(askcity("search", "how much is a residential parking permit", "-k", "1"))
    assert "Residential parking permits" in search  # the page's own title
    database = get_kb_settings().database_url().removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        rows = dict(db.execute("SELECT id, source_uri FROM kb_documents").fetchall())
    assert rows == {
        "millbrook-example-parking-permits": "https://www.millbrook.example/parking/permits.html",
        "millbrook-example-library-cards": "https://www.millbrook.example/library/cards",
    }
    assert all(public_url(uri) == uri for uri in rows.values())


def test_ingest_url_list_with_only_bad_lines_fails_and_publishes_nothing(
    askcity: Invoke,  # noqa: F811
    tmp_path: Path,
) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("https://www.millbrook.example/a\tmissing.html\nnot-a-url a.html\n", encoding="utf-8")
    result = askcity("ingest", "--url-list", str(listing))
    assert result.exit_code == 1
    assert "no file missing.html in the folder" in result.output
    assert summary_of(result.output)["published"].startswith("no")


def test_ingest_url_list_takes_one_folder_at_most(askcity: Invoke, tmp_path: Path) -> None:  # noqa: F811
    folder = _fetched_folder(tmp_path)
    result = askcity("ingest", "--url-list", str(folder / "urls.txt"), str(folder), str(tmp_path))
    assert result.exit_code == 1 and "at most one FOLDER" in result.output
