"""Files made to hurt an indexing run: each is named and skipped, or its indexed copy kept,
and every other article is still indexed; and what a full disk or a burst of writes does."""
from __future__ import annotations

import errno
import io
import os
import threading
import unicodedata
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.errors import NoSpaceError
from index.indexer import index_paths
from index.loaders import load_documents, load_html
from index.storage import MAX_RETIRED_KEPT
from index.stores.faiss_store import FaissStore
from index.stores.faiss_writer import FaissWriter
from index.user_text import BadTextError, article_id
from qa.config import Config

from ..conftest import ARTICLES, write_articles


def cmap_bomb_pdf() -> bytes:
    """A small PDF whose font's /ToUnicode map inflates past pypdf's limit: extracting its
    text raises pypdf's LimitReachedError."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    content = StreamObject()
    content.set_data(b"BT /F1 12 Tf 72 712 Td <0001> Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    ranges = b"".join(b"<%04x> <%04x> <0041>\n" % (i % 65536, i % 65536) for i in range(200_000))
    cmap = StreamObject()
    cmap.set_data(zlib.compress(b"begincmap\n200000 beginbfrange\n" + ranges + b"endbfrange\nendcmap\n", 9))
    cmap[NameObject("/Filter")] = NameObject("/FlateDecode")
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica"),
                             NameObject("/ToUnicode"): writer._add_object(cmap)})
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_bomb_is_named_and_skipped_and_the_good_article_beside_it_is_indexed(tmp_path, embedder):
    folder = write_articles(tmp_path / "articles")
    (folder / "bomb.pdf").write_bytes(cmap_bomb_pdf())
    said: list[str] = []
    _, report = index_paths(Config(index_dir=tmp_path / "index").index_spec, [folder], embedder=embedder, log=said.append)
    assert sorted(report.added) == sorted(Path(n).stem for n in ARTICLES)
    assert any("bomb.pdf" in line and "PDF" in line for line in said)


def test_100000_nested_tags_load_in_time_linear_in_the_markup(tmp_path):
    depth = 100_000
    markup = "<html><head><title>Deep</title></head><body>" + "<div>" * depth + "Deep text." + "</div>" * depth
    loaded: list = []
    worker = threading.Thread(target=lambda: loaded.append(load_html(tmp_path / "deep.html", markup)), daemon=True)
    worker.start()
    worker.join(120)  # BeautifulSoup's tree edits took 516 s on this page
    assert loaded and loaded[0].text == "Deep text." and loaded[0].title == "Deep"


@pytest.mark.parametrize("kind", ["broken link", "folder", "pipe"])
def test_an_article_whose_file_became_something_unreadable_keeps_its_indexed_copy(tmp_path, embedder, kind):
    folder = write_articles(tmp_path / "articles")
    config = Config(index_dir=tmp_path / "index")
    index_paths(config.index_spec, [folder], embedder=embedder)
    chess = folder / "chess.txt"
    chess.unlink()
    if kind == "broken link":
        chess.symlink_to(tmp_path / "gone.txt")
    elif kind == "folder":
        chess.mkdir()
    else:
        os.mkfifo(chess)
    said: list[str] = []
    collection, report = index_paths(config.index_spec, [folder], embedder=embedder, log=said.append)
    assert report.removed == [] and "chess" in collection.documents
    assert any("chess.txt" in line and "skipped" in line for line in said)
    assert any("kept the indexed copy of 'chess'" in line for line in said)


def test_a_pipe_named_directly_is_refused_without_waiting_for_it(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    said: list[str] = []
    assert load_documents([tmp_path / "pipe.txt"], warn=said.append) == []
    assert "pipe" in said[0]


@pytest.mark.parametrize(("raw", "expected"), [
    ("a/b", "a-b"), ("../../etc", "-..-etc"), ("caf\u00e9", "caf\u00e9"), ("cafe\u0301", "caf\u00e9"),
    ("ca\u200bf\u00e9", "caf\u00e9"), ("caf\u00e9\u202e", "caf\u00e9"), ("two\tspaced  words", "two spaced words"),
])
def test_article_ids_are_normalised_so_that_ids_that_look_alike_are_one(raw, expected):
    assert article_id(raw) == expected


def test_latin_beside_cyrillic_lookalikes_and_invisible_ids_are_refused():
    with pytest.raises(BadTextError, match="Cyrillic"):
        article_id("caf\u0435")  # Cyrillic е
    with pytest.raises(BadTextError, match="no visible"):
        article_id("\u200b\u202e")
    assert article_id("\u043d\u043e\u0432\u043e\u0441\u0442\u0438") == "\u043d\u043e\u0432\u043e\u0441\u0442\u0438"


@given(st.text(min_size=1, max_size=400))
def test_any_id_that_is_accepted_is_short_visible_and_slash_free(raw):
    try:
        normalised = article_id(raw)
    except BadTextError:
        return
    assert 0 < len(normalised) <= 100 and "/" not in normalised and "\\" not in normalised
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in normalised)
    assert article_id(normalised) == normalised


def test_jsonl_ids_are_normalised_and_a_bad_line_is_named(tmp_path):
    (tmp_path / "wire.jsonl").write_text(
        '{"id": "a/b", "text": "One."}\n{"id": "../../etc", "text": "Two."}\n'
        '{"id": "caf\\u0435", "text": "Three."}\n{"id": "x", "text": "Four \\ud800."}\n', encoding="utf-8")
    said: list[str] = []
    assert [d.id for d in load_documents([tmp_path], warn=said.append)] == ["a-b", "-..-etc"]
    assert any("wire.jsonl:3" in s for s in said) and any("wire.jsonl:4" in s for s in said)


class CountingEmbedder:
    def __init__(self, inner):
        self.inner, self.encoded = inner, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, texts, show_progress_bar=False):
        self.encoded += len(texts)
        return self.inner.encode(texts)


def test_too_little_free_space_is_said_before_any_embedding(tmp_path, embedder, monkeypatch):
    import index.stores.faiss_writer as faiss_writer

    counting = CountingEmbedder(embedder)
    monkeypatch.setattr(faiss_writer.shutil, "disk_usage", lambda _: type("Usage", (), {"free": 1000})())
    documents = load_documents([write_articles(tmp_path / "articles")], warn=print)
    with pytest.raises(NoSpaceError, match=r"not enough free space .* MB needed"):
        FaissWriter(tmp_path / "index", counting).update(documents)
    assert counting.encoded == 0


def test_a_disk_that_fills_up_while_writing_is_one_sentence_and_the_old_index_stays(tmp_path, embedder,
                                                                                      monkeypatch):
    folder = write_articles(tmp_path / "articles")
    root = tmp_path / "index"
    FaissWriter(root, embedder).update(load_documents([folder], warn=print))
    (folder / "extra.txt").write_text("Extra\nA new article about the ferry timetable.", encoding="utf-8")

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FaissStore, "save", full)
    with pytest.raises(NoSpaceError, match=str(root)):
        FaissWriter(root, embedder).update(load_documents([folder], warn=print))
    monkeypatch.undo()
    assert set(FaissStore.load(root, embedder.name, embedder.backend).documents) == {"chess", "harbour", "orchard"}


def test_a_burst_of_writes_keeps_a_bounded_number_of_old_generations(tmp_path, embedder):
    folder = write_articles(tmp_path / "articles")
    root = tmp_path / "index"
    for n in range(8):
        (folder / "counter.txt").write_text(f"Counter\nThe counter now reads {n}.", encoding="utf-8")
        FaissWriter(root, embedder).update(load_documents([folder], warn=print))
    generations = [p for p in root.iterdir() if p.name.startswith("gen-")]
    assert len(generations) <= 1 + MAX_RETIRED_KEPT
    assert "counter" in FaissStore.load(root, embedder.name, embedder.backend).documents
