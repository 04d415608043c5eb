"""Retrieval: a query's best passages from any store, by one of three rankings (dense
vectors, BM25, or the two fused by reciprocal rank fusion)."""
from __future__ import annotations

import re
from dataclasses import replace
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
# A run of capitalised words in a query is a name; the words a sentence or question opens
# with are not part of it.
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
_OPENING_WORDS = {"who", "what", "when", "where", "why", "how", "which", "whose", "whom", "did", "does", "do", "is",
                  "are", "was", "were", "the", "a", "an", "in", "on", "at", "of", "for", "to", "by", "from", "and",
                  "or", "according", "tell", "name", "list", "show", "find", "i"}


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


def names_in(query: str) -> list[str]:
    """The names a query mentions, as typed: "Wu Jincheng" in "what did Wu Jincheng say"."""
    names = []
    for run in _CAPITALISED_RUN.finditer(query):
        words = run.group().rstrip(".").split()
        while words and words[0].lower() in _OPENING_WORDS:
            words.pop(0)
        if words:
            names.append(" ".join(words))
    return names


def searched_names(query: str) -> list[str]:
    """The names of a query that is names and nothing else ("Wu Jincheng", "Who is Wu
    Jincheng?"); [] for any other query."""
    rest = _CAPITALISED_RUN.sub(" ", query)
    if any(word.lower() not in _OPENING_WORDS for word in re.findall(r"\w+", rest)):
        return []
    return names_in(query)


def is_name_search(query: str) -> bool:
    return bool(searched_names(query))


def names_first(names: list[str], passages: list[Passage], k: int) -> list[Passage]:
    """The k best passages, those that contain every one of `names` verbatim before the rest
    (each group in the retriever's order): a reader looking for a person or a place wants the
    passages that name them first. Only for name searches (`searched_names`): applied to
    questions, it cost recall@1 on the question sets (benchmarks/names_first.py)."""
    named = [all(name in p.chunk.text for name in names) for p in passages]
    passages = [p for p, has in zip(passages, named) if has] + [p for p, has in zip(passages, named) if not has]
    return [replace(p, rank=rank) for rank, p in enumerate(passages[:k], start=1)]
