"""The one interface every store keeps, whatever holds the chunks.

A Location is where a store lives (a FAISS index folder, a Milvus address): it opens the
store there (never writing) and makes the writer that brings it up to date. A Store is an
opened one: the articles, and the three searches over their chunks. Each search returns
the k best Hits in one canonical order (score, then doc_id and start), so that equal scores
come back alike from every store and row layout.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..chunker import ChunkerSettings
from ..documents import Chunk, Document
from ..embedder import Embedder
from ..filters import ArticleFilter
from ..manifest import DocumentEntry

Say = Callable[[str], None]


@dataclass
class Hit:
    """A chunk a search found, with what a passage shows of its article."""

    chunk: Chunk
    score: float
    title: str
    date: str | None = None
    source: str | None = None


class BuiltWith(Protocol):
    """What a store's vectors and chunks were made with (a FAISS manifest, Milvus settings)."""

    embedder: str
    embedder_backend: str
    dimension: int
    max_tokens: int
    overlap_tokens: int


class Store(Protocol):
    kind: str  # "faiss", "milvus-lite" or "milvus-server": what a user may be told
    documents: dict[str, Document]
    entries: dict[str, DocumentEntry]
    generation: str | None  # the version opened, for stores that keep versions

    @property
    def built_with(self) -> BuiltWith: ...

    def search_dense(self, vector: np.ndarray, k: int, article_filter: ArticleFilter | None = None) -> list[Hit]: ...

    def search_lexical(self, query: str, k: int, article_filter: ArticleFilter | None = None) -> list[Hit]: ...

    def search_hybrid(self, vector: np.ndarray, query: str, k: int, depth: int, rrf_k: int,
                      article_filter: ArticleFilter | None = None) -> list[Hit]:
        """Reciprocal rank fusion (constant rrf_k) of the dense and lexical rankings, each
        `depth` deep."""


class StoreWriter(Protocol):
    def update(self, documents: list[Document], *, remove_missing: bool = True, remove: Iterable[str] = (),
               rebuild: bool = False, wait: bool = True, say: Say = lambda _: None,
               unreadable: Iterable[Path] = (), rename_clashes: bool = False) -> tuple[Store, object]:
        """Bring the store up to date with `documents` (index.indexer.plan_update says how);
        returns the store as written and an UpdateReport."""


class Location(Protocol):
    kind: str

    def open(self, embedder_name: str | None = None, backend: str | None = None, say: Say = lambda _: None) -> Store:
        """The store here; with `embedder_name` (and `backend`), one built by another
        embedder is refused. Reads only."""

    def built_with(self) -> str | None:
        """The embedder backend of the store here, or None when there is none (or it is damaged)."""

    def current_version(self) -> str | None:
        """The version a fresh open would read (None: a store without versions)."""

    def writer(self, embedder: Embedder, chunking: ChunkerSettings, faiss_factory: str,
               show_progress: bool = False) -> StoreWriter: ...

    def check_writable(self) -> None: ...

    def verify(self) -> str:
        """Check the whole store, however long it takes (`qa verify`); what was checked, or
        IndexFormatError saying what is wrong."""


def in_canonical_order(hits: list[Hit], k: int) -> list[Hit]:
    """The k best hits, equal scores ordered by their chunk's (doc_id, start): the same order
    whatever the row layout."""
    return sorted(hits, key=lambda hit: (-hit.score, hit.chunk.doc_id, hit.chunk.start))[:k]
