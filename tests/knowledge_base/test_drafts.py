"""Drafts: a version built from the working set that is not served until published; publishing and
rolling back to any kept version move the CURRENT pointer; future effective dates are left out."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge_base.drafts import PinnedVersions
from knowledge_base.errors import DraftStateError, NoDraftError, VersionNotFoundError
from knowledge_base.kb import KnowledgeBase
from knowledge_base.retriever import Retriever
from knowledge_base.snapshot import served_documents
from tests.knowledge_base.test_kb import KEY, LIBRARY, PARKING, doc

TODAY = date(2026, 12, 2)
FERRY = doc("ferry", "The harbour ferry runs every twenty minutes from the pier.", department="Transport")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def kb(request: pytest.FixtureRequest, make_kb) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    if request.param == "postgres":
        return make_kb(request.getfixturevalue("postgres_url"))  # type: ignore[no-any-return]
    return make_kb()  # type: ignore[no-any-return]


def _served(kb: KnowledgeBase) -> set[str]:
    current = kb.versions.current()
    return set(served_documents(kb.versions.versions_dir / current)) if current else set()


def test_a_draft_is_built_but_not_served_until_published(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    published = kb.publish(TODAY)
    kb.save(*FERRY, KEY)
    draft = kb.build_draft("editor-1", TODAY)
    assert draft.state == "open" and draft.base_version == published.name
    assert kb.versions.current() == published.name and _served(kb) == {"parking"}
    assert set(served_documents(kb.versions.versions_dir / draft.version)) == {"parking", "ferry"}
    pinned = Retriever(PinnedVersions(kb.root, draft.version), kb.embedder)
    assert [r.document_id for r in pinned.retrieve("harbour ferry pier", k=1)] == ["ferry"]
    served = kb.retriever()
    assert "ferry" not in {r.document_id for r in served.retrieve("harbour ferry pier", k=3)}

    kb.serve(draft.version)
    assert _served(kb) == {"parking", "ferry"}


def test_rebuilding_replaces_the_open_drafts_version_and_reopens_it(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    first = kb.build_draft("editor-1", TODAY)
    kb.drafts.move(("open",), "submitted", "editor-1", "please look")
    kb.save(*LIBRARY, KEY)
    second = kb.build_draft("editor-2", TODAY)
    assert second.id == first.id and second.version != first.version and second.state == "open"
    with pytest.raises(DraftStateError):
        kb.drafts.move(("submitted",), "published", "supervisor-1")


def test_moving_without_a_draft_is_a_clear_error(kb: KnowledgeBase) -> None:
    with pytest.raises(NoDraftError):
        kb.drafts.move(("open",), "submitted", "editor-1")
    with pytest.raises(VersionNotFoundError, match="v000009"):
        kb.serve("v000009")


def test_roll_back_to_any_kept_version_older_or_newer(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    v1 = kb.publish(TODAY)
    kb.save(*LIBRARY, KEY)
    v2 = kb.publish(TODAY)
    kb.save(*FERRY, KEY)
    v3 = kb.publish(TODAY)
    kb.serve(v1.name)
    assert kb.versions.current() == v1.name and _served(kb) == {"parking"}
    kb.serve(v3.name)
    assert _served(kb) == {"parking", "library", "ferry"}
    kb.serve(v2.name)
    assert _served(kb) == {"parking", "library"}


def test_a_future_effective_date_is_not_served_before_the_date(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    later = doc("ferry", "The harbour ferry runs every twenty minutes.", effective_date=date(2027, 1, 1))
    kb.save(*later, KEY)
    kb.publish(TODAY)
    assert _served(kb) == {"parking"}
    assert kb.deferred(TODAY) == [("ferry", date(2027, 1, 1))]
    kb.publish(date(2027, 1, 1))
    assert _served(kb) == {"parking", "ferry"} and kb.deferred(date(2027, 1, 1)) == []


def test_documents_past_their_review_by_date_are_listed(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    kb.save(*LIBRARY, KEY)
    assert kb.store.set_review_by("parking", date(2026, 11, 30))
    assert kb.store.set_review_by("library", date(2026, 12, 31))
    assert not kb.store.set_review_by("nope", TODAY)
    assert [(i, d) for i, _, d in kb.store.review_due(TODAY)] == [("parking", date(2026, 11, 30))]
