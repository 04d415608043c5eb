"""The index folder under damage and contention: every damaged file or pointer is reported
as a damaged index in one message, two writers never lose each other's articles, and
staging folders of killed runs are cleaned."""
import multiprocessing
import os
import time

import pytest

from index.errors import IndexBusyError, IndexFormatError, UserError
from index.loaders import load_documents
from index.storage import CURRENT, LOCK, current_generation, writer_lock
from index.stores.faiss_store import FaissStore
from index.stores.faiss_writer import FaissWriter


def build(folder, root, embedder, **kwargs):
    return FaissWriter(root, embedder).update(load_documents([folder], warn=lambda _: None), **kwargs)


@pytest.fixture()
def built(corpus, tmp_path, embedder):
    root = tmp_path / "idx"
    build(corpus, root, embedder)
    return root


def _flip_byte(path, at=None):
    data = bytearray(path.read_bytes())
    position = len(data) // 2 if at is None else at
    data[position] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["dense.faiss", "vectors.npy", "chunks.jsonl", "documents.jsonl"])
def test_a_flipped_byte_in_any_index_file_is_reported_as_damage(built, name):
    _flip_byte(current_generation(built) / name)
    with pytest.raises(IndexFormatError, match="index damaged.*does not match its checksum.*--rebuild"):
        FaissStore.load(built)


def test_flipped_bm25_arrays_are_reported_not_crashed_on(built):
    arrays = sorted((current_generation(built) / "bm25").glob("*.npy"))
    assert arrays
    for path in arrays:
        _flip_byte(path)
    with pytest.raises(IndexFormatError, match="index damaged"):
        FaissStore.load(built)


@pytest.mark.parametrize("content, why", [
    (b"\xff\xfe\x00binary", "not readable text"),
    (b"garbage", "does not name a generation"),
    (b"../other/gen-000001", "does not name a generation"),
    (b"/tmp/gen-000001", "does not name a generation"),
    (b"gen-999999", "missing"),
])
def test_a_bad_current_pointer_is_damage_not_another_index(built, content, why):
    (built / CURRENT).write_bytes(content)
    with pytest.raises(IndexFormatError, match=f"index damaged.*{why}"):
        FaissStore.load(built)


def test_an_index_dir_that_is_a_file_fails_before_any_work(corpus, tmp_path, embedder):
    target = tmp_path / "a-file"
    target.write_text("not a folder")

    class NoEmbedding:
        name = embedder.name

        def count_tokens(self, texts):
            return embedder.count_tokens(texts)

        def encode(self, *args, **kwargs):
            raise AssertionError("embedded before checking the folder")

    with pytest.raises(UserError, match="is a file, not a folder"):
        FaissWriter(target, NoEmbedding()).update(load_documents([corpus], warn=lambda _: None))
    assert target.read_text() == "not a folder"


def test_opening_writes_nothing_and_the_next_write_removes_what_killed_runs_left(built, corpus, embedder):
    stale = built / ".gen-000009-abcd"
    stale.mkdir()
    (stale / "vectors.npy").write_bytes(b"x" * 1000)
    before = {p: p.stat().st_mtime_ns for p in built.rglob("*")}
    FaissStore.load(built)
    assert {p: p.stat().st_mtime_ns for p in built.rglob("*")} == before  # not a byte written, nothing removed
    build(corpus, built, embedder)
    assert not stale.exists()


def _hold_lock(root, ready, seconds):
    with writer_lock(root):
        ready.set()
        time.sleep(seconds)


@pytest.mark.slow
def test_a_second_writer_fails_clearly_with_no_wait_and_waits_otherwise(built, corpus, embedder):
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(built, ready, 2.0))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(IndexBusyError, match=rf"pid {holder.pid}.*writing to"):
            build(corpus, built, embedder, wait=False)
        said = []
        started = time.monotonic()
        build(corpus, built, embedder, say=said.append)
        assert time.monotonic() - started > 0.5
        assert said and "waiting for another indexing run" in said[0]
    finally:
        holder.join(30)
    assert (built / LOCK).read_text().strip() == str(os.getpid())


def _add_one(root, name, embedder_name):
    from index.documents import Document
    from index.opener import make_embedder

    document = Document(name, name, f"{name}\nAn article called {name} about a harbour.", name)
    FaissWriter(root, make_embedder(embedder_name)).update([document], remove_missing=False)


@pytest.mark.slow
def test_concurrent_adds_into_one_folder_keep_every_article(built, embedder):
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_add_one, args=(built, f"extra{i}", embedder.name)) for i in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(240)
        assert w.exitcode == 0
    documents = set(FaissStore.load(built).documents)
    assert {"extra0", "extra1", "extra2", "chess", "harbour", "orchard"} <= documents
    assert not [p for p in built.iterdir() if p.name.startswith(".gen-")]


@pytest.mark.parametrize("content, why", [
    ("[]", "not a list of files and their SHA-256"),
    ("{}", "not a list of files and their SHA-256"),
    ('{"manifest.json": "abc"}', "not a list of files and their SHA-256"),
])
def test_a_tampered_checksum_list_is_damage(built, content, why):
    (current_generation(built) / "CHECKSUMS.json").write_text(content)
    with pytest.raises(IndexFormatError, match=f"index damaged.*{why}"):
        FaissStore.load(built)


def test_a_checksum_list_that_leaves_a_file_out_is_damage(built):
    import json

    listing = current_generation(built) / "CHECKSUMS.json"
    digests = json.loads(listing.read_text())
    del digests["dense.faiss"]
    listing.write_text(json.dumps(digests))
    _flip_byte(current_generation(built) / "dense.faiss")  # unchecked, it would be served
    with pytest.raises(IndexFormatError, match="index damaged.*other files than its CHECKSUMS.json lists.*dense.faiss"):
        FaissStore.load(built)


def test_a_generation_that_links_to_another_index_is_damage(built, tmp_path, corpus, embedder):
    other = tmp_path / "other"
    build(corpus, other, embedder)
    name = current_generation(built).name
    import shutil

    shutil.rmtree(built / name)
    (built / name).symlink_to(current_generation(other))
    with pytest.raises(IndexFormatError, match="index damaged.*link to another folder"):
        FaissStore.load(built)


def test_a_replaced_generation_stays_readable_for_a_while_then_goes(built, corpus, embedder, monkeypatch):
    import index.storage as storage

    first = current_generation(built)
    (corpus / "extra.txt").write_text("Extra\nAn extra article about the harbour.")
    build(corpus, built, embedder)
    assert current_generation(built) != first and first.is_dir()  # a reader inside it can finish
    from index.manifest import Manifest

    manifest = Manifest.from_json((first / "manifest.json").read_text())
    assert FaissStore.from_generation(built, first, manifest).generation == first.name  # still complete
    monkeypatch.setattr(storage, "RETIRED_GRACE_S", 0.0)
    (corpus / "extra.txt").write_text("Extra\nThe extra article, changed.")
    build(corpus, built, embedder)
    assert not first.exists()
    assert sorted(p.name for p in built.iterdir() if p.name.startswith("gen-")) == [current_generation(built).name]


def test_opening_hashes_only_small_files_and_files_written_since_while_verify_reads_every_byte(built, monkeypatch):
    import index.storage
    from index.stores.faiss_folder import FaissFolder

    folder = current_generation(built)
    monkeypatch.setattr(index.storage, "SMALL_FILE_BYTES", 1024)  # every large file: stat only
    assert index.storage.verify_generation(built, folder) < sum(p.stat().st_size for p in folder.rglob("*")
                                                                 if p.is_file())
    target = folder / "vectors.npy"
    written = target.stat()
    _flip_byte(target)
    with pytest.raises(IndexFormatError, match="vectors.npy does not match its checksum"):
        FaissStore.load(built)  # written since: hashed on open
    os.utime(target, ns=(written.st_atime_ns, written.st_mtime_ns))  # a change behind the file system's back
    FaissStore.load(built)
    with pytest.raises(IndexFormatError, match="vectors.npy does not match its checksum"):
        FaissFolder(built).verify()


def test_qa_verify_says_ok_or_damaged_with_its_exit_code(built, capsys):
    from cli.main import main

    assert main(["verify", "--index-dir", str(built)]) == 0
    assert capsys.readouterr().out.startswith("ok: gen-")
    _flip_byte(current_generation(built) / "dense.faiss")
    assert main(["verify", "--index-dir", str(built), "--json"]) == 1
    assert "dense.faiss does not match its checksum" in capsys.readouterr().out
