"""The Milvus store, run against Milvus Lite (embedded, nothing mocked)."""
from __future__ import annotations

import numpy as np
import pytest

from index.documents import Document
from index.errors import ConfigError, EmbedderMismatchError, IndexNotFoundError
from index.filters import ArticleFilter
from index.loaders import load_documents
from index.stores import check_store, store_kind
from index.stores.faiss_writer import FaissWriter
from index.stores.milvus_indexer import MilvusIndexer
from index.stores.milvus_store import (
    MilvusAddress,
    MilvusStore,
    StoreUnreachableError,
    connect,
    count_rows,
    filter_expression,
)
from index.stores.milvus_writer import MilvusWriter
from qa.retrieval import make_retriever
from tests.conftest import write_articles

pytest.importorskip("pymilvus")
pytestmark = pytest.mark.integration


class CountingEmbedder:
    """The real embedder, counting the texts it was asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.name, self.backend = inner.name, inner.backend
        self.embedded = 0

    @property
    def dimension(self):
        return self.inner.dimension

    def warm_up(self):
        self.inner.warm_up()

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    def encode(self, texts, show_progress_bar=False):
        self.embedded += len(texts)
        return self.inner.encode(texts)


def dated(doc: Document, date: str | None, source: str | None) -> Document:
    meta = {k: v for k, v in {"date": date, "source": source}.items() if v}
    return Document(doc.id, doc.title, doc.text, doc.source, meta)


@pytest.fixture()
def documents(tmp_path) -> list[Document]:
    docs = load_documents([write_articles(tmp_path / "articles")], warn=print)
    meta = {"harbour": ("2024-03-03", "Portvale Post"), "chess": ("2024-05-12", "Lindholm Daily"),
            "orchard": (None, "Portvale Post")}
    return [dated(d, *meta[d.id]) for d in docs]


@pytest.fixture()
def address(tmp_path) -> MilvusAddress:
    return MilvusAddress.parse(f"milvus:{tmp_path / 'store.db'}")


def test_store_addresses_are_read_or_refused():
    assert MilvusAddress.parse("milvus:/data/x.db").uri == "/data/x.db"
    assert MilvusAddress.parse("http://db:19530#news").name == "news"
    assert str(MilvusAddress.parse("http://db:19530#news")) == "http://db:19530#news"
    for bad in ("milvus:", "mysql://x", "http://db:19530#1bad", "qdrant"):
        with pytest.raises(ConfigError, match="--store must be"):
            check_store(bad)
    assert check_store("faiss") == "faiss"
    assert [store_kind(s) for s in ("faiss", "milvus:/data/x.db", "http://db:19530")] == \
        ["faiss", "milvus-lite", "milvus-server"]


def test_search_matches_the_faiss_store(tmp_path, embedder, documents, address):
    faiss_collection, _ = FaissWriter(tmp_path / "index", embedder).update(documents)
    milvus_collection, report = MilvusIndexer(embedder, address).update(documents)
    assert report.total_chunks == len(faiss_collection.chunks) == count_rows(milvus_collection.client, address.chunks)
    assert milvus_collection.documents == faiss_collection.documents
    assert MilvusStore.open(address).documents == faiss_collection.documents  # as stored
    for mode in ("dense", "lexical", "hybrid"):
        for query in ("Who won the Lindholm Chess Open?", "apple harvest tonnes", "bridge length"):
            ours = make_retriever(mode, milvus_collection, embedder).retrieve(query, 3)
            theirs = make_retriever(mode, faiss_collection, embedder).retrieve(query, 3)
            assert [(p.chunk, p.title, p.date, p.source) for p in ours] == \
                [(p.chunk, p.title, p.date, p.source) for p in theirs], (mode, query)
            if mode == "dense":
                assert np.allclose([p.score for p in ours], [p.score for p in theirs], atol=1e-5)
    best = make_retriever("hybrid", milvus_collection, embedder).retrieve("Lindholm chess tournament", 1)[0]
    assert best.doc_id == "chess" and best.title == milvus_collection.documents["chess"].title


def test_filters_are_milvus_expressions(embedder, documents, address):
    collection, _ = MilvusIndexer(embedder, address).update(documents)
    for mode in ("dense", "lexical", "hybrid"):
        retriever = make_retriever(mode, collection, embedder)
        portvale = retriever.retrieve("harbour bridge apples", 10, ArticleFilter.of(source="portvale post"))
        assert {p.doc_id for p in portvale} == {"harbour", "orchard"}, mode
        may = retriever.retrieve("harbour bridge chess", 10, ArticleFilter.of(since="2024-04-01"))
        assert {p.doc_id for p in may} == {"chess"}, mode
        assert all(p.date == "2024-05-12" for p in may)
    assert filter_expression(ArticleFilter.of(source='The "Post"')) == 'source_key == "the \\"post\\""'


def test_updates_embed_only_what_changed_and_delete_by_article(embedder, documents, address):
    counting = CountingEmbedder(embedder)
    MilvusIndexer(counting, address).update(documents)
    first = counting.embedded
    collection, report = MilvusIndexer(counting, address).update(documents)
    assert counting.embedded == first and report.embedded_chunks == 0 and len(report.unchanged) == 3

    chess = next(d for d in documents if d.id == "chess")
    edited = Document(chess.id, chess.title, chess.text + " The next open is in June.", chess.source, chess.meta)
    others = [d for d in documents if d.id not in ("chess", "orchard")]
    _, report = MilvusIndexer(counting, address).update([*others, edited])
    collection = MilvusStore.open(address)  # what the store holds now
    assert report.changed == ["chess"] and report.removed == ["orchard"]
    assert counting.embedded - first == report.embedded_chunks == collection.entries["chess"].chunks
    assert set(collection.documents) == {"harbour", "chess"}
    assert collection.documents["chess"].text.endswith("in June.")
    client = connect(address)
    assert count_rows(client, address.chunks) == sum(e.chunks for e in collection.entries.values())
    assert not client.query(address.chunks, filter='doc_id == "orchard"', output_fields=["id"])


def test_a_run_stopped_midway_is_reported_and_finished_by_the_next(embedder, documents, address, monkeypatch):
    MilvusIndexer(embedder, address).update(documents[:2])

    def fail(*_):
        raise RuntimeError("the connection dropped")

    monkeypatch.setattr(MilvusWriter, "insert_chunks", fail)
    changed = [Document(d.id, d.title, d.text + " More news.", d.source, d.meta) for d in documents]
    with pytest.raises(RuntimeError):
        MilvusIndexer(embedder, address).update(changed)
    half = MilvusStore.open(address)
    assert sorted(half.half_written) == sorted(d.id for d in changed)
    monkeypatch.undo()

    said = []
    MilvusIndexer(embedder, address).update(changed, say=said.append)
    collection = MilvusStore.open(address)
    assert any("half-written" in line for line in said)
    assert collection.half_written == []
    assert count_rows(connect(address), address.chunks) == sum(e.chunks for e in collection.entries.values())
    assert all(collection.documents[d.id].text.endswith("More news.") for d in changed)


def test_another_embedder_is_refused_and_rebuild_replaces(embedder, documents, address):
    MilvusIndexer(embedder, address).update(documents)
    with pytest.raises(EmbedderMismatchError, match="--rebuild"):
        MilvusStore.open(address, "some/other-model")
    with pytest.raises(EmbedderMismatchError, match="backend"):
        MilvusStore.open(address, embedder.name, "torch" if embedder.backend != "torch" else "onnx-int8")
    collection, report = MilvusIndexer(embedder, address).update(documents[:1], rebuild=True)
    assert list(collection.documents) == [documents[0].id] and report.removed == []


def test_missing_and_unreachable_stores_say_how_to_fix_them(tmp_path):
    with pytest.raises(IndexNotFoundError, match="python -m qa index PATH... --store milvus:"):
        MilvusStore.open(MilvusAddress.parse(f"milvus:{tmp_path / 'empty.db'}"))
    with pytest.raises(StoreUnreachableError, match="start the server"):
        connect(MilvusAddress.parse("http://127.0.0.1:9"))
    with pytest.raises(ConfigError, match="must end in .db"):
        connect(MilvusAddress.parse(f"milvus:{tmp_path / 'store.sqlite'}"))


def test_long_articles_are_kept_whole(embedder, address):
    text = "Headline\n" + " ".join(f"Sentence number {i} of a very long report." for i in range(3_000))
    article = Document("long", "Headline", text, "long.txt", {})
    MilvusIndexer(embedder, address).update([article])
    collection = MilvusStore.open(address)
    assert collection.documents["long"].text == text and len(text) > 100_000
    shorter = Document("long", "Headline", text[:20_000], "long.txt", {})
    MilvusIndexer(embedder, address).update([shorter])
    collection = MilvusStore.open(address)
    assert collection.documents["long"].text == text[:20_000]



def test_the_vector_index_follows_the_collection_size(embedder, documents, address, monkeypatch):
    import index.stores.milvus_writer as milvus_writer

    monkeypatch.setattr(milvus_writer, "index_type_for", lambda rows: "FLAT" if rows <= 2 else "HNSW")
    collection, _ = MilvusIndexer(embedder, address).update(documents[:1])
    assert collection.settings.index_type == "FLAT"
    collection, _ = MilvusIndexer(embedder, address).update(documents)
    assert collection.settings.index_type == "HNSW"
    assert connect(address).describe_index(address.chunks, "dense")["index_type"] == "HNSW"
    best = make_retriever("dense", collection, embedder).retrieve("Lindholm chess tournament", 1)[0]
    assert best.doc_id == "chess"
    collection, _ = MilvusIndexer(embedder, address).update(documents[:1])
    assert collection.settings.index_type == "FLAT"
