"""Hybrid retrieval's fusion of dense and BM25 rankings (pure functions of bot/knowledge/index.py)."""

from __future__ import annotations

import pytest

from bot.knowledge.index import RRF_K, relative_fusion, rrf


def test_rrf_rewards_agreement_between_rankings() -> None:
    assert rrf([["a", "b", "c"], ["b", "c", "a"]]) == ["b", "a", "c"]
    assert rrf([["x"], []]) == ["x"]
    assert rrf([["a", "b"], ["b"]], k=RRF_K) == ["b", "a"]


def test_rrf_scores_are_reciprocal_ranks() -> None:
    # a: 1/(k+1) + 1/(k+5); b: 2/(k+2) — with k=0 a wins (1.2 > 1.0); k=60 damps the top rank and b wins
    rankings = [["a", "b"], ["c", "b", "d", "e", "a"]]
    assert rrf(rankings, k=0)[0] == "a"
    assert rrf(rankings, k=60)[0] == "b"


def _ranked(scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda i: -scores[i])  # stable: ties keep the dense order


def test_relative_fusion_weighs_normalised_scores_by_alpha() -> None:
    cosine = {"a": 0.9, "b": 0.5, "c": 0.1}  # normalised: 1, .5, 0
    bm25 = {"c": 12.0, "b": 2.0}  # normalised: c 1, b 0; a has no lexical hit (0)
    assert _ranked(relative_fusion(cosine, bm25, alpha=1.0)) == ["a", "b", "c"]
    assert _ranked(relative_fusion(cosine, bm25, alpha=0.0)) == ["c", "a", "b"]  # a and b tie at 0: dense order
    assert relative_fusion(cosine, bm25, alpha=0.5) == {"a": 0.5, "b": 0.25, "c": 0.5}


def test_relative_fusion_ranks_only_dense_candidates() -> None:
    assert list(relative_fusion({"a": 0.3}, {"z": 5.0, "a": 1.0}, alpha=0.5)) == ["a"]
    assert relative_fusion({}, {"z": 1.0}, alpha=0.5) == {}


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
def test_equal_scores_do_not_divide_by_zero(alpha: float) -> None:
    assert set(relative_fusion({"a": 0.4, "b": 0.4}, {"a": 3.0, "b": 3.0}, alpha=alpha)) == {"a", "b"}


def test_a_chunk_bm25_cannot_judge_is_not_buried_by_its_lexical_zero() -> None:
    # "en" is the closest chunk but in another language: BM25 finds none of the question's words in it.
    cosine, bm25 = {"en": 0.90, "ru1": 0.86, "ru2": 0.80}, {"ru1": 4.0, "ru2": 2.0}
    assert _ranked(relative_fusion(cosine, bm25, alpha=0.5)) == ["ru1", "en", "ru2"]
    lifted = relative_fusion(cosine, bm25, alpha=0.5, unjudged=frozenset({"en"}), share=0.65)
    assert _ranked(lifted) == ["en", "ru1", "ru2"]
    assert lifted["en"] == 0.5 + 0.5 * 0.65  # its lexical side is a share of its own (top) dense side
    # a lexical match it does have is never lowered by the share
    matched = relative_fusion(cosine, {**bm25, "en": 4.0}, alpha=0.5, unjudged=frozenset({"en"}), share=0.1)
    assert matched["en"] == 1.0
