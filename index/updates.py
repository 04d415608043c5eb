"""What an indexing run changes, whatever the store: only new or changed documents are
chunked and embedded (plan_update); each store's writer applies the plan."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from .chunker import ChunkerSettings
from .documents import Chunk, Document
from .embedder import Embedder
from .errors import EmptyCollectionError
from .manifest import content_hash

PROGRESS_BAR_MIN_CHUNKS = 64
PROGRESS_LINE_EVERY_S = 5.0
EMBED_BATCH_CHUNKS = 512
PROGRESS_BATCH_CHUNKS = 32


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
    `old` is any Store (its documents, entries and chunking are read)."""
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

    reusable = old is not None and (old.built_with.max_tokens, old.built_with.overlap_tokens) == (
        settings.max_tokens, settings.overlap_tokens)
    report = UpdateReport()
    if old is not None:
        report.removed = sorted(set(old.documents) - set(wanted))
    hashes = {}
    for doc in wanted.values():
        hashes[doc.id] = digest = content_hash(doc)
        previous = old.entries.get(doc.id) if old is not None else None
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
    for doc_id, entry in old.entries.items():
        source = entry.source.rsplit(":", 1)[0] if ".jsonl:" in entry.source else entry.source  # FILE:LINE
        if doc_id in stems or Path(source).resolve() in files:
            found.append(doc_id)
    return found

