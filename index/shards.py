"""A collection split into N shards, each an ordinary index folder built on its own (in
parallel processes here, on separate machines at scale), searched by fan-out.

Layout: ROOT/shard-000/, ROOT/shard-001/, ... each a complete index (manifest, generations,
lock) holding the documents whose id hashes to it. Dense scores are comparable across shards
as they are (cosine). BM25 scores are not, since they depend on collection statistics
(document count, document frequencies, average length): after the shards are built, each
shard's BM25 is rebuilt with the statistics of the whole collection, so that a shard scores
a chunk exactly as a single index of everything would. Fan-out search then merges the shards'
rankings by score, and the hybrid fusion runs on the merged rankings, which gives the same
passages as the single index.
"""
from __future__ import annotations

import hashlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .chunker import ChunkerSettings
from .collection import Collection, in_canonical_order
from .dense import DEFAULT_FACTORY
from .documents import Document
from .embedder import DEFAULT_BACKEND
from .errors import ConfigError, IndexNotFoundError
from .lexical import LexicalStore, tokenize

SHARD_PREFIX = "shard-"


def shard_of(doc_id: str, shards: int) -> int:
    """The shard a document belongs to: stable across runs and machines."""
    return int.from_bytes(hashlib.sha1(doc_id.encode("utf-8")).digest()[:8], "big") % shards


def shard_folders(root: Path) -> list[Path]:
    folders = sorted(p for p in Path(root).glob(SHARD_PREFIX + "*") if p.is_dir())
    if not folders:
        raise IndexNotFoundError(f"no shards in {root}; build them with build_shards()")
    return folders


@dataclass(frozen=True)
class ShardJob:
    folder: Path
    documents: list[Document]
    embedder: str
    settings: ChunkerSettings
    faiss_factory: str
    backend: str


def _index_shard(job: ShardJob) -> int:
    """Runs in a worker process: chunk, embed and save one shard. Returns its chunk count."""
    from .embedder import make_embedder
    from .indexer import Indexer

    indexer = Indexer(make_embedder(job.embedder, job.backend), job.settings, job.faiss_factory)
    collection, _ = indexer.update(job.folder, job.documents, rebuild=True)
    return len(collection.chunks)


def build_shards(root: Path, documents: Sequence[Document], shards: int, *, embedder: str,
                 settings: ChunkerSettings = ChunkerSettings(), faiss_factory: str = DEFAULT_FACTORY,
                 processes: int = 1, backend: str = DEFAULT_BACKEND) -> list[Path]:
    """Split `documents` into `shards` index folders under `root`, build them in `processes`
    worker processes, then give every shard's BM25 the whole collection's statistics."""
    if shards < 1:
        raise ConfigError(f"the number of shards must be at least 1, got {shards}")
    groups: list[list[Document]] = [[] for _ in range(shards)]
    for document in documents:
        groups[shard_of(document.id, shards)].append(document)
    if any(not group for group in groups):
        raise ConfigError(f"{len(documents)} documents leave some of {shards} shards empty; use fewer shards")
    folders = [Path(root) / f"{SHARD_PREFIX}{i:03d}" for i in range(shards)]
    jobs = [ShardJob(folder, group, embedder, settings, faiss_factory, backend) for folder, group in zip(folders, groups)]
    if processes > 1:
        # spawn: a forked child of a process that already ran torch can hang in its thread pool
        with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(_index_shard, jobs))
    else:
        for job in jobs:
            _index_shard(job)
    share_lexical_statistics(folders, embedder)
    return folders


def share_lexical_statistics(folders: Sequence[Path], embedder: str) -> None:
    """Rebuild each shard's BM25 with the statistics of all shards together (a new generation
    of each shard; vectors and chunks are kept as they are)."""
    collections = [Collection.load(folder, embedder) for folder in folders]
    tokens = [tokenize([c.text for c in collection.chunks]) for collection in collections]
    statistics = CollectionStatistics.of([doc for shard in tokens for doc in shard])
    for folder, collection, shard_tokens in zip(folders, collections, tokens):
        collection.lexical = LexicalStore.build_tokenized(shard_tokens, statistics)
        collection.save(folder)


@dataclass(frozen=True)
class CollectionStatistics:
    """What BM25 needs of the whole collection: document count, average length (in tokens,
    computed as a single index computes it) and the number of documents holding each token."""

    documents: int
    average_length: float
    document_frequency: dict[str, int]

    @classmethod
    def of(cls, tokenized: Sequence[Sequence[str]]) -> "CollectionStatistics":
        frequency: dict[str, int] = {}
        for doc in tokenized:
            for token in set(doc):
                frequency[token] = frequency.get(token, 0) + 1
        average = float(np.array([len(doc) for doc in tokenized]).mean()) if tokenized else 0.0
        return cls(len(tokenized), average, frequency)


class ShardedCollection:
    """The shards of one collection, opened together; search fans out to each."""

    def __init__(self, shards: list[Collection]):
        self.shards = shards
        self.documents = {doc_id: doc for shard in shards for doc_id, doc in shard.documents.items()}

    @classmethod
    def load(cls, root: Path, embedder_name: str | None = None) -> "ShardedCollection":
        return cls([Collection.load(folder, embedder_name) for folder in shard_folders(root)])

    def dense_search(self, query_vector: np.ndarray, k: int, depth: int | None = None
                     ) -> list[tuple[tuple[int, int], float]]:
        """((shard, row), score) of the k best chunks over all shards, best first; each shard
        is asked for its `depth` (>= k) best, and ties are ordered by (doc_id, start)."""
        return self._merged(lambda shard: shard.dense.search(query_vector, depth or k), k)

    def lexical_search(self, query: str, k: int, depth: int | None = None) -> list[tuple[tuple[int, int], float]]:
        return self._merged(lambda shard: shard.lexical.search(query, depth or k), k)

    def _merged(self, search, k: int) -> list[tuple[tuple[int, int], float]]:
        hits = []
        for number, shard in enumerate(self.shards):
            scores, rows = search(shard)
            hits.extend(((number, int(row)), float(score)) for row, score in zip(rows, scores))
        return in_canonical_order(hits, self.chunk, k)

    def chunk(self, key: tuple[int, int]):
        shard, row = key
        return self.shards[shard].chunks[row]

