"""Term statistics: which document covers which question terms, weighted by rarity."""

from __future__ import annotations

import pytest

from knowledge_base.termstats import TermStats


@pytest.fixture
def stats() -> TermStats:
    return TermStats(
        {
            "dogs": ["licenc", "dog", "fee", "renew"],
            "parking": ["permit", "park", "fee", "renew"],
            "library": ["card", "book", "fee"],
        }
    )


def test_a_term_is_covered_by_its_own_forms_and_close_spellings(stats: TermStats) -> None:
    assert stats.covered("renewal", "dogs")  # "renew" starts it and is most of it
    assert stats.covered("licence", "dogs") and not stats.covered("licence", "parking")
    assert not stats.covered("passport")


def test_the_covered_share_weighs_rare_terms_more(stats: TermStats) -> None:
    # "fee" is in every document (low IDF), "dog" in one (high IDF)
    assert stats.covered_share(["fee", "dog"], "dogs") == pytest.approx(1.0)
    only_fee = stats.covered_share(["fee", "dog"], "library")
    assert 0.0 < only_fee < 0.5
    assert only_fee == pytest.approx(stats.idf("fee") / (stats.idf("fee") + stats.idf("dog")))
    assert stats.covered_share(["dog"]) == pytest.approx(1.0)  # some document uses it
    assert stats.covered_share([], "dogs") == 0.0
