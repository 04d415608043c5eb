"""Incremental (re)indexing: only new or changed documents are chunked and embedded."""
from __future__ import annotations

import errno
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from .chunker import ChunkerSettings, SentenceChunker
from .collection import Collection
from .dense import DEFAULT_FACTORY
from .documents import Chunk, Document
from .embedder import Embedder
from .errors import EmptyCollectionError, UserError
from .manifest import DocumentEntry, Manifest, content_hash
from .storage import current_generation, writer_lock

PROGRESS_BAR_MIN_CHUNKS = 64
PROGRESS_LINE_EVERY_S = 5.0
EMBED_BATCH_CHUNKS = 512
PROGRESS_BATCH_CHUNKS = 32


class NoSpaceError(UserError):
    """The disk cannot hold the index being written."""


@dataclass
class UpdateReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    embedded_chunks: int = 0
    total_chunks: int = 0

    @property
    def documents(self) -> int:
        return len(self.added) + len(self.changed) + len(self.unchanged)

    def summary(self) -> str:
        return (
            f"{self.documents} documents, {self.total_chunks} chunks "
            f"({len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged; {self.embedded_chunks} chunks embedded)"
        )


class Indexer:
    """Brings the index in `root` up to date with a set of documents.

    embedder: embeds chunk texts and counts their tokens for the chunker.
    settings: chunk size and overlap, in the embedder's tokens.
    faiss_factory: FAISS factory string for the dense store.
    """

    def __init__(self, embedder: Embedder, settings: ChunkerSettings | None = None,
                 faiss_factory: str = DEFAULT_FACTORY, show_progress: bool = False):
        self.embedder = embedder
        self.settings = settings or ChunkerSettings()
        self.faiss_factory = faiss_factory
        self.show_progress = show_progress
        self.chunker = SentenceChunker(embedder.count_tokens, self.settings)

    def update(self, root: Path, documents: list[Document], *, remove_missing: bool = True,
               remove: Iterable[str] = (), rebuild: bool = False, wait: bool = True,
               say: Callable[[str], None] = lambda _: None, unreadable: Iterable[Path] = (),
               rename_clashes: bool = False) -> tuple[Collection, UpdateReport]:
        """Index `documents` into `root`.

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
        with writer_lock(Path(root), wait=wait, say=say):
            return self._update(Path(root), documents, remove_missing, set(remove), rebuild,
                                [Path(p) for p in unreadable], rename_clashes, say)

    def _update(self, root: Path, documents: list[Document], remove_missing: bool, remove: set[str],
                rebuild: bool, unreadable: list[Path], rename_clashes: bool,
                say: Callable[[str], None]) -> tuple[Collection, UpdateReport]:
        old = None
        if not rebuild and current_generation(root) is not None:
            old = Collection.load(root, self.embedder.name, self.embedder.backend)
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
        collection = Collection.assemble(manifest, plan.wanted, chunks, vectors)
        try:
            collection.save(root)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            raise NoSpaceError(f"the disk holding {root} filled up while the index was written (about "
                               f"{_mb(needed)} needed); the index is as it was: free some space or choose "
                               "another --index-dir") from None
        return collection, report


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


def fill_vectors(embedder: Embedder, chunks: list[Chunk], rows: list[np.ndarray | None],
                 say: Callable[[str], None], show_progress: bool = False) -> np.ndarray:
    """One matrix of every chunk's vector: reused rows copied, missing ones embedded in
    batches of EMBED_BATCH_CHUNKS written straight into it, so memory stays at the
    matrix plus one batch however large the collection, with one progress bar."""
    missing = [i for i, row in enumerate(rows) if row is None]
    # Batches of similar lengths waste less padding; the rows are written back by index.
    missing.sort(key=lambda i: len(chunks[i].text))
    if not rows:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    if not missing:
        return np.stack(rows).astype(np.float32)
    dimension = embedder.dimension
    vectors = np.zeros((len(rows), dimension), dtype=np.float32)
    for i, row in enumerate(rows):
        if row is not None:
            vectors[i] = row
    progress = None
    if show_progress and len(missing) >= PROGRESS_BAR_MIN_CHUNKS:
        from tqdm import tqdm

        progress = tqdm(total=len(missing), unit="chunk", desc="embedding")
    last_line = time.monotonic()
    # With a progress bar to move (the web page follows it), batches are small enough that
    # it advances every few seconds; the embedders batch internally either way.
    step = PROGRESS_BATCH_CHUNKS if progress is not None else EMBED_BATCH_CHUNKS
    if getattr(embedder, "distributed", False):
        step = len(missing)  # one job for the cluster, which splits it into EMBED_BATCH_CHUNKS itself
    for lo in range(0, len(missing), step):
        batch = missing[lo:lo + step]
        vectors[batch] = embedder.encode([chunks[i].text for i in batch])
        if progress is not None:
            progress.update(len(batch))
        elif time.monotonic() - last_line >= PROGRESS_LINE_EVERY_S and lo + len(batch) < len(missing):
            # no terminal for a bar (a log file, a service): a plain line now and then
            done = lo + len(batch)
            say(f"embedding: {done:,} of {len(missing):,} chunks ({done / len(missing):.0%})")
            last_line = time.monotonic()
    if progress is not None:
        progress.close()
    return vectors


@dataclass
class UpdatePlan:
    """What an indexing run does, whatever the store: `wanted` is the collection to be, `hashes`
    its documents' content hashes, and `unchanged` the ids whose chunks and vectors stay."""

    wanted: dict[str, Document]
    hashes: dict[str, str]
    report: UpdateReport

    @cached_property
    def unchanged(self) -> set[str]:
        return set(self.report.unchanged)


def plan_update(old, documents: list[Document], settings: ChunkerSettings, *, remove_missing: bool,
                remove: set[str], unreadable: list[Path], rename_clashes: bool,
                say: Callable[[str], None]) -> UpdatePlan:
    """Compare `documents` with the `old` collection (None: a new index), see Indexer.update.
    `old` needs `documents` and `manifest` only, so any store's collection will do."""
    if rename_clashes and old is not None:
        documents = renamed_clear_of(documents, set(old.documents), say)
    wanted = {d.id: d for d in documents}
    if old is not None and remove_missing and unreadable:
        for doc_id in kept_from_unreadable(old, unreadable):
            if doc_id not in wanted:
                wanted[doc_id] = old.documents[doc_id]
                say(f"kept the indexed copy of '{doc_id}': its file could not be read this time")
    if old is not None and not remove_missing:
        wanted = {**old.documents, **wanted}
    wanted = {doc_id: doc for doc_id, doc in wanted.items() if doc_id not in remove}
    if not wanted:
        raise EmptyCollectionError("no documents to index: nothing readable was found")

    reusable = old is not None and (old.manifest.max_tokens, old.manifest.overlap_tokens) == (
        settings.max_tokens, settings.overlap_tokens)
    report = UpdateReport()
    if old is not None:
        report.removed = sorted(set(old.documents) - set(wanted))
    hashes = {}
    for doc in wanted.values():
        hashes[doc.id] = digest = content_hash(doc)
        previous = old.manifest.documents.get(doc.id) if old is not None else None
        if reusable and previous is not None and previous.hash == digest:
            report.unchanged.append(doc.id)
        else:
            (report.changed if previous is not None else report.added).append(doc.id)
    return UpdatePlan(wanted, hashes, report)


def renamed_clear_of(documents: list[Document], taken: set[str], say: Callable[[str], None]) -> list[Document]:
    """The documents, each whose id is taken renamed to the first free `id-2`, `id-3` ..."""
    taken = set(taken)
    kept = []
    for document in documents:
        if document.id in taken:
            number = 2
            while f"{document.id}-{number}" in taken:
                number += 1
            new_id = f"{document.id}-{number}"
            say(f"{Path(document.source).name}: an article '{document.id}' is already indexed, "
                f"so this one was added as '{new_id}' (nothing was replaced)")
            document = replace(document, id=new_id)
        taken.add(document.id)
        kept.append(document)
    return kept


def kept_from_unreadable(old, unreadable: list[Path]) -> list[str]:
    """Ids of indexed documents that came from these files (a .jsonl file's lines included)."""
    files = {p.resolve() for p in unreadable}
    stems = {p.stem for p in unreadable if p.suffix.lower() != ".jsonl"}
    found = []
    for doc_id, entry in old.manifest.documents.items():
        source = entry.source.rsplit(":", 1)[0] if ".jsonl:" in entry.source else entry.source  # FILE:LINE
        if doc_id in stems or Path(source).resolve() in files:
            found.append(doc_id)
    return found
