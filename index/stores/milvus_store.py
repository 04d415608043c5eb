"""The chunks in Milvus instead of the index folder: Milvus Lite in a local file
(`milvus:PATH`) or a Milvus server (`http://HOST:19530`), chosen with --store.

Three collections per name (default "qa"; a store address may end in `#NAME`):
  NAME_chunks     one row per chunk: doc_id, start, end, text, the article's title, date
                  and source (shown with a result, and filtered on), the dense vector, and a BM25 function
                  over `terms` (our own stemmed, stop-word-free tokens, so that lexical
                  ranking matches the FAISS store's bm25s whatever analyzers the server has)
  NAME_documents  the articles: title, source, meta, content hash, chunk count, and the
                  text in parts (milvus_writer.TEXT_PART_CHARS: a VARCHAR holds 64 KB)
  NAME_settings   one row: embedder, backend, dimension, chunking, vector index type

Milvus has no generations. An article being written carries the hash PENDING in its
document row until its chunks are all in: a run that stops midway leaves such rows, which
opening reports and the next indexing run re-writes (docs/reliability.md). The writes and
the collections' schemas are in milvus_writer.py; this module opens and searches.

pymilvus is imported only here and in milvus_writer.py, and only when a Milvus store is used.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..dense import EXACT_UP_TO
from ..documents import Chunk, Document
from ..errors import ConfigError, EmbedderMismatchError, IndexFormatError, IndexNotFoundError, UserError
from ..filters import ArticleFilter
from ..lexical import tokenize
from ..manifest import DocumentEntry
from .base import Hit, in_canonical_order

LITE_PREFIX = "milvus:"
DEFAULT_NAME = "qa"
SETTINGS_VERSION = 1
PENDING = "pending"
CONNECT_TIMEOUT_S = 10.0
QUERY_PAGE_ROWS = 1_000
HNSW_SEARCH_EF = 128
TIE_DEPTH_FACTOR = 2  # as the FAISS store: rows tied at the cut are all seen
_CHUNK_FIELDS = ["doc_id", "start", "end", "text", "title", "date", "source"]


class StoreUnreachableError(UserError):
    """The Milvus store named by --store does not answer."""


@dataclass(frozen=True)
class MilvusAddress:
    """uri: a Milvus Lite file or a server URL. name: the collections' common prefix."""

    uri: str
    name: str = DEFAULT_NAME

    @classmethod
    def parse(cls, store: str) -> MilvusAddress | None:
        where, _, name = store.partition("#")
        name = name or DEFAULT_NAME
        if not name.replace("_", "").isalnum() or not name[0].isalpha():
            return None
        if where.startswith(LITE_PREFIX) and len(where) > len(LITE_PREFIX):
            return cls(str(Path(where[len(LITE_PREFIX):]).expanduser().resolve()), name)
        if where.startswith(("http://", "https://", "tcp://")) and len(where.split("://", 1)[1]) > 0:
            return cls(where, name)
        return None

    @property
    def is_lite(self) -> bool:
        return "://" not in self.uri

    @property
    def kind(self) -> str:
        return "milvus-lite" if self.is_lite else "milvus-server"

    def __str__(self) -> str:
        where = f"{LITE_PREFIX}{self.uri}" if self.is_lite else self.uri
        return where if self.name == DEFAULT_NAME else f"{where}#{self.name}"

    @property
    def chunks(self) -> str:
        return f"{self.name}_chunks"

    @property
    def documents(self) -> str:
        return f"{self.name}_documents"

    @property
    def settings(self) -> str:
        return f"{self.name}_settings"


def connect(address: MilvusAddress):
    """A client for the store, or StoreUnreachableError saying how to fix it."""
    import logging

    from pymilvus import MilvusClient

    # pymilvus logs each failed call with its traceback before raising; the error says it all
    for name in ("pymilvus", "milvus_lite"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if address.is_lite:
        if not address.uri.endswith(".db"):
            raise ConfigError(f"a Milvus Lite file must end in .db, got '{address.uri}' (e.g. milvus:.qa-milvus.db)")
        Path(address.uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(address.uri, timeout=CONNECT_TIMEOUT_S)
    except Exception as exc:  # pymilvus raises its own, grpc's and OS errors alike
        why = getattr(exc, "message", None) or (str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
        hint = ("is another program (a running app or indexing run) holding the file? Milvus Lite opens a "
                "file in one process at a time" if address.is_lite else
                "start the server, or check the host and port given to --store")
        raise StoreUnreachableError(f"cannot open the Milvus store {address} ({why}): {hint}") from exc


@dataclass(frozen=True)
class StoreSettings:
    """What the vectors in a Milvus store were made with (its manifest)."""

    embedder: str
    embedder_backend: str
    dimension: int
    max_tokens: int
    overlap_tokens: int
    index_type: str = "FLAT"
    version: int = SETTINGS_VERSION

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> StoreSettings:
        return cls(**json.loads(text))


def index_type_for(rows: int) -> str:
    """Like FAISS "auto": exact search while it stays fast, a graph index beyond."""
    return "FLAT" if rows <= EXACT_UP_TO else "HNSW"


def literal(value: str) -> str:
    """A string literal for a Milvus expression (not every server takes template parameters)."""
    return json.dumps(str(value), ensure_ascii=False)


def filter_expression(article_filter: ArticleFilter | None) -> str:
    """The Milvus boolean expression that keeps what the filter keeps ("" for none)."""
    if article_filter is None:
        return ""
    parts = []
    if article_filter.source is not None:
        parts.append(f"source_key == {literal(article_filter.source.casefold())}")
    if article_filter.since is not None:
        parts.append(f"date >= {literal(article_filter.since.isoformat())}")
    if article_filter.until is not None:
        parts.append(f"date <= {literal(article_filter.until.isoformat())}")
    return " and ".join(parts)


def ids_expression(doc_ids: list[str]) -> str:
    return f"doc_id in [{', '.join(literal(d) for d in doc_ids)}]"


def search_terms(text: str) -> str:
    """The text as the BM25 function sees it: our tokens, space-separated."""
    return " ".join(tokenize([text])[0])


@dataclass
class MilvusStore:
    """An opened Milvus store: the articles read once, the chunks searched in Milvus (a hit
    carries what a passage shows of its article in the chunk's row: no article is looked up).
    `half_written`: articles an interrupted run left unfinished (the next run re-writes them)."""

    address: MilvusAddress
    client: object
    settings: StoreSettings
    documents: dict[str, Document]
    entries: dict[str, DocumentEntry]
    half_written: list[str] = field(default_factory=list)
    generation: str | None = None

    @property
    def kind(self) -> str:
        return self.address.kind

    @property
    def built_with(self) -> StoreSettings:
        return self.settings

    @classmethod
    def open(cls, address: MilvusAddress, embedder_name: str | None = None, backend: str | None = None,
             client=None) -> MilvusStore:
        """The store at `address`; with `embedder_name` (and `backend`), refuse one whose vectors
        were made by another embedder."""
        client = client or connect(address)
        settings = read_settings(client, address)
        if settings is None:
            raise IndexNotFoundError(f"no index in the Milvus store {address}; build one with: "
                                     f"python -m qa index PATH... --store {address}")
        if embedder_name is not None and embedder_name != settings.embedder:
            raise EmbedderMismatchError(
                f"the Milvus store {address} was built with embedder '{settings.embedder}' (dimension "
                f"{settings.dimension}), not '{embedder_name}'. Rebuild it with: python -m qa index PATH... "
                f"--store {address} --embedder {embedder_name} --rebuild")
        if backend is not None and backend != settings.embedder_backend:
            raise EmbedderMismatchError(
                f"the Milvus store {address} was built with the '{settings.embedder_backend}' embedder backend, "
                f"not '{backend}'. Use --embedder-backend auto (it follows the index), or rebuild it with: "
                f"python -m qa index PATH... --store {address} --embedder-backend {backend} --rebuild")
        documents, entries, pending = read_documents(client, address)
        return cls(address, client, settings, documents, entries, pending)

    def search_dense(self, vector: np.ndarray, k: int, article_filter: ArticleFilter | None = None) -> list[Hit]:
        expression = filter_expression(article_filter)
        params = {"metric_type": "IP", "params": {"ef": max(HNSW_SEARCH_EF, k)}}
        result = self.client.search(self.address.chunks, data=[np.asarray(vector, dtype=np.float32).tolist()],
                                    anns_field="dense", limit=k * TIE_DEPTH_FACTOR, filter=expression,
                                    search_params=params, output_fields=_CHUNK_FIELDS)
        return in_canonical_order([_hit(row, row["distance"]) for row in result[0]], k)

    def search_lexical(self, query: str, k: int, article_filter: ArticleFilter | None = None) -> list[Hit]:
        terms = search_terms(query)
        if not terms:
            return []
        expression = filter_expression(article_filter)
        result = self.client.search(self.address.chunks, data=[terms], anns_field="sparse",
                                    limit=k * TIE_DEPTH_FACTOR, filter=expression,
                                    search_params={"metric_type": "BM25"}, output_fields=_CHUNK_FIELDS)
        # Milvus gives BM25 as a distance (lower is better, negative); the score is its opposite.
        return in_canonical_order([_hit(row, abs(row["distance"])) for row in result[0]], k)

    def search_hybrid(self, vector: np.ndarray, query: str, k: int, depth: int, rrf_k: int,
                      article_filter: ArticleFilter | None = None) -> list[Hit]:
        """Milvus's own reciprocal rank fusion of the dense and BM25 rankings, `depth` deep each."""
        from pymilvus import AnnSearchRequest, RRFRanker

        terms = search_terms(query)
        if not terms:  # nothing for BM25 to match: the dense ranking alone, as fusion would give
            return self.search_dense(vector, k, article_filter)
        expression = filter_expression(article_filter)
        requests = [
            AnnSearchRequest(data=[np.asarray(vector, dtype=np.float32).tolist()], anns_field="dense",
                             param={"metric_type": "IP", "params": {"ef": max(HNSW_SEARCH_EF, depth)}},
                             limit=depth, expr=expression or None),
            AnnSearchRequest(data=[terms], anns_field="sparse", param={"metric_type": "BM25"}, limit=depth,
                             expr=expression or None),
        ]
        result = self.client.hybrid_search(self.address.chunks, requests, RRFRanker(rrf_k), limit=k,
                                           output_fields=_CHUNK_FIELDS)
        return in_canonical_order([_hit(row, row["distance"]) for row in result[0]], k)


def _hit(row: dict, score: float) -> Hit:
    entity = row["entity"]
    chunk = Chunk(entity["doc_id"], int(entity["start"]), int(entity["end"]), entity["text"])
    return Hit(chunk, float(score), entity["title"], entity.get("date"), entity.get("source"))


def read_settings(client, address: MilvusAddress) -> StoreSettings | None:
    names = (address.settings, address.documents, address.chunks)
    if not all(client.has_collection(name) for name in names):
        return None
    for name in names:  # a server keeps collections released until asked
        client.load_collection(name)
    rows = client.query(address.settings, filter='key == "settings"', output_fields=["value"])
    if not rows:
        return None
    try:
        settings = StoreSettings.from_json(rows[0]["value"])
    except (ValueError, TypeError) as exc:
        raise IndexFormatError(f"cannot read the settings of the Milvus store {address} ({exc}); rebuild it "
                               f"with: python -m qa index PATH... --store {address} --rebuild") from exc
    if settings.version != SETTINGS_VERSION:
        raise IndexFormatError(f"the Milvus store {address} has format version {settings.version}, this "
                               f"version reads {SETTINGS_VERSION}; rebuild it with --rebuild")
    return settings


def read_documents(client, address: MilvusAddress) -> tuple[dict[str, Document], dict[str, DocumentEntry], list[str]]:
    """Every article (text joined from its parts), its manifest entry, and the ids of those
    left half-written."""
    parts: dict[str, list[tuple[int, str]]] = {}
    heads: dict[str, dict] = {}
    for row in query_all(client, address.documents, ["doc_id", "part", "title", "source", "meta", "hash",
                                                      "chunks", "text"]):
        parts.setdefault(row["doc_id"], []).append((int(row["part"]), row["text"]))
        if int(row["part"]) == 0:
            heads[row["doc_id"]] = row
    documents, entries, pending = {}, {}, []
    for doc_id in sorted(heads):
        head = heads[doc_id]
        text = "".join(t for _, t in sorted(parts[doc_id]))
        documents[doc_id] = Document(doc_id, head["title"], text, head["source"], head["meta"] or {})
        entries[doc_id] = DocumentEntry(head["hash"], head["source"], head["title"], int(head["chunks"]))
        if head["hash"] == PENDING:
            pending.append(doc_id)
    return documents, entries, pending


def query_all(client, collection: str, fields: list[str]) -> list[dict]:
    """Every row of a collection, a page at a time."""
    iterator = client.query_iterator(collection, batch_size=QUERY_PAGE_ROWS, filter="", output_fields=fields)
    rows: list[dict] = []
    try:
        while page := iterator.next():
            rows.extend(page)
    finally:
        iterator.close()
    return rows


def count_rows(client, collection: str) -> int:
    return int(client.query(collection, filter="", output_fields=["count(*)"])[0]["count(*)"])
