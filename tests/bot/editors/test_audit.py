"""The editors' audit log: hash-chained with trust.audit_chain in the knowledge base's database; verify
names the first edited, deleted or inserted row, and rows cut from the end (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.editors.audit import EditorAction, EditorAuditLog
from knowledge_base.kb import KnowledgeBase


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def log(request: pytest.FixtureRequest, make_kb) -> tuple[EditorAuditLog, KnowledgeBase]:  # type: ignore[no-untyped-def]
    kb = make_kb(request.getfixturevalue("postgres_url")) if request.param == "postgres" else make_kb()
    audit = EditorAuditLog(kb.store)
    for i, action in enumerate(["build_draft", "submit", "send_back", "submit", "approve"]):
        audit.append(EditorAction(f"staff-{i % 2}", "editor", action, "v000002", {"note": f"step {i}"}))  # type: ignore[arg-type]
    return audit, kb


def _sql(kb: KnowledgeBase, statement: str) -> None:
    with kb.store.engine.begin() as conn:
        conn.execute(sa.text(statement))


def test_an_untouched_log_verifies(log: tuple[EditorAuditLog, KnowledgeBase]) -> None:
    audit, _ = log
    check = audit.verify()
    assert check.intact and check.rows == 5
    entries = audit.entries()
    assert [e.seq for e in entries] == [5, 4, 3, 2, 1] and entries[0].action == "approve"
    assert entries[0].row_hash == check.head_hash


@pytest.mark.parametrize(
    ("statement", "seq", "reason"),
    [
        ('UPDATE kb_editor_audit SET detail = \'{"note": "edited"}\' WHERE seq = 3', 3, "content"),
        ("UPDATE kb_editor_audit SET actor = 'someone-else' WHERE seq = 2", 2, "content"),
        ("DELETE FROM kb_editor_audit WHERE seq = 2", 3, "expected sequence number 2"),
        ("DELETE FROM kb_editor_audit WHERE seq = 5", None, "rows removed"),
    ],
)
def test_tampering_with_one_row_is_found(
    log: tuple[EditorAuditLog, KnowledgeBase], statement: str, seq: int | None, reason: str
) -> None:
    audit, kb = log
    _sql(kb, statement)
    check = audit.verify()
    assert not check.intact and check.first_bad_seq == seq and reason in check.reason
