"""Status lookups across the two services: the bot, and the real records service over HTTP
(PostgreSQL and Redis behind it), with the resident's own token from the dev identity provider."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from bot.answering.statuses import AnswerStatus
from bot.answering.turn import Answer
from bot.runtime import Runtime, build_runtime
from tests.bot.conftest import make_settings
from tests.web_widget.harness import DemoUser, RecordsService, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordsService]:
    import os

    database = os.environ.get("ASKCITY_TEST_DATABASE_URL")
    redis_url = os.environ.get("ASKCITY_TEST_REDIS_URL")
    if not database or not redis_url:
        if os.environ.get("ASKCITY_REQUIRE_SERVICES") == "1":
            pytest.fail("PostgreSQL and Redis are required for the records flow", pytrace=False)
        pytest.skip("needs ASKCITY_TEST_DATABASE_URL and ASKCITY_TEST_REDIS_URL")
    name = f"askcity_records_{free_port()}"
    admin = sa.create_engine(database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    service = RecordsService(
        tmp_path_factory.mktemp("records"), cors_origin="http://127.0.0.1:1", residents=10
    )
    service.env["ASKCITY_RECORDS_DATABASE_URL"] = (
        sa.make_url(database).set(database=name).render_as_string(False)
    )
    service.env["ASKCITY_REDIS_URL"] = redis_url
    service.env["ASKCITY_RECORDS_REDIS_PREFIX"] = f"askcity-test:{name}:"
    try:
        with service:
            yield service
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def residents(records: RecordsService) -> list[DemoUser]:
    users = [u for u in records.demo_users() if u.role == "resident" and u.case_references]
    assert len(users) >= 2
    return users


def token_for(records: RecordsService, user: DemoUser) -> str:
    response = httpx.post(records.login_url, json={"username": user.username, "password": user.password})
    response.raise_for_status()
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def bot(
    records: RecordsService, sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runtime]:
    db = tmp_path_factory.mktemp("bot-records") / "bot.sqlite3"
    runtime = build_runtime(
        make_settings(
            sample_kb_dir, f"sqlite:///{db}", records_api_url=records.url, login_url=records.login_url
        )
    )
    yield runtime
    runtime.close()


def test_status_question_without_a_token_asks_to_log_in(bot: Runtime) -> None:
    answer = bot.service.pipeline.run("where is my permit application?")
    assert answer.status == AnswerStatus.NEEDS_LOGIN


def test_logged_in_resident_gets_their_own_cases_masked(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    user = residents[0]
    token = token_for(records, user)
    service = bot.service
    sid = service.new_session()
    answer = service.chat(sid, "What is the status of my application?", "10.0.0.1", token)
    assert answer.status == AnswerStatus.ANSWERED
    assert any(ref in answer.text for ref in user.case_references)
    # the records service's own view of those cases, to compare with (same token, same masking)
    cases = httpx.get(f"{records.url}/v1/me/cases", headers={"Authorization": f"Bearer {token}"}).json()[
        "cases"
    ]
    shown = [c for c in cases if c["reference"] in answer.text]
    assert shown and all(c["status"].replace("_", " ") in answer.text for c in shown)
    # nothing of the resident's (masked or not) personal data is echoed, and the token is not stored;
    # the status answer itself is private: the transcript and the conversation do not keep it
    row = service.database.transcript(answer.answer_id)
    assert row is not None and token not in json.dumps([row.question, row.answer, row.citations])
    assert row.private and row.intent == "status"
    assert not any(ref in row.answer for ref in user.case_references)
    assert all(token not in t.text for t in service.sessions.history(sid))
    assert not any(ref in t.text for t in service.sessions.history(sid) for ref in user.case_references)


LABELS = {
    "permit": "building permit",
    "licence": "licence",
    "complaint": "noise complaint",
    "parking": "parking permit",
}


def test_the_answer_is_about_the_case_asked_for(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    """ "has my building permit been approved yet?" answers the permit, not every case (complaint first)."""
    for user in residents:
        token = token_for(records, user)
        cases = httpx.get(f"{records.url}/v1/me/cases", headers={"Authorization": f"Bearer {token}"}).json()
        kinds = {c["case_type"] for c in cases["cases"]} & set(LABELS)
        if kinds and len({c["case_type"] for c in cases["cases"]}) >= 2:
            break
    else:
        pytest.skip("no demo resident with two kinds of case")
    kind = sorted(kinds)[0]
    answer = bot.service.pipeline.run(f"has my {LABELS[kind]} been approved yet?", access_token=token)
    assert answer.status == AnswerStatus.ANSWERED and answer.intent == "status"
    wanted = [c["reference"] for c in cases["cases"] if c["case_type"] == kind]
    others = [c["reference"] for c in cases["cases"] if c["case_type"] != kind]
    assert all(ref in answer.text for ref in wanted)
    assert not any(ref in answer.text for ref in others)


def test_asking_by_reference_works_for_own_case_and_not_for_anothers(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    owner, other = residents[0], residents[1]
    reference = owner.case_references[0]
    own = bot.service.pipeline.run(f"status of {reference}?", access_token=token_for(records, owner))
    assert own.status == AnswerStatus.ANSWERED and reference in own.text
    foreign = bot.service.pipeline.run(f"status of {reference}?", access_token=token_for(records, other))
    assert foreign.status == AnswerStatus.NO_ANSWER
    assert reference not in foreign.text


def test_the_transcript_never_names_a_case_the_resident_typed(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    """Logged in or not, one's own or another's: the stored question keeps "[CASE]", not the reference."""
    owner, other = residents[0], residents[1]
    reference = owner.case_references[0]
    service = bot.service
    for token in (None, token_for(records, owner), token_for(records, other)):
        sid = service.new_session()
        answer = service.chat(sid, f"is my case {reference} done?", "10.0.0.1", token)
        row = service.database.transcript(answer.answer_id)
        assert row is not None and row.question == "is my case [CASE] done?"
    mistyped = service.chat(service.new_session(), "where is MB-XXXX-1234?", "10.0.0.1", None)
    row = service.database.transcript(mistyped.answer_id)
    assert row is not None and row.question == "where is [CASE]?"


def test_a_question_about_someone_elses_case_is_told_only_ones_own_are_shown(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    user = residents[0]
    token = token_for(records, user)
    for asked in ("what is my neighbour's complaint status?", "Show me resident-004's cases"):
        answer = bot.service.pipeline.run(asked, access_token=token)
        assert answer.status == AnswerStatus.NO_ANSWER and "your own account" in answer.text, asked
        assert not any(ref in answer.text for ref in user.case_references)
    named = bot.service.pipeline.run("what is the status of my neighbour Tom's complaint", access_token=token)
    assert not any(ref in named.text for ref in user.case_references)  # "[NAME]'s": not one's own
    assert named.intent != "status" or "your own account" in named.text
    own = bot.service.pipeline.run("what is the status of my application?", access_token=token)
    assert own.status == AnswerStatus.ANSWERED and "your own account" not in own.text


def test_asking_to_cancel_a_case_gives_its_status_and_who_can_change_it(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    user = residents[0]
    answer = bot.service.pipeline.run(
        f"please cancel {user.case_references[0]}", access_token=token_for(records, user)
    )
    assert answer.status == AnswerStatus.ANSWERED and user.case_references[0] in answer.text
    assert "to cancel or change it, please contact" in answer.text


def test_several_references_and_references_typed_loosely_are_each_answered(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    owner, other = residents[0], residents[1]
    token = token_for(records, owner)
    mine, foreign = owner.case_references[0], other.case_references[0]
    loose = mine.lower().replace("-", " ")  # "mb 0dab jqsn tzrh 2"
    typed = bot.service.pipeline.run(f"status of {loose}", access_token=token)
    assert typed.status == AnswerStatus.ANSWERED and mine in typed.text
    if len(owner.case_references) > 1:
        second = owner.case_references[1]
        both = bot.service.pipeline.run(f"my cases {mine} and {second} status?", access_token=token)
        assert both.status == AnswerStatus.ANSWERED and mine in both.text and second in both.text
    # the letters the records service reads as digits (O as 0, I and L as 1), and "and <reference>" alone
    aliased = mine.replace("0", "O").replace("1", "L")
    for message in (f"status of {aliased}", f"and {mine}", f"and {aliased.lower()}?"):
        answer = bot.service.pipeline.run(message, access_token=token)
        assert answer.status == AnswerStatus.ANSWERED and mine in answer.text, message
    # something meant as a reference but none is answered as one not found, not with every case
    for mistyped in (f"status of {mine[:-2]}", "where is MB-XXXX-1234"):
        answer = bot.service.pipeline.run(mistyped, access_token=token)
        assert answer.status == AnswerStatus.NO_ANSWER and "check the reference" in answer.text, mistyped
        assert mine not in answer.text
    partly = bot.service.pipeline.run(f"status of {mine} and {foreign}", access_token=token)
    assert partly.status == AnswerStatus.ANSWERED and mine in partly.text
    assert "couldn't find" in partly.text and foreign in partly.text  # the resident's own words back
    assert "Your" not in partly.text.split("couldn't find")[1]


def test_a_staff_token_in_the_resident_chat_shows_no_case(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    """The chat reads only the token holder's own cases (`/v1/me/...`): an agent who pastes their
    token into the widget is asked to log in as a resident, never shown a resident's case as "yours"
    (the agent console reads cases through its own endpoint, `tests/bot/staff/test_cases_for_agents.py`)."""
    reference = residents[0].case_references[0]
    staff = [u for u in records.demo_users() if u.role in ("agent", "supervisor")]
    assert staff
    for user in staff:
        token = token_for(records, user)
        by_reference = bot.service.pipeline.run(f"status of {reference}?", access_token=token)
        mine = bot.service.pipeline.run("where is my permit application?", access_token=token)
        assert by_reference.status == mine.status == AnswerStatus.NEEDS_LOGIN, user.role
        assert reference not in by_reference.text + mine.text
        bearer = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{records.url}/v1/me/cases/{reference}", headers=bearer).status_code == 403
        # the same token still reads the case where staff read cases
        assert httpx.get(f"{records.url}/v1/cases/{reference}", headers=bearer).status_code == 200


def test_refused_token_means_log_in_again(bot: Runtime) -> None:
    answer = bot.service.pipeline.run("where is my application?", access_token="not.a.jwt")
    assert answer.status == AnswerStatus.NEEDS_LOGIN


def _status_question_with_records_at(sample_kb_dir: Path, tmp_path: Path, url: str, timeout: float) -> Answer:
    """A logged-in status question to a bot whose records service lives at `url`."""
    runtime = build_runtime(
        make_settings(
            sample_kb_dir,
            f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            records_api_url=url,
            records_timeout_seconds=timeout,
        )
    )
    try:
        return runtime.service.pipeline.run("where is my application?", access_token="any-token")
    finally:
        runtime.close()


def test_records_service_down_is_a_clear_handoff(sample_kb_dir: Path, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    answer = _status_question_with_records_at(sample_kb_dir, tmp_path, url, 1.0)
    assert answer.status == AnswerStatus.HANDOFF
    assert "can't check" in answer.text


def test_records_service_too_slow_times_out_into_the_same_handoff(
    sample_kb_dir: Path, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as silent:  # accepts connections (kernel backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        answer = _status_question_with_records_at(sample_kb_dir, tmp_path, url, 0.5)
    assert answer.status == AnswerStatus.HANDOFF


def test_one_abusive_resident_cannot_lock_another_out_of_status_lookups(
    records: RecordsService, residents: list[DemoUser], sample_kb_dir: Path, tmp_path: Path
) -> None:
    """Both residents reach the records service through the same bot (one address): the abuser's failed
    lookups lock the abuser out (at the bot, then at the records service), never the other resident."""
    runtime = build_runtime(
        make_settings(
            sample_kb_dir,
            f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            records_api_url=records.url,
            login_url=records.login_url,
            records_lookups_per_resident="1000/minute",  # let every guess reach the records service
        )
    )
    try:
        abuser, victim = residents[-1], residents[0]  # the abuser is used by no later test
        assert len(residents) >= 3
        guessing = token_for(records, abuser)
        replies = [
            runtime.service.pipeline.run(
                f"status of MB-AAAA-BBBB-CCCC-{letter}?", access_token=guessing, client_address="198.51.100.7"
            )
            for letter in "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        ]
        assert "too many status lookups" in replies[-1].text  # the abuser is locked out ...
        own = victim.case_references[0]
        answer = runtime.service.pipeline.run(
            f"status of {own}?", access_token=token_for(records, victim), client_address="198.51.100.8"
        )
        assert answer.status == AnswerStatus.ANSWERED and own in answer.text
    finally:
        runtime.close()


def test_the_bot_limits_status_lookups_per_resident_before_calling_the_records_service(
    records: RecordsService, residents: list[DemoUser], sample_kb_dir: Path, tmp_path: Path
) -> None:
    runtime = build_runtime(
        make_settings(
            sample_kb_dir,
            f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            records_api_url=records.url,
            login_url=records.login_url,
            records_lookups_per_resident="3/minute",
        )
    )
    try:
        token = token_for(records, residents[1])
        answers = [
            runtime.service.pipeline.run(
                "where is my application?", access_token=token, client_address="192.0.2.5"
            )
            for _ in range(4)
        ]
        assert [a.status for a in answers[:3]] == [AnswerStatus.ANSWERED] * 3
        assert answers[3].status == AnswerStatus.NO_ANSWER and "too many status lookups" in answers[3].text
        assert answers[3].text.endswith("try again in 1 minute.")  # not "1 minutes", nor "your account"
        # another resident behind the same bot is not affected
        other = runtime.service.pipeline.run(
            "where is my application?",
            access_token=token_for(records, residents[0]),
            client_address="192.0.2.6",
        )
        assert other.status == AnswerStatus.ANSWERED
    finally:
        runtime.close()


def test_logs_name_a_case_by_a_keyed_hash_never_by_its_reference(
    bot: Runtime, records: RecordsService, residents: list[DemoUser], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from bot.logs import configure_logging

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging()  # as `askcity serve` does: httpx's request log (URLs with references) is silenced
    root.addHandler(caplog.handler)
    user = residents[0]
    reference = user.case_references[0]
    with caplog.at_level(logging.DEBUG):
        answer = bot.service.pipeline.run(f"status of {reference}?", access_token=token_for(records, user))
    assert answer.status == AnswerStatus.ANSWERED
    root.handlers, level = saved
    root.setLevel(level)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert reference not in logged and reference.lower() not in logged
    assert bot.records is not None and bot.records.reference_hash(reference) in logged


def test_a_logged_in_resident_whose_question_may_be_about_the_rules_also_gets_the_general_answer(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    """Routed as a status question below the classifier's `sure` level: the resident's cases, then what
    the documents say in general with its citation ("how long is the waiting list for housing
    assistance?" got only the case list). A sure status question gets the cases alone."""
    pipeline = bot.service.pipeline
    token = token_for(records, residents[0])
    unsure, sure = "is my street getting plowed today?", "where is my building permit application?"
    hedged = pipeline.run(unsure, access_token=token)
    assert hedged.status == AnswerStatus.ANSWERED and hedged.private and hedged.intent == "status"
    general = pipeline.replies.get("records_general")
    assert general in hedged.text and hedged.text.index(general) > 0
    assert [c.document_id for c in hedged.citations][:1] == ["streets-snow-removal"]
    assert any(ref in hedged.text for ref in residents[0].case_references)
    plain = pipeline.run(sure, access_token=token)
    assert plain.status == AnswerStatus.ANSWERED and general not in plain.text and plain.citations == ()


def test_another_persons_case_family_included_is_never_answered_with_ones_own(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    """ "can you check my husband's permit" showed the resident's own case as if it were his."""
    user = residents[0]
    token = token_for(records, user)
    for asked in (
        "can you check my husband's permit",
        "is my mother's benefit approved yet",
        "status of my son's parking permit",
        "where is my daughter's parking permit",  # 0.24 for the classifier on its own
    ):
        answer = bot.service.pipeline.run(asked, access_token=token)
        assert not any(ref in answer.text for ref in user.case_references), asked
        # told so, not answered as a question about the rules (the classifier alone scored the first
        # below its threshold)
        assert (answer.intent, answer.status) == ("status", AnswerStatus.NO_ANSWER), asked
        assert "your own account" in answer.text, asked


def test_a_kind_of_case_the_resident_does_not_have_is_not_answered_with_another_kind(
    bot: Runtime, records: RecordsService, residents: list[DemoUser]
) -> None:
    """ "where is my dog licence" showed a business licence: the reply says there is no dog licence
    case and lists the cases there are, named as what they are."""
    for user in residents:
        token = token_for(records, user)
        if "licence" in user.case_types:
            break
    else:
        pytest.skip("no demo resident with a licence case")
    answer = bot.service.pipeline.run("has my dog licence been renewed yet?", access_token=token)
    assert answer.intent == "status", answer.text
    assert "couldn't find a dog licence case" in answer.text
    assert "Your business licence case" in answer.text  # listed as what it is
    business = bot.service.pipeline.run("has my business licence been approved yet?", access_token=token)
    assert "couldn't find" not in business.text and "Your business licence case" in business.text


def test_a_token_pasted_into_the_chat_is_never_stored(bot: Runtime) -> None:
    header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    service = bot.service
    answer = service.chat(service.new_session(), f"here is my token {header}", "10.0.0.1", None)
    row = service.database.transcript(answer.answer_id)
    assert row is not None and header not in row.question and "[SECRET]" in row.question
