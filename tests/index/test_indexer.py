import pytest

from index.errors import EmbedderMismatchError, EmptyCollectionError, IndexNotFoundError
from index.loaders import load_documents
from index.storage import current_generation
from index.stores.faiss_store import FaissStore
from index.stores.faiss_writer import FaissWriter


def docs_in(folder):
    return load_documents([folder], warn=lambda _: None)


def index(folder, root, embedder, **kwargs):
    return FaissWriter(root, embedder).update(docs_in(folder), **kwargs)


def test_first_build_embeds_every_chunk_and_reopens(corpus, tmp_path, embedder):
    root = tmp_path / "idx"
    collection, report = index(corpus, root, embedder)
    assert sorted(report.added) == ["chess", "harbour", "orchard"]
    assert report.embedded_chunks == report.total_chunks == len(collection.chunks) > 0
    reopened = FaissStore.load(root, embedder.name)
    assert [c.text for c in reopened.chunks] == [c.text for c in collection.chunks]
    assert reopened.vectors.shape == collection.vectors.shape
    for chunk in reopened.chunks:
        assert reopened.documents[chunk.doc_id].text[chunk.start:chunk.end] == chunk.text


def test_unchanged_documents_are_not_re_embedded(corpus, tmp_path, embedder):
    root = tmp_path / "idx"
    index(corpus, root, embedder)
    generation = current_generation(root)
    _, report = index(corpus, root, embedder)
    assert report.embedded_chunks == 0 and sorted(report.unchanged) == ["chess", "harbour", "orchard"]
    assert current_generation(root) == generation  # nothing rewritten


def test_add_change_and_delete_a_file(corpus, tmp_path, embedder):
    root = tmp_path / "idx"
    first, _ = index(corpus, root, embedder)
    (corpus / "new.txt").write_text("Library reopens\nThe city library reopened on Tuesday with 40,000 books.")
    (corpus / "chess.txt").write_text("Chess update\nThe Lindholm Chess Open moved to the harbour hall.")
    (corpus / "orchard.txt").unlink()
    collection, report = index(corpus, root, embedder)
    assert report.added == ["new"] and report.changed == ["chess"] and report.removed == ["orchard"]
    assert report.unchanged == ["harbour"]
    assert report.embedded_chunks == collection.entries["new"].chunks + collection.entries["chess"].chunks
    assert report.embedded_chunks == sum(c.doc_id in ("new", "chess") for c in collection.chunks)
    reopened = FaissStore.load(root, embedder.name)
    assert set(reopened.documents) == {"harbour", "chess", "new"}
    assert "harbour hall" in " ".join(c.text for c in reopened.chunks if c.doc_id == "chess")
    # the unchanged document keeps exactly the vectors it had
    def rows_of(store, doc_id):
        return [i for i, chunk in enumerate(store.chunks) if chunk.doc_id == doc_id]

    old_rows = first.vectors[rows_of(first, "harbour")]
    assert (reopened.vectors[rows_of(reopened, "harbour")] == old_rows).all()
    hits = reopened.lexical.search("library books", 3)[1]
    assert reopened.chunks[int(hits[0])].doc_id == "new"


def test_add_mode_keeps_documents_that_are_not_given(corpus, tmp_path, embedder):
    root = tmp_path / "idx"
    index(corpus, root, embedder)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "museum.txt").write_text("Museum news\nThe museum bought a painting for 2 million euros.")
    _, report = index(extra, root, embedder, remove_missing=False)
    assert report.added == ["museum"] and report.removed == [] and report.embedded_chunks >= 1
    assert set(FaissStore.load(root).documents) == {"chess", "harbour", "orchard", "museum"}


def test_a_failed_write_leaves_the_previous_index_intact(corpus, tmp_path, embedder, monkeypatch):
    root = tmp_path / "idx"
    index(corpus, root, embedder)
    before = current_generation(root)
    (corpus / "new.txt").write_text("Another\nA fresh article about ferries.")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("index.stores.faiss_store.np.save", crash)
    with pytest.raises(OSError):
        index(corpus, root, embedder)
    assert current_generation(root) == before
    assert set(FaissStore.load(root).documents) == {"chess", "harbour", "orchard"}
    assert [p.name for p in root.iterdir() if p.name.startswith(".gen-")] == []


def test_opening_with_another_embedder_says_how_to_rebuild(corpus, tmp_path, embedder):
    root = tmp_path / "idx"
    index(corpus, root, embedder)
    with pytest.raises(EmbedderMismatchError, match="--rebuild"):
        FaissStore.load(root, "some-org/another-model")


def test_empty_collection_is_an_error_and_changes_nothing(corpus, tmp_path, embedder):
    root = tmp_path / "idx"
    index(corpus, root, embedder)
    before = current_generation(root)
    with pytest.raises(EmptyCollectionError):
        FaissWriter(root, embedder).update([])
    assert current_generation(root) == before


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexNotFoundError, match="python -m qa index"):
        FaissStore.load(tmp_path / "nothing-here")


def test_faiss_factory_strings_are_used(corpus, tmp_path, embedder):
    collection, _ = FaissWriter(tmp_path / "idx", embedder, faiss_factory="HNSW16").update(docs_in(corpus))
    assert "HNSW" in type(collection.dense.index).__name__
    assert FaissStore.load(tmp_path / "idx").manifest.faiss_factory == "HNSW16"


class RecordingEmbedder:
    """Counts words as tokens and returns a distinct vector per text; records each call's size."""

    name = "recording"
    backend = "torch"
    dimension = 8

    def __init__(self):
        self.calls = []

    def count_tokens(self, texts):
        return [len(t.split()) for t in texts]

    def encode(self, texts, show_progress_bar=False):
        import numpy as np

        self.calls.append(len(texts))
        rows = np.array([[hash(t) % 97 + 1] + [1.0] * 7 for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_large_document_is_embedded_in_bounded_batches(tmp_path):
    from index.chunker import ChunkerSettings
    from index.documents import Document
    from index.updates import EMBED_BATCH_CHUNKS

    text = " ".join(f"Sentence number {i} tells of harbour {i % 7}." for i in range(3000))
    embedder = RecordingEmbedder()
    writer = FaissWriter(tmp_path / "idx", embedder, ChunkerSettings(12, 0))
    collection, report = writer.update([Document("big", "Big", text, "mem")])
    assert report.total_chunks > 2 * EMBED_BATCH_CHUNKS
    assert len(embedder.calls) >= 3 and max(embedder.calls) <= EMBED_BATCH_CHUNKS
    assert sum(embedder.calls) == report.total_chunks
    expected = embedder.encode([c.text for c in collection.chunks])
    assert (collection.vectors == expected).all()


def test_a_sync_keeps_the_indexed_copy_of_a_file_it_cannot_read_now(corpus, tmp_path, embedder):
    root = tmp_path / "idx"
    index(corpus, root, embedder)
    before = FaissStore.load(root).documents["orchard"].text
    (corpus / "orchard.txt").write_bytes(b"\x00\xff" * 500)  # mid-rewrite, or damaged
    said, unreadable = [], []
    documents = load_documents([corpus], warn=said.append, unreadable=unreadable)
    _, report = FaissWriter(root, embedder).update(documents, unreadable=unreadable, say=said.append)
    assert report.removed == [] and "orchard" in report.unchanged
    assert FaissStore.load(root).documents["orchard"].text == before
    assert any("orchard" in line and "could not be read" in line for line in said)


def test_without_a_terminal_embedding_progress_is_said_in_lines(tmp_path, embedder, monkeypatch):
    import index.updates as indexer_module
    from index.documents import Document

    monkeypatch.setattr(indexer_module, "PROGRESS_LINE_EVERY_S", 0.0)
    monkeypatch.setattr(indexer_module, "EMBED_BATCH_CHUNKS", 4)
    text = " ".join(f"Sentence number {n} says something about the harbour." for n in range(200))
    said = []
    FaissWriter(tmp_path / "idx", embedder).update([Document("long", "Long", text, "long.txt")], say=said.append)
    lines = [line for line in said if line.startswith("embedding: ")]
    assert len(lines) >= 2 and "chunks (" in lines[0]
