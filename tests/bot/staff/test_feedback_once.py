"""One verdict per answer in the bot's database, however the clicks arrive: first verdicts sent at the
same instant from many threads leave one row (a unique `answer_id` and one upsert), with the rules of a
changed verdict unchanged. Real SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from bot.answering.statuses import AnswerStatus
from bot.storage.database import BotDatabase
from bot.storage.tables import FeedbackRow, TranscriptRow

THREADS = 8


def answered(database: BotDatabase) -> str:
    answer_id = uuid.uuid4().hex
    with database.engine.begin() as conn:
        conn.execute(
            sa.insert(TranscriptRow).values(
                answer_id=answer_id,
                session_ref="s" * 64,
                question="How much is a parking permit?",
                answer="It costs $50.",
                status=AnswerStatus.ANSWERED.value,
            )
        )
    return answer_id


def verdicts(database: BotDatabase, answer_id: str) -> list[tuple[bool, str]]:
    with database.engine.connect() as conn:
        rows = conn.execute(
            sa.select(FeedbackRow.helpful, FeedbackRow.comment).where(FeedbackRow.answer_id == answer_id)
        ).all()
    return [(bool(h), c) for h, c in rows]


def test_first_verdicts_at_the_same_instant_leave_one_row(database: BotDatabase) -> None:
    for _ in range(10):
        answer_id = answered(database)
        start = threading.Barrier(THREADS)

        def click(n: int, answer_id: str = answer_id, start: threading.Barrier = start) -> None:
            start.wait()
            database.feedback(answer_id, n % 2 == 0, f"comment {n}")

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(click, range(THREADS)))  # re-raises any thread's error
        rows = verdicts(database, answer_id)
        assert len(rows) == 1, rows
        helpful, comment = rows[0]
        assert comment in {f"comment {n}" for n in range(THREADS) if (n % 2 == 0) == helpful}


def test_a_changed_verdict_replaces_the_comment_and_the_same_one_keeps_it(database: BotDatabase) -> None:
    answer_id = answered(database)
    database.feedback(answer_id, False, "")
    database.feedback(answer_id, False, "too vague")
    database.feedback(answer_id, False, "")  # the same thumb again: the comment stays
    assert verdicts(database, answer_id) == [(False, "too vague")]
    database.feedback(answer_id, True, "")  # changed: the comment was not given with it
    assert verdicts(database, answer_id) == [(True, "")]


def test_the_database_refuses_a_second_row_for_one_answer(database: BotDatabase) -> None:
    answer_id = answered(database)
    database.feedback(answer_id, True, "")
    with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as conn:
        conn.execute(sa.insert(FeedbackRow).values(answer_id=answer_id, helpful=False, comment=""))
    assert verdicts(database, answer_id) == [(True, "")]
