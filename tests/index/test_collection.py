"""A stored collection: one generation read whole, and version or manifest trouble named."""
import json

import pytest

from index.documents import Chunk
from index.errors import IndexFormatError
from index.storage import current_generation
from index.stores import Hit, in_canonical_order
from index.stores.faiss_store import FaissStore, open_generation


def test_open_generation_reads_the_folder_current_names_and_its_manifest(built_index, embedder):
    folder, manifest = open_generation(built_index)
    assert folder == current_generation(built_index)
    assert manifest.embedder == embedder.name and set(manifest.documents) == {"chess", "harbour", "orchard"}


def test_a_loaded_collection_lines_up_rows_chunks_and_stores(built_index, embedder):
    collection = FaissStore.load(built_index, embedder.name, embedder.backend)
    rows = len(collection.chunks)
    assert collection.vectors.shape[0] == len(collection.dense) == len(collection.lexical) == rows
    assert sum(e.chunks for e in collection.manifest.documents.values()) == rows
    assert collection.entries == collection.manifest.documents and collection.built_with is collection.manifest
    harbour = [h.chunk for h in collection.search_lexical("harbour", rows) if h.chunk.doc_id == "harbour"]
    assert harbour and all(h.title == collection.documents["harbour"].title for h in collection.search_lexical("harbour", 2))


def _copy(built_index, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(built_index, root)
    return root


def test_another_format_version_says_to_rebuild(built_index, tmp_path):
    root = _copy(built_index, tmp_path)
    manifest = current_generation(root) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["format_version"] = 1
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexFormatError, match="format version 1.*--rebuild"):
        FaissStore.load(root)


def test_an_unreadable_manifest_is_named(built_index, tmp_path):
    root = _copy(built_index, tmp_path)
    (current_generation(root) / "manifest.json").write_text("{ not json")
    with pytest.raises(IndexFormatError, match="cannot read the manifest"):
        FaissStore.load(root)


def test_equal_scores_are_ordered_by_article_then_offset():
    chunks = [Chunk("b", 0, 5, "x"), Chunk("a", 9, 12, "y"), Chunk("a", 0, 5, "z"), Chunk("c", 0, 1, "w")]
    hits = [Hit(chunk, score, "T") for chunk, score in zip(chunks, (0.5, 0.5, 0.5, 0.9))]
    assert [hit.chunk for hit in in_canonical_order(hits, 3)] == [chunks[3], chunks[2], chunks[1]]
