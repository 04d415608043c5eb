"""Retrievers: one class ranks by one store (dense: FAISS over embedded chunks; lexical:
BM25), the hybrid fuses the two rankings; over a Milvus store, Milvus does all three."""
from __future__ import annotations

from typing import Protocol

import numpy as np

from index.collection import Collection, in_canonical_order
from index.embedder import Embedder
from index.filters import ArticleFilter
from index.milvus_store import Hit, MilvusCollection

from .fusion import RRF_K, fuse_rankings
from .results import Passage

RETRIEVAL_MODES = ("hybrid", "dense", "lexical")
# Each ranking fed to the fusion is deeper than the final cut, so that a chunk
# ranked well by only one retriever can still make it.
FUSION_DEPTH_FACTOR = 4
# Stores are asked for this many times k rows, so that chunks tied on score at the cut are
# all seen and ordered by (doc_id, start): the same order whatever the row layout.
TIE_DEPTH_FACTOR = 2


# A filter keeping at most this many rows is searched exactly, over those rows' vectors: as
# fast as the index there (a few ms), and exact whatever the index type.
EXACT_FILTERED_ROWS = 50_000


class Retriever(Protocol):
    def retrieve(self, query: str, k: int, article_filter: ArticleFilter | None = None) -> list[Passage]:
        """The k most relevant passages, best first; with a filter, from the articles it keeps."""


class TextSearch(Protocol):
    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row ids of the k best rows for a query text, best first."""


class EmbeddedSearch:
    """The dense store searched by a query text: the text is embedded first."""

    def __init__(self, collection: Collection, embedder: Embedder):
        self.collection = collection
        self.store = collection.dense
        self.embedder = embedder

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        vector = self.embedder.encode([query])[0]
        if allowed is None or len(allowed) > EXACT_FILTERED_ROWS:
            return self.store.search(vector, k, allowed)
        scores = np.asarray(self.collection.vectors[allowed], dtype=np.float32) @ vector
        best = np.argsort(-scores, kind="stable")[:k]
        return scores[best], allowed[best]


class StoreRetriever:
    """Ranks the collection's chunks by one store; `kind` ("dense" or "lexical") says which
    component score a passage carries."""

    def __init__(self, collection: Collection, store: TextSearch, kind: str):
        self.collection = collection
        self.store = store
        self.kind = kind

    def scored_rows(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        scores, ids = self.store.search(query, k * TIE_DEPTH_FACTOR, allowed)
        return in_canonical_order(list(zip(ids.tolist(), scores.tolist())), self.collection.chunks.__getitem__, k)

    def retrieve(self, query: str, k: int, article_filter: ArticleFilter | None = None) -> list[Passage]:
        allowed = self.collection.rows_kept(article_filter)
        return [_passage(self.collection, row, score, rank, **{self.kind: score})
                for rank, (row, score) in enumerate(self.scored_rows(query, k, allowed), start=1)]


class HybridRetriever:
    """Reciprocal rank fusion of the dense and lexical rankings."""

    def __init__(self, dense: StoreRetriever, lexical: StoreRetriever):
        self.collection = dense.collection
        self.dense = dense
        self.lexical = lexical

    def retrieve(self, query: str, k: int, article_filter: ArticleFilter | None = None) -> list[Passage]:
        allowed = self.collection.rows_kept(article_filter)
        depth = k * FUSION_DEPTH_FACTOR
        dense = dict(self.dense.scored_rows(query, depth, allowed))
        lexical = dict(self.lexical.scored_rows(query, depth, allowed))
        fused = fuse_rankings([list(dense), list(lexical)])[:k]
        return [_passage(self.collection, row, score, rank, dense=dense.get(row), lexical=lexical.get(row))
                for rank, (row, score) in enumerate(fused, start=1)]


class MilvusRetriever:
    """Ranks the chunks of a Milvus store in Milvus: the dense and BM25 searches, or its
    hybrid search (reciprocal rank fusion with our k, each ranking as deep as ours)."""

    def __init__(self, collection: MilvusCollection, embedder: Embedder, mode: str):
        self.collection = collection
        self.embedder = embedder
        self.mode = mode

    def retrieve(self, query: str, k: int, article_filter: ArticleFilter | None = None) -> list[Passage]:
        store, deeper = self.collection, k * TIE_DEPTH_FACTOR
        if self.mode == "lexical":
            return self._passages(store.search_lexical(query, deeper, article_filter), k, "lexical")
        vector = self.embedder.encode([query])[0]
        if self.mode == "dense":
            return self._passages(store.search_dense(vector, deeper, article_filter), k, "dense")
        hits = store.search_hybrid(vector, query, k, k * FUSION_DEPTH_FACTOR, RRF_K, article_filter)
        return self._passages(hits, k, None)

    def _passages(self, hits: list[Hit], k: int, kind: str | None) -> list[Passage]:
        ranked = in_canonical_order([(hit, hit.score) for hit in hits], lambda hit: hit.chunk, k)
        passages = []
        for rank, (hit, score) in enumerate(ranked, start=1):
            components = {f"{kind}_score": score} if kind else {}
            passages.append(Passage(hit.chunk, hit.title, float(score), rank, date=hit.date, source=hit.source,
                                    **components))
        return passages


def make_retriever(mode: str, collection: Collection | MilvusCollection, embedder: Embedder) -> Retriever:
    """The retriever for `mode` (one of RETRIEVAL_MODES) over the collection."""
    if isinstance(collection, MilvusCollection):
        return MilvusRetriever(collection, embedder, mode)
    dense = StoreRetriever(collection, EmbeddedSearch(collection, embedder), "dense")
    lexical = StoreRetriever(collection, collection.lexical, "lexical")
    return {"dense": dense, "lexical": lexical}.get(mode) or HybridRetriever(dense, lexical)


def _passage(collection: Collection, row: int, score: float, rank: int,
             dense: float | None = None, lexical: float | None = None) -> Passage:
    chunk = collection.chunks[row]
    document = collection.documents[chunk.doc_id]
    return Passage(chunk, document.title, float(score), rank, dense, lexical, document.meta.get("date"),
                   document.meta.get("source"))
