"""The default store: an index folder of generations (index/storage.py), each holding the
articles, their chunks, the vectors, a FAISS index over them and a BM25 index (bm25s).

Row i of `vectors`, of the dense index and of the lexical index is `chunks[i]`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import numpy as np

from ..dense import DenseStore
from ..documents import Chunk, Document
from ..errors import EmbedderMismatchError, IndexFormatError, IndexNotFoundError
from ..filters import ArticleFilter
from ..jsonl import read_json_lines, write_json_lines
from ..lexical import LexicalStore
from ..manifest import FORMAT_VERSION, DocumentEntry, Manifest
from ..storage import current_generation, damaged, new_generation, verify_generation
from .base import Hit, in_canonical_order
from .fusion import fuse_rankings

FAISS_STORE = "faiss"
_MANIFEST = "manifest.json"
_DOCUMENTS = "documents.jsonl"
_CHUNKS = "chunks.jsonl"
_VECTORS = "vectors.npy"
_FAISS = "dense.faiss"
_BM25 = "bm25"
READ_ATTEMPTS = 5
# Stores are asked for this many times k rows, so that chunks tied on score at the cut are
# all seen and put in canonical order.
TIE_DEPTH_FACTOR = 2
# A filter keeping at most this many rows is searched exactly, over those rows' vectors: as
# fast as the index there (a few ms), and exact whatever the index type.
EXACT_FILTERED_ROWS = 50_000
T = TypeVar("T")


@dataclass
class FaissStore:
    manifest: Manifest
    documents: dict[str, Document]
    chunks: list[Chunk]
    vectors: np.ndarray
    dense: DenseStore
    lexical: LexicalStore
    generation: str | None = None  # the gen-NNNNNN folder it was read from or saved as
    kind = FAISS_STORE

    @classmethod
    def assemble(cls, manifest: Manifest, documents: dict[str, Document], chunks: list[Chunk],
                 vectors: np.ndarray) -> FaissStore:
        """Build the search indexes for the given rows."""
        return cls(
            manifest, documents, chunks, vectors,
            DenseStore.build(vectors, manifest.faiss_factory),
            LexicalStore.build([c.text for c in chunks]),
        )

    @property
    def built_with(self) -> Manifest:
        return self.manifest

    @property
    def entries(self) -> dict[str, DocumentEntry]:
        return self.manifest.documents

    @cached_property
    def row_documents(self) -> np.ndarray:
        """For each row, the position of its document in `documents`."""
        position = {doc_id: n for n, doc_id in enumerate(self.documents)}
        return np.array([position[c.doc_id] for c in self.chunks], dtype=np.int64)

    def rows_kept(self, article_filter: ArticleFilter | None) -> np.ndarray | None:
        """The rows whose article the filter keeps (None: no filter, every row)."""
        if article_filter is None:
            return None
        kept = np.array([article_filter.keeps(dict(d.meta)) for d in self.documents.values()], dtype=bool)
        return np.flatnonzero(kept[self.row_documents]).astype(np.int64) if len(kept) else np.zeros(0, dtype=np.int64)

    def search_dense(self, vector: np.ndarray, k: int, article_filter: ArticleFilter | None = None) -> list[Hit]:
        allowed, deeper = self.rows_kept(article_filter), k * TIE_DEPTH_FACTOR
        if allowed is None or len(allowed) > EXACT_FILTERED_ROWS:
            scores, rows = self.dense.search(vector, deeper, allowed)
        else:
            exact = np.asarray(self.vectors[allowed], dtype=np.float32) @ vector
            best = np.argsort(-exact, kind="stable")[:deeper]
            scores, rows = exact[best], allowed[best]
        return in_canonical_order(self._hits(rows, scores), k)

    def search_lexical(self, query: str, k: int, article_filter: ArticleFilter | None = None) -> list[Hit]:
        scores, rows = self.lexical.search(query, k * TIE_DEPTH_FACTOR, self.rows_kept(article_filter))
        return in_canonical_order(self._hits(rows, scores), k)

    def search_hybrid(self, vector: np.ndarray, query: str, k: int, depth: int, rrf_k: int,
                      article_filter: ArticleFilter | None = None) -> list[Hit]:
        dense = self.search_dense(vector, depth, article_filter)
        lexical = self.search_lexical(query, depth, article_filter)
        by_chunk = {hit.chunk: hit for hit in dense + lexical}
        fused = fuse_rankings([[h.chunk for h in dense], [h.chunk for h in lexical]], rrf_k)[:k]
        hits = []
        for chunk, score in fused:
            hit = by_chunk[chunk]
            hits.append(Hit(chunk, score, hit.title, hit.date, hit.source))
        return hits

    def _hits(self, rows: np.ndarray, scores: np.ndarray) -> list[Hit]:
        hits = []
        for row, score in zip(rows.tolist(), scores.tolist()):
            chunk = self.chunks[row]
            document = self.documents[chunk.doc_id]
            hits.append(Hit(chunk, float(score), document.title, document.meta.get("date"),
                            document.meta.get("source")))
        return hits

    def save(self, root: Path) -> None:
        """Write a new generation atomically; the previous one stays valid until the switch.
        The caller holds the folder's writer lock."""
        with new_generation(root) as folder:
            (folder / _MANIFEST).write_text(self.manifest.to_json(), encoding="utf-8")
            write_json_lines(folder / _DOCUMENTS, (
                {"id": d.id, "title": d.title, "text": d.text, "source": d.source, "meta": dict(d.meta)}
                for d in self.documents.values()
            ))
            write_json_lines(folder / _CHUNKS, ({"doc_id": c.doc_id, "start": c.start, "end": c.end} for c in self.chunks))
            np.save(folder / _VECTORS, self.vectors)
            self.dense.save(folder / _FAISS)
            (folder / _BM25).mkdir()
            if self.chunks:
                self.lexical.save(folder / _BM25)
        self.generation = current_generation(root).name

    @classmethod
    def load(cls, root: Path, embedder_name: str | None = None, backend: str | None = None) -> FaissStore:
        """The index in force in `root` (see read_current)."""
        return read_current(root, lambda folder, manifest: cls.from_generation(
            root, folder, manifest, embedder_name, backend))

    @classmethod
    def from_generation(cls, root: Path, folder: Path, manifest: Manifest, embedder_name: str | None = None,
                        backend: str | None = None) -> FaissStore:
        """The store in generation `folder` of `root`, whose manifest was read by
        open_generation. With `embedder_name` (and `backend`), refuse an index built with
        another embedder (or backend: their vectors differ slightly)."""
        verify_generation(root, folder)
        if embedder_name is not None and embedder_name != manifest.embedder:
            raise EmbedderMismatchError(
                f"the index in {root} was built with embedder '{manifest.embedder}' "
                f"(dimension {manifest.dimension}), not '{embedder_name}'. Rebuild it with: "
                f"python -m qa index PATH... --index-dir {root} --embedder {embedder_name} --rebuild"
            )
        if backend is not None and backend != manifest.embedder_backend:
            raise EmbedderMismatchError(
                f"the index in {root} was built with the '{manifest.embedder_backend}' embedder backend, "
                f"not '{backend}'. Use --embedder-backend auto (it follows the index), or rebuild it with: "
                f"python -m qa index PATH... --index-dir {root} --embedder-backend {backend} --rebuild"
            )
        try:
            documents = {}
            for row in read_json_lines(folder / _DOCUMENTS):
                documents[row["id"]] = Document(row["id"], row["title"], row["text"], row["source"], row["meta"])
            chunks = [
                Chunk(r["doc_id"], r["start"], r["end"], documents[r["doc_id"]].text[r["start"]:r["end"]])
                for r in read_json_lines(folder / _CHUNKS)
            ]
            # Memory-mapped: only the rows a re-index reuses are ever read (search uses FAISS).
            vectors = np.load(folder / _VECTORS, mmap_mode="r")
            dense = DenseStore.load(folder / _FAISS)
            lexical = LexicalStore.load(folder / _BM25, len(chunks)) if chunks else LexicalStore.build([])
        except (OSError, KeyError, ValueError, RuntimeError, IndexError, TypeError) as exc:
            raise damaged(root, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
        return cls(manifest, documents, chunks, vectors, dense, lexical, folder.name)


def read_current(root: Path, read: Callable[[Path, Manifest], T]) -> T:
    """read(folder, manifest) of the generation in force. When it fails because a writer
    replaced that generation meanwhile (and removed it), it is read again from the new one:
    an index is reported damaged only when the generation CURRENT still names is."""
    for attempt in range(READ_ATTEMPTS):
        folder, manifest = None, None
        try:
            folder, manifest = open_generation(root)
            return read(folder, manifest)
        except IndexFormatError:
            try:
                moved_on = folder is None or current_generation(root) != folder
            except IndexFormatError:
                moved_on = False
            if attempt + 1 == READ_ATTEMPTS or not moved_on:
                raise
    raise AssertionError("unreachable")


def open_generation(root: Path) -> tuple[Path, Manifest]:
    """The generation in force in `root` and its manifest, each read once: every later read
    of the index goes to this folder, whatever CURRENT says by then."""
    folder = current_generation(root)
    if folder is None:
        raise IndexNotFoundError(
            f"no index in {root}; build one with: python -m qa index PATH... --index-dir {root}"
        )
    try:
        manifest = Manifest.from_json((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError) as exc:
        raise IndexFormatError(f"cannot read the manifest of the index in {root} ({exc})") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise IndexFormatError(
            f"the index in {root} has format version {manifest.format_version}, this version reads "
            f"{FORMAT_VERSION}; rebuild it with: python -m qa index PATH... --index-dir {root} --rebuild"
        )
    return folder, manifest
