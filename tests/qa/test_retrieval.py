"""Retrieval: one retriever over any store, the store's three searches, their fusion, and a
stable order of ties."""
import numpy as np
import pytest

from index.stores.faiss_store import FaissStore
from index.stores.fusion import RRF_K
from qa.retrieval import FUSION_DEPTH_FACTOR, make_retriever


@pytest.fixture(scope="module")
def collection(built_index, embedder):
    return FaissStore.load(built_index, embedder.name, embedder.backend)


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_each_mode_ranks_the_right_article_first_with_ranks_and_falling_scores(collection, embedder, mode):
    passages = make_retriever(mode, collection, embedder).retrieve("Who won the Lindholm Chess Open?", 3)
    assert passages[0].doc_id == "chess"
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    for p in passages:
        assert collection.documents[p.doc_id].text[p.chunk.start:p.chunk.end] == p.chunk.text


def test_lexical_search_finds_nothing_for_words_no_article_has(collection, embedder):
    assert make_retriever("lexical", collection, embedder).retrieve("zeppelin quasar", 5) == []


class FixedScores:
    """A dense index that scores every row the same, listing rows in a given order."""

    def __init__(self, rows):
        self.rows = rows

    def search(self, query, k, allowed=None):
        rows = self.rows[:k]
        return np.ones(len(rows), dtype=np.float32), np.array(rows, dtype=np.int64)


def test_ties_are_ordered_by_article_and_offset_whatever_order_the_index_gives(collection):
    rows = list(range(len(collection.chunks)))
    vector = np.zeros(collection.vectors.shape[1], dtype=np.float32)
    orders = []
    for given in (rows, rows[::-1]):
        store = FaissStore(collection.manifest, collection.documents, collection.chunks, collection.vectors,
                           FixedScores(given), collection.lexical)
        orders.append([(h.chunk.doc_id, h.chunk.start) for h in store.search_dense(vector, len(rows))])
    assert orders[0] == sorted(orders[0]) == orders[1]


def test_hybrid_fuses_by_reciprocal_rank_over_deeper_rankings(collection, embedder):
    query = "packing plant in Redford"
    depth = 2 * FUSION_DEPTH_FACTOR
    vector = embedder.encode([query])[0]
    dense = [h.chunk for h in collection.search_dense(vector, depth)]
    lexical = [h.chunk for h in collection.search_lexical(query, depth)]
    best = make_retriever("hybrid", collection, embedder).retrieve(query, 2)[0]
    ranks = [ranking.index(best.chunk) + 1 for ranking in (dense, lexical) if best.chunk in ranking]
    assert len(ranks) == 2 and best.doc_id == "orchard"  # both rankings found it
    assert best.score == pytest.approx(sum(1 / (RRF_K + r) for r in ranks))
