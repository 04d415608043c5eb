import pytest

from index.stores.fusion import fuse_rankings


def test_rrf_scores_by_hand():
    fused = dict(fuse_rankings([["a", "b"], ["b", "c"]], k=60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["c"] == pytest.approx(1 / 62)


def test_item_in_both_rankings_beats_items_in_one():
    assert fuse_rankings([["a", "b"], ["c", "b"]])[0][0] == "b"


def test_single_ranking_keeps_order():
    assert [item for item, _ in fuse_rankings([["x", "y", "z"]])] == ["x", "y", "z"]
