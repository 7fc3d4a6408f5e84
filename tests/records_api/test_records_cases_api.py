"""Object-level authorization over HTTP: own cases, other residents' cases, roles, bad input."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from records_harness import Harness
from sqlalchemy import select

from records_api.enums import AuditOutcome, Role, UnmaskCategory
from records_api.models import AuditEvent
from records_api.references import new_reference

HEADERS_THAT_MATTER = ("content-type", "content-length", "cache-control", "www-authenticate")


def _fingerprint(response: object) -> tuple[int, bytes, tuple[str | None, ...]]:
    status = response.status_code  # type: ignore[attr-defined]
    headers = response.headers  # type: ignore[attr-defined]
    body = response.content  # type: ignore[attr-defined]
    return status, body, tuple(headers.get(h) for h in HEADERS_THAT_MATTER)


def test_a_resident_lists_exactly_their_own_cases(any_db: Harness) -> None:
    alice, bob = any_db.add_person(cases=2), any_db.add_person(cases=1)
    response = any_db.client.get("/v1/me/cases", headers=any_db.bearer(any_db.resident_token(alice)))
    assert response.status_code == 200
    listed = [case["reference"] for case in response.json()["cases"]]
    assert sorted(listed) == sorted(alice.references)
    assert not set(listed) & set(bob.references)


def test_a_resident_reads_their_own_case_with_its_history(any_db: Harness) -> None:
    alice = any_db.add_person(cases=1)
    reference = alice.references[0]
    response = any_db.client.get(
        f"/v1/cases/{reference}", headers=any_db.bearer(any_db.resident_token(alice))
    )
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == reference
    assert body["masked"] is True
    assert [entry["status"] for entry in body["status_history"]] == ["received", "in_review"]
    assert body["status"] == body["status_history"][-1]["status"]
    assert body["updated_at"] == body["status_history"][-1]["at"]
    assert set(body["resident"]) == {
        "full_name",
        "national_id",
        "date_of_birth",
        "phone",
        "email",
        "address",
    }


def test_another_residents_case_is_answered_exactly_like_a_missing_one(any_db: Harness) -> None:
    alice, bob = any_db.add_person(), any_db.add_person()
    headers = any_db.bearer(any_db.resident_token(alice))
    not_theirs = any_db.client.get(f"/v1/cases/{bob.references[0]}", headers=headers)
    missing = any_db.client.get(f"/v1/cases/{new_reference()}", headers=headers)
    malformed = any_db.client.get("/v1/cases/not-a-reference", headers=headers)
    assert not_theirs.status_code == 404
    assert _fingerprint(not_theirs) == _fingerprint(missing) == _fingerprint(malformed)


def test_cross_resident_reads_never_disclose_and_are_audited_as_denials(pg: Harness) -> None:
    people = [pg.add_person(cases=2) for _ in range(4)]
    disclosed = 0
    for reader in people:
        headers = pg.bearer(pg.resident_token(reader))
        for owner in people:
            for reference in owner.references:
                response = pg.client.get(f"/v1/cases/{reference}", headers=headers)
                expected = 200 if owner is reader else 404
                assert response.status_code == expected
                disclosed += owner is not reader and response.status_code == 200
    assert disclosed == 0
    with pg.runtime.database.sessions() as session:
        outcomes = session.scalars(select(AuditEvent.outcome)).all()
    assert outcomes.count(AuditOutcome.NOT_OWNER.value) == 4 * 3 * 2
    assert outcomes.count(AuditOutcome.ALLOWED.value) == 4 * 2


def test_an_agent_reads_any_case_masked(pg: Harness) -> None:
    alice = pg.add_person()
    response = pg.client.get(f"/v1/cases/{alice.references[1]}", headers=pg.bearer(pg.agent_token()))
    assert response.status_code == 200
    assert response.json()["masked"] is True
    assert alice.record.national_id not in response.text


def test_one_of_my_own_cases_is_for_residents_only_and_denials_are_audited(pg: Harness) -> None:
    """`/v1/me/cases/{reference}` (the resident chat's lookup): the owner reads it, another resident
    gets the plain 404, staff get 403 even where `/v1/cases/{reference}` lets them read it."""
    alice, bob = pg.add_person(cases=1), pg.add_person(cases=1)
    mine = f"/v1/me/cases/{alice.references[0]}"
    own = pg.client.get(mine, headers=pg.bearer(pg.resident_token(alice)))
    assert own.status_code == 200 and own.json()["reference"] == alice.references[0]
    assert own.json()["masked"] is True
    not_theirs = pg.client.get(mine, headers=pg.bearer(pg.resident_token(bob)))
    missing = pg.client.get(f"/v1/me/cases/{new_reference()}", headers=pg.bearer(pg.resident_token(bob)))
    assert not_theirs.status_code == 404
    assert _fingerprint(not_theirs) == _fingerprint(missing)
    agent = pg.bearer(pg.agent_token())
    assert pg.client.get(mine, headers=agent).status_code == 403
    assert pg.client.get(f"/v1/cases/{alice.references[0]}", headers=agent).status_code == 200
    with pg.runtime.database.sessions() as session:
        forbidden = session.scalars(
            select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.FORBIDDEN.value)
        ).all()
    assert len(forbidden) == 1


def test_tokens_whose_role_does_not_fit_the_account_or_the_endpoint_are_forbidden(
    pg: Harness,
) -> None:
    alice = pg.add_person()
    case = f"/v1/cases/{alice.references[0]}"
    refusals = {
        "agent role, no staff account": (case, pg.token(alice.subject, Role.AGENT)),
        "supervisor role, agent account": (case, pg.token(pg.AGENT, Role.SUPERVISOR)),
        "unknown role": ("/v1/me/cases", pg.token(alice.subject, "admin")),
        "editor role (not served here)": (case, pg.token(pg.AGENT, Role.EDITOR)),
        "editor listing own cases": ("/v1/me/cases", pg.token(alice.subject, Role.EDITOR)),
        "two roles": ("/v1/me/cases", pg.token(alice.subject, ["resident", "agent"])),
        "staff listing own cases": ("/v1/me/cases", pg.agent_token()),
    }
    answers = {
        name: pg.client.get(url, headers=pg.bearer(token)).status_code
        for name, (url, token) in refusals.items()
    }
    assert answers == dict.fromkeys(refusals, 403)


ODD_REFERENCES = [
    "MB-0000-0000-0000",
    "mb 0000 0000 0000 0",
    "x" * 5000,
    "' OR 1=1 --",
    "%00",
    "\x00MB",
    "MB-\u00c4\u00d6\u00dc\u00df-0000-0000-0",
    "MB-UUUU-UUUU-UUUU-U",
    "\u202eMB-0000",
    "{reference}",
]


def test_odd_references_get_the_plain_404_never_a_500(pg: Harness) -> None:
    alice = pg.add_person(cases=1)
    headers = pg.bearer(pg.resident_token(alice))
    missing = _fingerprint(pg.client.get(f"/v1/cases/{new_reference()}", headers=headers))
    answers = {
        reference[:20]: _fingerprint(pg.client.get(f"/v1/cases/{quote(reference, safe='')}", headers=headers))
        for reference in ODD_REFERENCES
    }
    assert {ref: answer for ref, answer in answers.items() if answer != missing} == {}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=80).filter(lambda s: "/" not in s and s not in {".", ".."}))
def test_any_reference_text_gets_the_plain_404(lite: Harness, text: str) -> None:
    headers = lite.bearer(lite.token("nobody-in-particular", Role.RESIDENT))
    odd = lite.client.get(f"/v1/cases/{quote(text, safe='')}", headers=headers)
    missing = lite.client.get(f"/v1/cases/{new_reference()}", headers=headers)
    assert _fingerprint(odd) == _fingerprint(missing)


def test_references_are_case_and_hyphen_insensitive_for_the_owner(pg: Harness) -> None:
    alice = pg.add_person(cases=1)
    sloppy = alice.references[0].lower().replace("-", " ")
    response = pg.client.get(f"/v1/cases/{quote(sloppy)}", headers=pg.bearer(pg.resident_token(alice)))
    assert response.status_code == 200
    assert response.json()["reference"] == alice.references[0]


BAD_UNMASK_BODIES = [
    b"not json",
    b"{}",
    b'{"reason": 42}',
    b'{"reason": null}',
    b"[]",
    b'{"reason": "' + b"x" * 5000 + b'"}',
]


def test_unmask_with_a_bad_body_is_a_422_without_echo(pg: Harness) -> None:
    alice = pg.add_person(cases=1)
    headers = {**pg.bearer(pg.supervisor_token()), "Content-Type": "application/json"}
    for body in BAD_UNMASK_BODIES:
        response = pg.client.post(f"/v1/cases/{alice.references[0]}/unmask", content=body, headers=headers)
        assert (response.status_code, response.json()["error"]) == (422, "invalid_request"), body
        assert "xxxxxxxx" not in response.text


def test_only_an_active_supervisor_has_the_unmask_body_checked(lite: Harness) -> None:
    """Authorisation comes before the body: a resident, an agent, or an agent whose token claims to be a
    supervisor gets the audited 403 whatever it sends, and no token is a 401; what a valid body holds is
    told to supervisors only."""
    person = lite.add_person(cases=1)
    url = f"/v1/cases/{person.references[0]}/unmask"
    valid = b'{"category": "resident_request", "reason": "Resident called (ticket INC-20931) about it."}'
    bodies = [*BAD_UNMASK_BODIES, b'{"reason": "x"}', b'{"category": "curiosity", "reason": "x"}', b"", valid]
    json_kind = {"Content-Type": "application/json"}
    others = (lite.resident_token(person), lite.agent_token(), lite.token(lite.AGENT, Role.SUPERVISOR))
    for token in others:
        for body in bodies:
            response = lite.client.post(url, content=body, headers={**lite.bearer(token), **json_kind})
            assert (response.status_code, response.json()["error"]) == (403, "forbidden"), body
    for body in bodies:
        response = lite.client.post(url, content=body, headers=json_kind)
        assert (response.status_code, response.json()["error"]) == (401, "unauthenticated"), body
    with lite.runtime.database.sessions() as session:
        denials = session.scalars(select(AuditEvent.outcome).where(AuditEvent.action == "unmask_case")).all()
    assert denials == [AuditOutcome.FORBIDDEN.value] * (len(others) * len(bodies))
    supervisor = {**lite.bearer(lite.supervisor_token()), **json_kind}
    weak = lite.client.post(url, content=b'{"reason": "x"}', headers=supervisor)
    assert (weak.status_code, weak.json()["error"]) == (422, "invalid_request")
    assert lite.client.post(url, content=valid, headers=supervisor).status_code == 200


def test_the_unmask_body_stays_documented(lite: Harness) -> None:
    """The route reads its body itself (after the role check); the OpenAPI document still describes it."""
    document = lite.client.get("/openapi.json").json()
    components = document["components"]["schemas"]
    body = document["paths"]["/v1/cases/{reference}/unmask"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = components[schema["$ref"].removeprefix("#/components/schemas/")]
    assert body["required"] is True
    assert sorted(schema["required"]) == ["category", "reason"]
    category = schema["properties"]["category"]["$ref"].removeprefix("#/components/schemas/")
    assert components[category]["enum"] == [c.value for c in UnmaskCategory]


def test_health_reports_database_and_limit_storage(pg: Harness) -> None:
    response = pg.client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "rate_limit_storage": "redis",
        "rate_limit_ok": True,
    }


def test_the_openapi_document_describes_every_endpoint(lite: Harness) -> None:
    paths = lite.client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/me/cases",
        "/v1/cases/{reference}",
        "/v1/cases/{reference}/unmask",
        "/v1/health",
    } <= set(paths)
    assert {"/dev/token", "/.well-known/jwks.json"} <= set(paths)
    assert "404" in paths["/v1/cases/{reference}"]["get"]["responses"]
    assert "429" in paths["/v1/cases/{reference}"]["get"]["responses"]


def test_every_response_forbids_caching(lite: Harness) -> None:
    alice = lite.add_person(cases=1)
    response = lite.client.get(
        f"/v1/cases/{alice.references[0]}", headers=lite.bearer(lite.resident_token(alice))
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_oversized_headers_and_bodies_are_refused_before_they_are_read(lite: Harness) -> None:
    assert lite.client.get("/v1/health", headers={"X-Big": "b" * (64 * 1024)}).status_code == 431
    response = lite.client.post("/dev/token", content=b"x" * (32 * 1024))
    assert response.status_code == 413 and response.json()["error"] == "body_too_large"
