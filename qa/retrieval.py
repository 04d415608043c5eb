"""Retrieval: a query's best passages from any store, by one of three rankings (dense
vectors, BM25, or the two fused by reciprocal rank fusion)."""
from __future__ import annotations

from typing import Protocol

from index.embedder import Embedder
from index.filters import ArticleFilter
from index.stores import Store
from index.stores.fusion import RRF_K

from .results import Passage

RETRIEVAL_MODES = ("hybrid", "dense", "lexical")
# Each ranking fed to the fusion is deeper than the final cut, so that a chunk
# ranked well by only one retriever can still make it.
FUSION_DEPTH_FACTOR = 4


class Retriever(Protocol):
    def retrieve(self, query: str, k: int, article_filter: ArticleFilter | None = None) -> list[Passage]:
        """The k most relevant passages, best first; with a filter, from the articles it keeps."""


class StoreRetriever:
    """Ranks a store's chunks by `mode` (one of RETRIEVAL_MODES)."""

    def __init__(self, store: Store, embedder: Embedder, mode: str):
        self.store = store
        self.embedder = embedder
        self.mode = mode

    def retrieve(self, query: str, k: int, article_filter: ArticleFilter | None = None) -> list[Passage]:
        if self.mode == "lexical":
            hits = self.store.search_lexical(query, k, article_filter)
        else:
            vector = self.embedder.encode([query])[0]
            if self.mode == "dense":
                hits = self.store.search_dense(vector, k, article_filter)
            else:
                hits = self.store.search_hybrid(vector, query, k, k * FUSION_DEPTH_FACTOR, RRF_K, article_filter)
        documents = self.store.documents
        return [Passage(hit.chunk, hit.title, hit.score, rank, date=hit.date, source=hit.source,
                        url=_url(documents.get(hit.chunk.doc_id)))
                for rank, hit in enumerate(hits, start=1)]


def _url(document) -> str | None:
    return document.meta.get("url") if document is not None else None


def make_retriever(mode: str, store: Store, embedder: Embedder) -> Retriever:
    return StoreRetriever(store, embedder, mode)
