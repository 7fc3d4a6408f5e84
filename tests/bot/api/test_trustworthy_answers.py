"""What a new user saw on the demo (issue 10), through the HTTP API with Redis sessions and limits and
PostgreSQL transcripts: each failure as a test of its class, not of the one sentence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from bot.answering.turn import Hits, TurnRequest
from bot.api.app import create_app
from bot.ratelimit import RateLimiter
from bot.runtime import Runtime, build_runtime
from knowledge_base.records import Turn
from knowledge_base.retriever import Query
from tests.bot.conftest import make_settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def served(
    sample_kb_dir, postgres_url_module: str, redis_module: tuple[str, str]
) -> Iterator[tuple[TestClient, Runtime]]:  # type: ignore[no-untyped-def]
    redis_url, prefix = redis_module
    settings = make_settings(sample_kb_dir, postgres_url_module, redis_url=redis_url, redis_prefix=prefix)
    runtime = build_runtime(settings)
    try:
        with TestClient(create_app(settings, runtime)) as client:
            yield client, runtime
    finally:
        runtime.close()


@pytest.fixture
def client(served: tuple[TestClient, Runtime]) -> TestClient:
    return served[0]


def converse(client: TestClient, *messages: str) -> list[dict[str, object]]:
    session = client.post("/api/v1/sessions").json()["session_id"]
    replies = []
    for message in messages:
        response = client.post("/api/v1/chat", json={"session_id": session, "message": message})
        assert response.status_code == 200, response.text
        replies.append(response.json())
    return replies


def cited(reply: dict[str, object]) -> str | None:
    citations = reply["citations"]
    assert isinstance(citations, list)
    return str(citations[0]["document_id"]) if citations else None


PARKING = "How much does a residential parking permit cost?"
TICKET = "how do I dispute a parking ticket?"


@pytest.mark.parametrize(
    ("before", "question"),
    [
        (PARKING, "what's the weather tomorrow?"),
        (PARKING, "how do I renew my passport?"),
        (TICKET, "how do I renew my passport?"),
        ("When are property tax instalments due?", "who won the football game last night"),
        ("How do I get a library card?", "can you recommend a good pizza place"),
    ],
)
def test_a_question_the_documents_do_not_cover_is_refused_whatever_came_before(
    client: TestClient, before: str, question: str
) -> None:
    first, second = converse(client, before, question)
    assert first["status"] == "answered"
    assert second["status"] == "no_answer", (second["status"], cited(second), second["text"])
    assert second["citations"] == []


@pytest.mark.parametrize(
    ("before", "question", "document"),
    [
        (PARKING, "Can you pick up my old sofa?", "waste-bulky-item-pickup"),
        (TICKET, "How do I get a library card?", "library-cards"),
        ("How do I license my dog?", "When are property tax instalments due?", "tax-property-tax"),
    ],
)
def test_a_real_answer_is_given_after_a_change_of_subject(
    client: TestClient, before: str, question: str, document: str
) -> None:
    """A new subject is answered as it would be as a first question: the conversation does not hide it."""
    first, second = converse(client, before, question)
    (alone,) = converse(client, question)
    assert first["status"] == "answered"
    assert second["status"] == alone["status"] == "answered", (second["text"], alone["text"])
    assert cited(second) == cited(alone) == document


@pytest.mark.parametrize(
    ("before", "other", "follow_up", "document"),
    [
        (TICKET, "thanks. also how do i get a library card", "how much", "library-cards"),
        (PARKING, "Can you pick up my old sofa?", "how much does it cost?", "waste-bulky-item-pickup"),
        (
            "How do I license my dog?",
            "When are property tax instalments due?",
            "and how much",
            "tax-property-tax",
        ),
    ],
)
def test_a_follow_up_after_a_change_of_subject_is_about_the_new_subject(
    client: TestClient, before: str, other: str, follow_up: str, document: str
) -> None:
    """A question answered on its own, the conversation left behind, starts the conversation again: the
    "how much" after a library question was answered with the parking appeal fee of two turns before."""
    first, second, third = converse(client, before, other, follow_up)
    assert first["status"] == second["status"] == "answered"
    assert cited(second) == document
    assert third["status"] == "answered", third["text"]
    assert cited(third) == document, third["text"]


@pytest.mark.xfail(
    strict=True,
    reason="known gate miss (docs/answering.md): the idiom 'get rid of' shares no words with the bulky-item "
    "page and MiniLM rates the page 0.19 against it, so it is refused even as a first question",
)
def test_get_rid_of_an_old_sofa_is_answered_from_the_bulky_item_page(client: TestClient) -> None:
    first, second = converse(client, PARKING, "How do I get rid of an old sofa?")
    assert cited(first) == "parking-residential-permits"
    assert second["status"] == "answered"
    assert cited(second) == "waste-bulky-item-pickup"


def test_an_elliptical_follow_up_stays_on_the_conversations_document(client: TestClient) -> None:
    _, second = converse(client, "How do I license my dog?", "and if he isn't neutered?")
    assert second["status"] == "answered"
    assert cited(second) == "animals-dog-licences"


@pytest.mark.parametrize(
    ("before", "follow_up", "document", "fact"),
    [
        (PARKING, "what about for seniors?", "parking-residential-permits", "$20"),
        ("how much does a dog licence cost?", "what about for seniors?", "animals-dog-licences", "$12"),
    ],
)
def test_a_follow_up_that_narrows_the_question_stays_on_its_document(
    client: TestClient, before: str, follow_up: str, document: str, fact: str
) -> None:
    """ "what about for seniors?" asks the last question again for seniors: the senior centre's and the
    pension office's pages match "seniors" better, but the answer is on the page already open."""
    _, second = converse(client, before, follow_up)
    assert second["status"] == "answered" and cited(second) == document
    assert fact in second["text"]


@pytest.mark.parametrize(
    ("follow_up", "document"),
    [
        ("what about a dog licence?", "animals-dog-licences"),
        ("and a marriage licence?", "vital-records-marriage-licences"),
    ],
)
def test_a_follow_up_that_names_something_new_leaves_the_old_document(
    client: TestClient, follow_up: str, document: str
) -> None:
    """ "what about a dog licence?" after parking permits names a new subject: not the parking page."""
    _, second = converse(client, PARKING, follow_up)
    assert cited(second) == document


@pytest.mark.parametrize(
    ("before", "follow_up", "document"),
    [
        (
            "how long do building permits usually take",
            "and tree removal permits?",
            "parks-tree-removal-permits",
        ),
        (
            "how do I get a birth certificate, I was born in Chicago",
            "ok what about a marriage certificate after my wedding here",
            "vital-records-marriage-licences",
        ),
    ],
)
def test_a_follow_up_naming_another_kind_of_the_same_thing_leaves_the_old_document(
    client: TestClient, before: str, follow_up: str, document: str
) -> None:
    """ "and tree removal permits?" after building permits shares "permits" with the conversation, but
    names a new kind of permit: it was answered with the building permit list."""
    first, second = converse(client, before, follow_up)
    assert first["status"] == "answered"
    assert second["status"] == "answered" and cited(second) == document, (cited(second), second["text"])


@pytest.mark.parametrize(
    "switch",
    [
        "ok now something else - how do i pay my property tax",
        "different question: how do I pay my property tax?",
        "on another note, how do i pay my property tax",
    ],
)
def test_a_message_that_says_it_is_about_something_else_is_read_on_its_own(
    client: TestClient, switch: str
) -> None:
    """After three turns on summer camps, "ok now something else - how do i pay my property tax" got the
    camp's fee-assistance text: "ok" and "else" read as leaning on the conversation."""
    replies = converse(
        client, "summer camp for my 8 year old", "cost per week?", switch, "is there a discount"
    )
    assert cited(replies[1]) == "community-youth-summer-programmes"
    assert replies[2]["status"] == "answered" and cited(replies[2]) == "tax-property-tax", replies[2]["text"]
    # the conversation started again on the new subject
    assert cited(replies[3]) in (None, "tax-property-tax"), replies[3]["text"]


@pytest.mark.parametrize(
    ("before", "follow_up", "wrong"),
    [
        (
            ("how do i apply for rental assistance", "what do i need to bring"),
            "how long before i hear back",
            "parking-tickets-appeals",
        ),
        (
            ("what is the senior income supplement", "how much is it"),
            "do i qualify if i moved here last year",
            "tax-property-tax",
        ),
    ],
)
def test_a_follow_up_that_names_nothing_is_never_answered_from_another_page(
    client: TestClient, before: tuple[str, ...], follow_up: str, wrong: str
) -> None:
    """ "how long before I hear back" after rental assistance names nothing of its own: read alone it
    matched the parking appeal's "a written decision within 30 days", and that was the answer."""
    *_, last = converse(client, *before, follow_up)
    assert cited(last) != wrong, last["text"]
    assert cited(last) in (None, cited(converse(client, before[0])[0])), last["text"]


def test_personal_data_in_the_message_does_not_change_the_answer(client: TestClient) -> None:
    (plain,) = converse(client, "What day is my recycling picked up?")
    (noisy,) = converse(
        client,
        "My email is jane.roe@example.org and my phone is 555-201-3344. What day is my recycling picked up?",
    )
    assert plain["status"] == noisy["status"] == "answered"
    assert cited(plain) == cited(noisy) == "waste-collection-schedule"
    assert plain["text"] == noisy["text"]


@pytest.mark.parametrize(
    "message",
    [
        "where is my building permit application?",
        "has my building permit been approved yet?",
        "any news on my noise complaint",
        "did they approve my rental assistance yet",
        "still waiting to hear back about my dog licence renewal",
        # personal data first, then a few words without a question mark: the words are the question
        "my phone is 555-0142 permit status",
        "my pin is 4821, check my permit",
    ],
)
def test_status_questions_ask_to_log_in(client: TestClient, message: str) -> None:
    (reply,) = converse(client, message)
    assert reply["status"] == "needs_login"


def test_a_status_question_the_classifier_is_not_sure_of_also_gets_what_the_documents_say(
    served: tuple[TestClient, Runtime],
) -> None:
    """Routed as a status question but below the classifier's `sure` level: a short login prompt ("if
    you are asking about your own application or case …"), then the documents' general answer with its
    citation. A sure one gets the login prompt alone."""
    client, runtime = served
    pipeline = runtime.service.pipeline
    login = pipeline.replies.get("needs_login")

    def probability(message: str) -> float:
        redacted = pipeline.redact(TurnRequest(message))
        return pipeline.route(redacted, pipeline.encode(redacted, ())).intent_confidence

    unsure, sure = "is my street getting plowed today?", "where is my building permit application?"
    config = pipeline.route.intents.config
    assert config.threshold <= probability(unsure) < config.sure <= probability(sure)

    (hedged,) = converse(client, unsure)
    assert hedged["status"] == "needs_login"
    assert str(hedged["text"]).startswith(pipeline.replies.get("needs_login_general"))
    assert cited(hedged) == "streets-snow-removal"
    sentences = hedged["sentences"]
    assert isinstance(sentences, list) and sentences[0]["citation"] == -1 and sentences[-1]["citation"] == 0

    (plain,) = converse(client, sure)
    assert plain["status"] == "needs_login"
    assert plain["text"] == login and plain["citations"] == []


@pytest.mark.parametrize(
    "message",
    [
        "how long does a building permit take?",
        "how do I file a noise complaint?",
        "how much is a dog licence?",
    ],
)
def test_policy_questions_about_the_same_things_are_answered_from_the_documents(
    client: TestClient, message: str
) -> None:
    (reply,) = converse(client, message)
    assert reply["status"] == "answered"


def test_a_follow_up_that_narrows_a_question_about_the_rules_is_about_the_rules_too(
    client: TestClient,
) -> None:
    """ "and for my contractor" after "how many visitor passes can i buy" asks the same for someone else:
    it got the login prompt ("my contractor" reads like one's own case); after a status question the
    same form stays a status question."""
    *_, policy = converse(client, "visitor parking pass", "how many can i buy", "and for my contractor")
    assert policy["status"] == "answered" and cited(policy) == "parking-visitor-passes", policy["text"]
    _, status = converse(client, "where is my building permit application", "and for my deck?")
    assert status["status"] == "needs_login"


@pytest.mark.parametrize("message", ["ok how do i log in", "where do I sign in?", "i cant log in"])
def test_asking_how_to_log_in_explains_the_login_not_a_documents_account(
    client: TestClient, message: str
) -> None:
    """After the login prompt, "ok how do i log in" was answered with "Log in to your parking account at
    …" from the visitor-pass page."""
    first, second = converse(client, "any news on my rental assistance application?", message)
    assert first["status"] == "needs_login"
    assert second["status"] == "answered" and second["citations"] == []
    assert "Log in button" in str(second["text"])
    (named,) = converse(client, "how do i log in to my parking account")  # names what: a document's
    assert cited(named) == "parking-visitor-passes"


@pytest.mark.parametrize(
    "message", ["what can you do", "what can I ask you?", "hi, what can you help me with"]
)
def test_asking_what_the_assistant_does_gets_the_greeting_that_says_so(
    client: TestClient, message: str
) -> None:
    """ "good morning", "what can you do" was refused as a question the documents do not answer."""
    (reply,) = converse(client, message)
    assert reply["status"] == "answered" and reply["citations"] == []
    assert "published documents" in str(reply["text"])


def test_how_much_a_permit_costs_is_answered_with_its_fee_not_a_fine(client: TestClient) -> None:
    """ "how much is the tree permit" got "a fine of up to $5,000 per tree": a fine is an amount too."""
    (reply,) = converse(client, "how much is the tree permit")
    assert cited(reply) == "parks-tree-removal-permits"
    assert "$100" in str(reply["text"]) and "$5,000" not in str(reply["text"]), reply["text"]
    (fine,) = converse(client, "what is the fine for removing a protected tree without a permit?")
    assert "$5,000" in str(fine["text"]), fine["text"]


def test_a_list_answer_keeps_its_lead_in_and_its_items(client: TestClient) -> None:
    (reply,) = converse(client, PARKING)
    text = str(reply["text"])
    assert "Fees for the 2026–2027 permit year are:" in text
    assert "First permit in the household: $60 per year" in text
    sentences = reply["sentences"]
    assert isinstance(sentences, list) and any(s["list_item"] for s in sentences)


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("When is property tax due?", "March 31"),
        # (not "Do I need a licence for my dog?": "Every dog … must have a city dog licence" answers it
        # too, and which of the two passages comes first differs in the last digits between machines)
        ("What do I need to license my dog?", "rabies vaccination certificate"),
    ],
)
def test_an_answer_never_stops_at_a_lead_in_without_its_list(
    client: TestClient, question: str, item: str
) -> None:
    """The answer reached "… in two equal instalments:" / "You will need:": the items follow."""
    (reply,) = converse(client, question)
    assert reply["status"] == "answered"
    sentences = reply["sentences"]
    assert isinstance(sentences, list)
    assert not str(sentences[-1]["text"]).rstrip().endswith(":")
    assert item in str(reply["text"])


def test_a_how_to_question_gets_the_section_about_it_not_the_introduction(client: TestClient) -> None:
    (reply,) = converse(client, TICKET)
    assert "within 21 days" in str(reply["text"])
    assert "This page lists" not in str(reply["text"])


def test_a_message_over_the_limit_after_normalisation_is_refused(client: TestClient) -> None:
    session = client.post("/api/v1/sessions").json()["session_id"]
    response = client.post("/api/v1/chat", json={"session_id": session, "message": "\ufdfa" * 100})
    assert response.status_code == 413  # 100 characters, 1,800 after NFKC


def test_a_redis_outage_in_the_rate_limiter_is_not_an_error(
    served: tuple[TestClient, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = served
    dead = RateLimiter("redis://127.0.0.1:1/0", "30/minute", "120/minute")
    monkeypatch.setattr(runtime.service, "limiter", dead)
    first, second = converse(client, "How do I get a library card?", "thanks")
    assert first["status"] == "answered" and second["status"] == "answered"
    assert dead.degraded


def test_a_failing_step_is_a_polite_error_answer_that_is_recorded(
    served: tuple[TestClient, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = served

    class Broken:
        name = "retrieve"

        def __call__(self, query: Query, history: tuple[Turn, ...]) -> Hits:
            raise OSError("index file unreadable")

    monkeypatch.setattr(runtime.service, "pipeline", replace(runtime.service.pipeline, retrieve=Broken()))
    (reply,) = converse(client, "How do I get a library card?")
    assert reply["status"] == "error" and reply["text"]
    assert "index" not in str(reply["text"])
    with runtime.service.database.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT status, failed_step FROM bot_transcripts WHERE answer_id = :id"),
            {"id": reply["answer_id"]},
        ).one()
    assert tuple(row) == ("error", "retrieve")
