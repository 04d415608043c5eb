"""Retrievers: dense (FAISS), lexical (BM25) and their hybrid fusion."""
from __future__ import annotations

from typing import Protocol

from index.collection import Collection
from index.embedder import Embedder

from .fusion import fuse_rankings
from .results import Passage

# Each ranking fed to the fusion is deeper than the final cut, so that a chunk
# ranked well by only one retriever can still make it.
FUSION_DEPTH_FACTOR = 4


class Retriever(Protocol):
    def retrieve(self, query: str, k: int) -> list[Passage]:
        """The k most relevant passages, best first."""


class DenseRetriever:
    def __init__(self, collection: Collection, embedder: Embedder):
        self.collection = collection
        self.embedder = embedder

    def scored_rows(self, query: str, k: int) -> list[tuple[int, float]]:
        scores, ids = self.collection.dense.search(self.embedder.encode([query])[0], k)
        return list(zip(ids.tolist(), scores.tolist()))

    def retrieve(self, query: str, k: int) -> list[Passage]:
        rows = self.scored_rows(query, k)
        return [_passage(self.collection, row, score, rank, dense=score)
                for rank, (row, score) in enumerate(rows, start=1)]


class LexicalRetriever:
    def __init__(self, collection: Collection):
        self.collection = collection

    def scored_rows(self, query: str, k: int) -> list[tuple[int, float]]:
        scores, ids = self.collection.lexical.search(query, k)
        return list(zip(ids.tolist(), scores.tolist()))

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
