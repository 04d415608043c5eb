"""Retrievers: dense (FAISS), lexical (BM25) and their hybrid fusion."""
from __future__ import annotations

from typing import Protocol

from index.collection import Collection, in_canonical_order
from index.embedder import Embedder

from .fusion import fuse_rankings
from .results import Passage

# Each ranking fed to the fusion is deeper than the final cut, so that a chunk
# ranked well by only one retriever can still make it.
FUSION_DEPTH_FACTOR = 4
# Stores are asked for this many times k rows, so that chunks tied on score at the cut are
# all seen and ordered by (doc_id, start): the same order whatever the row or shard layout.
TIE_DEPTH_FACTOR = 2


class Retriever(Protocol):
    def retrieve(self, query: str, k: int) -> list[Passage]:
        """The k most relevant passages, best first."""


class DenseRetriever:
    def __init__(self, collection: Collection, embedder: Embedder):
        self.collection = collection
        self.embedder = embedder

    def scored_rows(self, query: str, k: int) -> list[tuple[int, float]]:
        scores, ids = self.collection.dense.search(self.embedder.encode([query])[0], k * TIE_DEPTH_FACTOR)
        return in_canonical_order(list(zip(ids.tolist(), scores.tolist())), self.collection.chunks.__getitem__, k)

    def retrieve(self, query: str, k: int) -> list[Passage]:
        rows = self.scored_rows(query, k)
        return [_passage(self.collection, row, score, rank, dense=score)
                for rank, (row, score) in enumerate(rows, start=1)]


class LexicalRetriever:
    def __init__(self, collection: Collection):
        self.collection = collection

    def scored_rows(self, query: str, k: int) -> list[tuple[int, float]]:
        scores, ids = self.collection.lexical.search(query, k * TIE_DEPTH_FACTOR)
        return in_canonical_order(list(zip(ids.tolist(), scores.tolist())), self.collection.chunks.__getitem__, k)

    def retrieve(self, query: str, k: int) -> list[Passage]:
        rows = self.scored_rows(query, k)
        return [_passage(self.collection, row, score, rank, lexical=score)
                for rank, (row, score) in enumerate(rows, start=1)]


class HybridRetriever:
    """Reciprocal rank fusion of dense and lexical rankings."""

    def __init__(self, collection: Collection, embedder: Embedder):
        self.collection = collection
        self.dense = DenseRetriever(collection, embedder)
        self.lexical = LexicalRetriever(collection)

    def retrieve(self, query: str, k: int) -> list[Passage]:
        depth = k * FUSION_DEPTH_FACTOR
        dense = dict(self.dense.scored_rows(query, depth))
        lexical = dict(self.lexical.scored_rows(query, depth))
        fused = fuse_rankings([list(dense), list(lexical)])[:k]
        return [
            _passage(self.collection, row, score, rank, dense=dense.get(row), lexical=lexical.get(row))
            for rank, (row, score) in enumerate(fused, start=1)
        ]


class ShardedRetriever:
    """Fan-out over the shards of a ShardedCollection: each shard's best rows are merged by
    score, then fused as HybridRetriever fuses a single index's rankings (same passages)."""

    def __init__(self, sharded, embedder: Embedder, mode: str = "hybrid"):
        self.sharded = sharded
        self.embedder = embedder
        self.mode = mode

    def retrieve(self, query: str, k: int) -> list[Passage]:
        depth = k * FUSION_DEPTH_FACTOR if self.mode == "hybrid" else k
        deeper = depth * TIE_DEPTH_FACTOR
        dense = dict(self.sharded.dense_search(self.embedder.encode([query])[0], depth, deeper)) \
            if self.mode != "lexical" else {}
        lexical = dict(self.sharded.lexical_search(query, depth, deeper)) if self.mode != "dense" else {}
        if self.mode == "hybrid":
            ranked = fuse_rankings([list(dense), list(lexical)])[:k]
        else:
            ranked = list((dense or lexical).items())[:k]
        passages = []
        for rank, (key, score) in enumerate(ranked, start=1):
            chunk = self.sharded.chunk(key)
            passages.append(Passage(chunk, self.sharded.documents[chunk.doc_id].title, float(score), rank,
                                    dense.get(key), lexical.get(key)))
        return passages


def make_retriever(mode: str, collection: Collection, embedder: Embedder) -> Retriever:
    if mode == "dense":
        return DenseRetriever(collection, embedder)
    if mode == "lexical":
        return LexicalRetriever(collection)
    return HybridRetriever(collection, embedder)


def _passage(collection: Collection, row: int, score: float, rank: int,
             dense: float | None = None, lexical: float | None = None) -> Passage:
    chunk = collection.chunks[row]
    return Passage(chunk, collection.documents[chunk.doc_id].title, float(score), rank, dense, lexical)
