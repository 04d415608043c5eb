"""Retrieval: one store-backed retriever per store, their fusion, and a stable order of ties."""
import numpy as np
import pytest

from index.collection import Collection
from qa.retrieval import FUSION_DEPTH_FACTOR, HybridRetriever, StoreRetriever, make_retriever


@pytest.fixture(scope="module")
def collection(built_index, embedder):
    return Collection.load(built_index, embedder.name, embedder.backend)


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_each_mode_ranks_the_right_article_first_with_ranks_and_falling_scores(collection, embedder, mode):
    passages = make_retriever(mode, collection, embedder).retrieve("Who won the Lindholm Chess Open?", 3)
    assert passages[0].doc_id == "chess"
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    for p in passages:
        assert collection.documents[p.doc_id].text[p.chunk.start:p.chunk.end] == p.chunk.text


def test_a_store_retriever_carries_only_its_own_component_score(collection, embedder):
    dense = make_retriever("dense", collection, embedder).retrieve("apple harvest", 2)
    lexical = make_retriever("lexical", collection, embedder).retrieve("apple harvest", 2)
    assert all(p.dense_score == p.score and p.lexical_score is None for p in dense)
    assert all(p.lexical_score == p.score and p.dense_score is None for p in lexical)


def test_lexical_search_finds_nothing_for_words_no_article_has(collection, embedder):
    assert make_retriever("lexical", collection, embedder).retrieve("zeppelin quasar", 5) == []


class FixedScores:
    """A store that scores every row the same, listing rows in a given order."""

    def __init__(self, rows):
        self.rows = rows

    def search(self, query, k, allowed=None):
        rows = self.rows[:k]
        return np.ones(len(rows), dtype=np.float32), np.array(rows, dtype=np.int64)


def test_ties_are_ordered_by_article_and_offset_whatever_order_the_store_gives(collection):
    rows = list(range(len(collection.chunks)))
    forward = StoreRetriever(collection, FixedScores(rows), "dense").retrieve("q", len(rows))
    backward = StoreRetriever(collection, FixedScores(rows[::-1]), "dense").retrieve("q", len(rows))
    order = [(p.doc_id, p.chunk.start) for p in forward]
    assert order == sorted(order) == [(p.doc_id, p.chunk.start) for p in backward]


def test_hybrid_fuses_by_reciprocal_rank_over_deeper_rankings(collection, embedder):
    hybrid = make_retriever("hybrid", collection, embedder)
    assert isinstance(hybrid, HybridRetriever)
    query = "packing plant in Redford"
    dense = hybrid.dense.scored_rows(query, 2 * FUSION_DEPTH_FACTOR)
    lexical = hybrid.lexical.scored_rows(query, 2 * FUSION_DEPTH_FACTOR)
    best = hybrid.retrieve(query, 2)[0]
    row = collection.chunks.index(best.chunk)
    ranks = [next((i for i, (r, _) in enumerate(ranking, start=1) if r == row), None) for ranking in (dense, lexical)]
    assert best.score == pytest.approx(sum(1 / (60 + r) for r in ranks if r is not None))
    assert best.doc_id == "orchard" and best.dense_score is not None and best.lexical_score is not None
