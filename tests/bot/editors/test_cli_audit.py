"""The command line's direct changes are in the editors' audit chain (issue 13): `askcity ingest` (publishing
or `--no-publish`), `kb confirm`, `kb remove` and `kb rollback` append a row as `cli:<login name>` with
the role `operator` and what changed; `askcity audit verify --chain editors` covers them."""

from __future__ import annotations

import getpass
import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.bot.test_cli_curated import data_dir, ok, run  # noqa: F401  (the fixture)

BEES = "Beekeeping: residents may keep two hives in a backyard, registered free with the Parks Department."
SKATE = "The skate park on Mill Road is open daily from 8 am until dusk; helmets are required."


def _folder(tmp_path: Path, name: str, text: str, metadata: dict[str, str] | None) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"{name}.md").write_text(f"# {name.title()}\n\n{text}\n", encoding="utf-8")
    if metadata is not None:
        (folder / f"{name}.md.meta.json").write_text(json.dumps(metadata), encoding="utf-8")
    return folder


def _rows(data: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(data / "kb.sqlite3") as db:
        rows = db.execute("SELECT seq, actor, role, action, target, detail FROM kb_editor_audit ORDER BY seq")
        return [
            {"seq": s, "actor": a, "role": r, "action": x, "target": t, "detail": json.loads(d)}
            for s, a, r, x, t, d in rows
        ]


def test_ingest_confirm_remove_and_rollback_are_in_the_editors_chain(
    data_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    parks = {
        "department": "Parks Department",
        "contact": "call 311",
        "source_uri": "https://www.millbrook.example/bees",
    }
    ok(run("ingest", str(_folder(tmp_path, "beekeeping", BEES, parks))))
    ok(run("ingest", str(_folder(tmp_path, "skate-park", SKATE, None)), "--no-publish"))
    ok(run("ingest", str(tmp_path / "beekeeping")))  # unchanged: nothing happened, nothing logged
    ok(run("kb", "confirm", "skate-park"))
    ok(run("kb", "remove", "beekeeping"))
    ok(run("kb", "rollback"))
    assert run("kb", "remove", "no-such-document").exit_code == 1  # refused: not logged

    rows = _rows(data_dir)
    assert {(r["actor"], r["role"]) for r in rows} == {(f"cli:{getpass.getuser()}", "operator")}
    published, saved, confirmed, retired, rolled_back = rows
    assert (published["action"], published["detail"]["added"]) == ("publish", "beekeeping")
    assert published["target"].startswith("v") and published["detail"]["command"] == "askcity ingest"
    assert (saved["action"], saved["target"], saved["detail"]["held"]) == (
        "upload",
        "working set",
        "skate-park",
    )
    assert saved["detail"]["command"] == "askcity ingest --no-publish"
    assert (confirmed["action"], confirmed["target"]) == ("confirm", "skate-park")
    assert (retired["action"], retired["target"]) == ("retire", "beekeeping")
    assert retired["detail"]["published"] > confirmed["detail"]["published"]
    assert (rolled_back["action"], rolled_back["detail"]["previous"]) == (
        "rollback",
        retired["detail"]["published"],
    )
    assert rolled_back["target"] == confirmed["detail"]["published"]

    assert "intact: 5 rows" in ok(run("audit", "verify", "--chain", "editors"))
    with sqlite3.connect(data_dir / "kb.sqlite3") as db:
        db.execute(
            "UPDATE kb_editor_audit SET target = 'parking-residential-permits' WHERE action = 'retire'"
        )
    broken = run("audit", "verify", "--chain", "editors")
    assert broken.exit_code == 1 and f"BROKEN at seq {retired['seq']}" in broken.output
