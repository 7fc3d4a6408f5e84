"""MetadataStore: the vector cache written in bulk, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from knowledge_base.store import MetadataStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[MetadataStore]:  # type: ignore[no-untyped-def]
    url = (
        request.getfixturevalue("postgres_url")
        if request.param == "postgres"
        else f"sqlite:///{tmp_path}/kb.db"
    )
    opened = MetadataStore(url)
    opened.migrate()
    yield opened
    opened.close()


def test_vectors_already_cached_or_repeated_in_a_call_are_stored_once(store: MetadataStore) -> None:
    rng = np.random.default_rng(7)
    first = rng.standard_normal((3, 4)).astype(np.float32)
    store.store_vectors("m", ["a", "b", "a"], first)  # "a" twice in one call
    second = rng.standard_normal((2, 4)).astype(np.float32)
    store.store_vectors("m", ["b", "c"], second)  # "b" already cached: kept as it was
    found = store.cached_vectors("m", ["a", "b", "c", "d"])
    assert sorted(found) == ["a", "b", "c"]
    assert np.array_equal(found["b"], first[1]) and np.array_equal(found["c"], second[1])
    assert store.known_hashes("m", ["a", "c", "d"]) == {"a", "c"}
    assert store.known_hashes("other-model", ["a"]) == set()
