"""Writes a FAISS store: a new generation of the index folder per run, under its writer's lock."""
from __future__ import annotations

import errno
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..chunker import ChunkerSettings, SentenceChunker
from ..dense import DEFAULT_FACTORY
from ..documents import Chunk, Document
from ..embedder import Embedder
from ..errors import NoSpaceError
from ..manifest import DocumentEntry, Manifest
from ..storage import current_generation, writer_lock
from ..updates import UpdateReport, fill_vectors, plan_update
from .faiss_store import FaissStore


class FaissWriter:
    """Brings the index folder `root` up to date with a set of documents.

    embedder: embeds chunk texts and counts their tokens for the chunker.
    settings: chunk size and overlap, in the embedder's tokens.
    faiss_factory: FAISS factory string for the dense index.
    """

    def __init__(self, root: Path, embedder: Embedder, settings: ChunkerSettings | None = None,
                 faiss_factory: str = DEFAULT_FACTORY, show_progress: bool = False):
        self.root = Path(root)
        self.embedder = embedder
        self.settings = settings or ChunkerSettings()
        self.faiss_factory = faiss_factory
        self.show_progress = show_progress
        self.chunker = SentenceChunker(embedder.count_tokens, self.settings)

    def update(self, documents: list[Document], *, remove_missing: bool = True,
               remove: Iterable[str] = (), rebuild: bool = False, wait: bool = True,
               say: Callable[[str], None] = lambda _: None, unreadable: Iterable[Path] = (),
               rename_clashes: bool = False) -> tuple[FaissStore, UpdateReport]:
        """Index `documents` into the folder.

        remove_missing: drop indexed documents that are not in `documents` (a sync);
            False adds and replaces only.
        remove: ids of indexed documents to drop (read under the lock, so a deletion never
            undoes what another run added meanwhile).
        rebuild: ignore the existing index (needed to switch embedders).
        wait: when another run is writing to `root`, wait for it (saying so) rather than
            fail with IndexBusyError. The old index is read under the same lock as the new
            one is written, so no run's articles are lost to another's.
        unreadable: files that exist but could not be read this time; a sync keeps the
            documents indexed from them before (a file being rewritten is not a deletion).
        rename_clashes: a document whose id is already indexed is added under the first free
            `id-2`, `id-3`... instead of replacing it, checked against the index as it is
            under the lock (whoever wrote it).
        Nothing on disk changes unless the whole new index is written.
        """
        with writer_lock(self.root, wait=wait, say=say):
            return self._update(self.root, documents, remove_missing, set(remove), rebuild,
                                [Path(p) for p in unreadable], rename_clashes, say)

    def _update(self, root: Path, documents: list[Document], remove_missing: bool, remove: set[str],
                rebuild: bool, unreadable: list[Path], rename_clashes: bool,
                say: Callable[[str], None]) -> tuple[FaissStore, UpdateReport]:
        old = None
        if not rebuild and current_generation(root) is not None:
            old = FaissStore.load(root, self.embedder.name, self.embedder.backend)
        plan = plan_update(old, documents, self.settings, remove_missing=remove_missing, remove=remove,
                           unreadable=unreadable, rename_clashes=rename_clashes, say=say)
        report = plan.report
        old_rows: dict[str, list[int]] = {}
        for row, chunk in enumerate(old.chunks if old is not None else []):
            old_rows.setdefault(chunk.doc_id, []).append(row)
        chunks: list[Chunk] = []
        rows: list[np.ndarray | None] = []
        entries: dict[str, DocumentEntry] = {}
        for doc in plan.wanted.values():
            if doc.id in plan.unchanged:
                indices = old_rows.get(doc.id, [])
                chunks.extend(old.chunks[i] for i in indices)
                rows.extend(old.vectors[i] for i in indices)
                n = len(indices)
            else:
                doc_chunks = self.chunker.chunk(doc)
                chunks.extend(doc_chunks)
                rows.extend([None] * len(doc_chunks))
                n = len(doc_chunks)
            entries[doc.id] = DocumentEntry(plan.hashes[doc.id], doc.source, doc.title, n)

        needed = estimated_bytes(chunks, self.embedder.dimension)
        require_free_space(root, needed)
        vectors = fill_vectors(self.embedder, chunks, rows, say, self.show_progress)
        report.embedded_chunks = sum(r is None for r in rows)
        report.total_chunks = len(chunks)
        manifest = Manifest(
            embedder=self.embedder.name,
            dimension=int(vectors.shape[1]),
            max_tokens=self.settings.max_tokens,
            overlap_tokens=self.settings.overlap_tokens,
            faiss_factory=self.faiss_factory,
            documents=entries,
            embedder_backend=self.embedder.backend,
        )
        if old is not None and not (report.added or report.changed or report.removed) \
                and old.manifest == manifest:
            return old, report
        store = FaissStore.assemble(manifest, plan.wanted, chunks, vectors)
        try:
            store.save(root)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            raise NoSpaceError(f"the disk holding {root} filled up while the index was written (about "
                               f"{_mb(needed)} needed); the index is as it was: free some space or choose "
                               "another --index-dir") from None
        return store, report


def estimated_bytes(chunks: list[Chunk], dimension: int) -> int:
    """About what a generation of these chunks takes on disk: the vectors twice (the matrix and
    the FAISS index), the text three times (documents, chunks, the lexical index)."""
    return len(chunks) * dimension * 4 * 2 + sum(len(c.text.encode()) for c in chunks) * 3


def require_free_space(root: Path, needed: int) -> None:
    """NoSpaceError before any embedding when the disk cannot hold a new generation."""
    free = shutil.disk_usage(root).free
    if free < needed:
        raise NoSpaceError(f"not enough free space for the index in {root}: about {_mb(needed)} needed, "
                           f"{_mb(free)} free; free some space or choose another --index-dir")


def _mb(size: int) -> str:
    return f"{max(size, 1) / 1e6:,.1f} MB"
