"""The manifest: what an index was built with, and a hash that changes with anything cited."""
from index.documents import Document
from index.manifest import FORMAT_VERSION, DocumentEntry, Manifest, content_hash


def test_the_content_hash_follows_title_text_and_metadata_only():
    doc = Document("a", "Title", "Body text.", "/x/a.txt", {"format": "text"})
    same = Document("a", "Title", "Body text.", "/elsewhere/a.txt", {"format": "text"})
    assert content_hash(doc) == content_hash(same)  # where the file lies is not content
    for other in (Document("a", "Title!", "Body text.", "", {"format": "text"}),
                  Document("a", "Title", "Body text!", "", {"format": "text"}),
                  Document("a", "Title", "Body text.", "", {"format": "html"})):
        assert content_hash(other) != content_hash(doc)


def test_a_manifest_survives_its_json_and_older_ones_read_as_torch():
    manifest = Manifest("model", 384, 128, 32, "Flat", {"a": DocumentEntry("h", "a.txt", "A", 3)},
                        embedder_backend="onnx-int8")
    assert Manifest.from_json(manifest.to_json()) == manifest
    older = manifest.to_json().replace('"embedder_backend": "onnx-int8",', "")
    assert Manifest.from_json(older).embedder_backend == "torch"
    assert manifest.format_version == FORMAT_VERSION
