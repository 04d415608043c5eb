"""Where a Milvus store lives: an address (its Location)."""
from __future__ import annotations

from dataclasses import dataclass

from ..chunker import ChunkerSettings
from ..embedder import Embedder
from ..errors import IndexFormatError
from .base import Say
from .milvus_indexer import MilvusIndexer
from .milvus_store import MilvusAddress, MilvusStore, connect, count_rows, read_settings


@dataclass(frozen=True)
class MilvusLocation:
    address: MilvusAddress

    @property
    def kind(self) -> str:
        return self.address.kind

    def __str__(self) -> str:
        return str(self.address)

    def open(self, embedder_name: str | None = None, backend: str | None = None, say: Say = lambda _: None) -> MilvusStore:
        store = MilvusStore.open(self.address, embedder_name, backend)
        if store.half_written:
            say(f"warning: {len(store.half_written)} article(s) in {self} were being written when an indexing run "
                f"stopped ({', '.join(store.half_written[:3])}); run python -m qa index again with "
                f"--store {self} to finish them")
        return store

    def built_with(self) -> str | None:
        settings = read_settings(connect(self.address), self.address)
        return settings.embedder_backend if settings is not None else None

    def current_version(self) -> str | None:
        return None  # searches go to Milvus as it is now: no versions to follow

    def writer(self, embedder: Embedder, chunking: ChunkerSettings, faiss_factory: str, show_progress: bool = False):
        return MilvusIndexer(embedder, self.address, chunking, show_progress)

    def check_writable(self) -> None:
        """Milvus says what it refuses when written to."""

    def verify(self) -> str:
        store = MilvusStore.open(self.address)
        if store.half_written:
            raise IndexFormatError(f"{len(store.half_written)} article(s) in {self} were left half-written "
                                   f"({', '.join(store.half_written[:3])}); run python -m qa index again to finish them")
        rows, expected = count_rows(store.client, self.address.chunks), sum(e.chunks for e in store.entries.values())
        if rows != expected:
            raise IndexFormatError(f"the Milvus store {self} holds {rows} chunks where its articles list {expected}; "
                                   "rebuild it with --rebuild")
        return f"the Milvus store {self}: {len(store.documents)} articles, {rows} chunks, each article complete"
