"""The writes into a Milvus store (see milvus_store.py for its three collections): the
collections' schemas, and each step of an indexing run in an order that leaves any
interruption detectable (milvus_indexer.py runs them)."""
from __future__ import annotations

import numpy as np

from ..documents import Chunk, Document
from ..manifest import DocumentEntry
from .milvus_store import PENDING, MilvusAddress, StoreSettings, ids_expression, index_type_for, literal, search_terms

TEXT_PART_CHARS = 15_000  # 4 bytes per character at most: under the 65,535-byte VARCHAR limit
MAX_ID_BYTES = 1_024
WRITE_BATCH_ROWS = 1_000
HNSW_PARAMS = {"M": 16, "efConstruction": 200}


class MilvusWriter:
    """The writes an indexing run makes, in an order that leaves any interruption detectable."""

    def __init__(self, client, address: MilvusAddress):
        self.client = client
        self.address = address

    def create(self, settings: StoreSettings, replace: bool) -> None:
        """The three collections for `settings` (dropped first when `replace`)."""
        from pymilvus import DataType, Function, FunctionType

        client, address = self.client, self.address
        if replace:
            for name in (address.chunks, address.documents, address.settings):
                if client.has_collection(name):
                    client.drop_collection(name)
        if not client.has_collection(address.chunks):
            schema = client.create_schema(auto_id=False)
            schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=MAX_ID_BYTES + 48)
            schema.add_field("doc_id", DataType.VARCHAR, max_length=MAX_ID_BYTES)
            schema.add_field("start", DataType.INT64)
            schema.add_field("end", DataType.INT64)
            schema.add_field("text", DataType.VARCHAR, max_length=65_535)
            # already our tokens: the standard tokenizer (every server has it) splits them as they are
            schema.add_field("terms", DataType.VARCHAR, max_length=65_535, enable_analyzer=True)
            schema.add_field("title", DataType.VARCHAR, max_length=4_096)
            schema.add_field("date", DataType.VARCHAR, max_length=10, nullable=True)
            schema.add_field("source", DataType.VARCHAR, max_length=1_024, nullable=True)
            schema.add_field("source_key", DataType.VARCHAR, max_length=1_024, nullable=True)
            schema.add_field("dense", DataType.FLOAT_VECTOR, dim=settings.dimension)
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                         input_field_names=["terms"], output_field_names=["sparse"]))
            index = client.prepare_index_params()
            _add_dense_index(index, settings.index_type)
            index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
            client.create_collection(address.chunks, schema=schema, index_params=index, consistency_level="Strong")
        if not client.has_collection(address.documents):
            schema = client.create_schema(auto_id=False)
            schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=MAX_ID_BYTES + 16)
            schema.add_field("doc_id", DataType.VARCHAR, max_length=MAX_ID_BYTES)
            schema.add_field("part", DataType.INT64)
            schema.add_field("title", DataType.VARCHAR, max_length=4_096)
            schema.add_field("source", DataType.VARCHAR, max_length=4_096)
            schema.add_field("meta", DataType.JSON)
            schema.add_field("hash", DataType.VARCHAR, max_length=64)
            schema.add_field("chunks", DataType.INT64)
            schema.add_field("text", DataType.VARCHAR, max_length=65_535)
            schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus needs a vector field
            index = client.prepare_index_params()
            index.add_index("unused", index_type="FLAT", metric_type="L2")
            client.create_collection(address.documents, schema=schema, index_params=index, consistency_level="Strong")
        if not client.has_collection(address.settings):
            schema = client.create_schema(auto_id=False)
            schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=32)
            schema.add_field("value", DataType.VARCHAR, max_length=65_535)
            schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)
            index = client.prepare_index_params()
            index.add_index("unused", index_type="FLAT", metric_type="L2")
            client.create_collection(address.settings, schema=schema, index_params=index, consistency_level="Strong")
        self.write_settings(settings)

    def write_settings(self, settings: StoreSettings) -> None:
        self.client.upsert(self.address.settings, [{"key": "settings", "value": settings.to_json(), "unused": [0.0, 0.0]}])

    def mark_pending(self, documents: list[Document], old_entries: dict[str, DocumentEntry]) -> None:
        """Before any of their chunks change: these articles are unfinished until finish()."""
        self._write_documents([(d, PENDING, old_entries[d.id].chunks if d.id in old_entries else 0) for d in documents])

    def remove_chunks(self, doc_ids: list[str]) -> None:
        for lo in range(0, len(doc_ids), 100):
            self.client.delete(self.address.chunks, filter=ids_expression(doc_ids[lo:lo + 100]))

    def insert_chunks(self, documents: dict[str, Document], chunks: list[Chunk], vectors: np.ndarray) -> None:
        rows = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            document = documents[chunk.doc_id]
            source = str(document.meta["source"]) if document.meta.get("source") else None
            rows.append({
                "id": f"{chunk.start}:{chunk.end}:{chunk.doc_id}", "doc_id": chunk.doc_id, "start": chunk.start,
                "end": chunk.end, "text": chunk.text, "terms": search_terms(chunk.text), "title": document.title,
                "date": document.meta.get("date") or None, "source": source,
                "source_key": source.casefold() if source else None,
                "dense": np.asarray(vector, dtype=np.float32).tolist(),
            })
            if len(rows) == WRITE_BATCH_ROWS:
                self.client.insert(self.address.chunks, rows)
                rows = []
        if rows:
            self.client.insert(self.address.chunks, rows)

    def finish(self, documents: list[tuple[Document, str, int]]) -> None:
        """Articles whose chunks are all in: their real hash and chunk count."""
        self._write_documents(documents)

    def remove_documents(self, doc_ids: list[str]) -> None:
        for lo in range(0, len(doc_ids), 100):
            self.client.delete(self.address.documents, filter=ids_expression(doc_ids[lo:lo + 100]))

    def flush(self) -> None:
        """Seal what was written: Milvus Lite searches rows still in growing segments by brute
        force, ~30x slower (300 ms at 10,000 chunks against 9 ms sealed)."""
        for name in (self.address.chunks, self.address.documents, self.address.settings):
            self.client.flush(name)

    def set_index_type(self, settings: StoreSettings, rows: int) -> StoreSettings:
        """Re-index the vectors when the collection has grown past (or shrunk below) exact search."""
        wanted = index_type_for(rows)
        if wanted == settings.index_type:
            self.write_settings(settings)
            return settings
        client, name = self.client, self.address.chunks
        client.release_collection(name)
        client.drop_index(name, "dense")
        index = client.prepare_index_params()
        _add_dense_index(index, wanted)
        client.create_index(name, index)
        client.load_collection(name)
        settings = StoreSettings(**{**settings.__dict__, "index_type": wanted})
        self.write_settings(settings)
        return settings

    def _write_documents(self, documents: list[tuple[Document, str, int]]) -> None:
        rows = []
        stale = []
        for document, digest, chunks in documents:
            text = document.text
            pieces = [text[i:i + TEXT_PART_CHARS] for i in range(0, len(text), TEXT_PART_CHARS)] or [""]
            for part, piece in enumerate(pieces):
                rows.append({"key": f"{part}:{document.id}", "doc_id": document.id, "part": part,
                             "title": document.title, "source": document.source, "meta": dict(document.meta),
                             "hash": digest, "chunks": chunks, "text": piece, "unused": [0.0, 0.0]})
            stale.append((document.id, len(pieces)))
        for lo in range(0, len(rows), WRITE_BATCH_ROWS):
            self.client.upsert(self.address.documents, rows[lo:lo + WRITE_BATCH_ROWS])
        for doc_id, parts in stale:  # a text that got shorter leaves parts beyond its new end
            self.client.delete(self.address.documents, filter=f"doc_id == {literal(doc_id)} and part >= {parts}")


def _add_dense_index(index, index_type: str) -> None:
    params = HNSW_PARAMS if index_type == "HNSW" else {}
    index.add_index("dense", index_type=index_type, metric_type="IP", params=params)

