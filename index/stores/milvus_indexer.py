"""Incremental indexing into a Milvus store: the same plan as the FAISS indexer (only new or
changed articles are chunked and embedded), written as deletes and inserts by article."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from ..chunker import ChunkerSettings, SentenceChunker
from ..documents import Chunk, Document
from ..embedder import Embedder
from ..errors import IndexNotFoundError
from ..manifest import DocumentEntry
from ..updates import UpdateReport, fill_vectors, plan_update
from .milvus_store import MilvusAddress, MilvusStore, StoreSettings, connect
from .milvus_writer import MilvusWriter


class MilvusIndexer:
    """Brings the Milvus store at `address` up to date with a set of documents (see
    Indexer.update for the options). Order of writes, so that a run stopped anywhere is
    found and finished by the next: the changed and removed articles are marked PENDING;
    their old chunks are deleted; the new chunks are inserted; then each article gets its
    real hash (or, removed, its row goes)."""

    def __init__(self, embedder: Embedder, address: MilvusAddress, settings: ChunkerSettings | None = None,
                 show_progress: bool = False):
        self.embedder = embedder
        self.address = address
        self.settings = settings or ChunkerSettings()
        self.show_progress = show_progress
        self.chunker = SentenceChunker(embedder.count_tokens, self.settings)

    def update(self, documents: list[Document], *, remove_missing: bool = True, remove: Iterable[str] = (),
               rebuild: bool = False, wait: bool = True, say: Callable[[str], None] = lambda _: None,
               unreadable: Iterable[Path] = (), rename_clashes: bool = False,
               ) -> tuple[MilvusStore, UpdateReport]:
        client = connect(self.address)
        old = None
        if not rebuild:
            try:
                old = MilvusStore.open(self.address, self.embedder.name, self.embedder.backend, client=client)
            except IndexNotFoundError:
                old = None
        plan = plan_update(old, documents, self.settings, remove_missing=remove_missing, remove=set(remove),
                           unreadable=[Path(p) for p in unreadable], rename_clashes=rename_clashes, say=say)
        report = plan.report
        if old is not None and old.half_written:
            # Their hash is PENDING, which no content hashes to: the plan has them as changed
            # (or removed), so their chunks are deleted and written again.
            say(f"finishing {len(old.half_written)} article(s) an earlier indexing run left half-written: "
                + ", ".join(old.half_written[:5]) + (" …" if len(old.half_written) > 5 else ""))

        writer = MilvusWriter(client, self.address)
        settings = old.settings if old is not None else StoreSettings(
            self.embedder.name, self.embedder.backend, self.embedder.dimension,
            self.settings.max_tokens, self.settings.overlap_tokens)
        if old is None:
            writer.create(settings, replace=True)
        elif (settings.max_tokens, settings.overlap_tokens) != (self.settings.max_tokens, self.settings.overlap_tokens):
            settings = replace(settings, max_tokens=self.settings.max_tokens,
                               overlap_tokens=self.settings.overlap_tokens)
        old_entries = old.entries if old is not None else {}
        to_write = [doc for doc in plan.wanted.values() if doc.id not in plan.unchanged]
        removed = [old.documents[doc_id] for doc_id in report.removed] if old is not None else []

        writer.mark_pending(to_write + removed, old_entries)
        writer.remove_chunks([d.id for d in to_write if d.id in old_entries] + [d.id for d in removed])
        chunks: list[Chunk] = [chunk for doc in to_write for chunk in self.chunker.chunk(doc)]
        vectors = fill_vectors(self.embedder, chunks, [None] * len(chunks), say, self.show_progress)
        writer.insert_chunks(plan.wanted, chunks, vectors)
        counts: dict[str, int] = {}
        for chunk in chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        writer.finish([(doc, plan.hashes[doc.id], counts.get(doc.id, 0)) for doc in to_write])
        writer.remove_documents([d.id for d in removed])
        # the store as it now is, from what this run knows: no second read of every article
        entries = {doc.id: old_entries[doc.id] if doc.id in plan.unchanged else
                   DocumentEntry(plan.hashes[doc.id], doc.source, doc.title, counts.get(doc.id, 0))
                   for doc in plan.wanted.values()}
        total = sum(entry.chunks for entry in entries.values())
        settings = writer.set_index_type(settings, total)  # writes the settings, whichever index it keeps
        writer.flush()
        report.embedded_chunks = len(chunks)
        report.total_chunks = total
        return MilvusStore(self.address, client, settings, dict(plan.wanted), entries), report
