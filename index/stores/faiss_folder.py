"""Where a FAISS store lives: an index folder (its Location)."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from ..chunker import ChunkerSettings
from ..embedder import Embedder
from ..errors import UserError
from ..storage import check_writable, current_generation, verify_generation
from .base import Say
from .faiss_store import FAISS_STORE, FaissStore, open_generation
from .faiss_writer import FaissWriter


@dataclass(frozen=True)
class FaissFolder:
    """The Location of a FAISS store: its index folder."""

    root: Path
    kind = FAISS_STORE

    def __str__(self) -> str:
        return str(self.root)

    def open(self, embedder_name: str | None = None, backend: str | None = None, say: Say = lambda _: None) -> FaissStore:
        return FaissStore.load(self.root, embedder_name, backend)

    def built_with(self) -> str | None:
        with contextlib.suppress(UserError):  # none yet, or damaged (indexing says what is wrong)
            return open_generation(self.root)[1].embedder_backend
        return None

    def current_version(self) -> str | None:
        try:
            folder = current_generation(self.root)
        except UserError:
            return None  # damaged on disk: whoever holds it open keeps what it has
        return folder.name if folder is not None else None

    def writer(self, embedder: Embedder, chunking: ChunkerSettings, faiss_factory: str, show_progress: bool = False):
        return FaissWriter(self.root, embedder, chunking, faiss_factory, show_progress)

    def check_writable(self) -> None:
        check_writable(self.root)

    def verify(self) -> str:
        folder, _ = open_generation(self.root)
        hashed = verify_generation(self.root, folder, full=True)
        store = FaissStore.load(self.root)
        return (f"{folder.name} of {self.root}: every file matches its checksum ({hashed / 1e6:,.1f} MB read); "
                f"{len(store.documents)} articles, {len(store.chunks)} chunks")
