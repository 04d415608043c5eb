"""The collection's question set: records checked against the article, one per question,
kept across re-indexing, safe under concurrent marks, a failed write and a bad hand edit."""
import json
import threading

import pytest

from index.documents import Document
from index.indexer import index_paths
from qa.question_set import (
    QuestionSetError,
    QuestionSetFile,
    checked,
    marked,
    question_id,
    question_set_of,
)

from ..conftest import write_articles

TEXT = "The Portvale harbour bridge is 1.8 kilometres long and cost 420 million euros."
DOC = Document("harbour", "Bridge", TEXT, "harbour.txt", {})


def _span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def test_a_mark_is_checked_against_the_article_and_trimmed():
    start, end = _span(TEXT, "1.8 kilometres")
    record = marked("How long is the bridge?", DOC, start - 1, end + 1, shown_right=False, by="ann")
    assert (record.answer, record.start, record.end) == ("1.8 kilometres", start, end)  # spaces trimmed
    assert record.marked == "corrected" and record.by == "ann" and record.at
    with pytest.raises(QuestionSetError, match="do not lie in the article"):
        marked("How long?", DOC, 10, len(TEXT) + 5, shown_right=True, by=None)
    with pytest.raises(QuestionSetError, match="blank"):
        marked("How long?", DOC, 3, 4, shown_right=True, by=None)  # a space only
    with pytest.raises(Exception, match="not a date"):
        marked("How long?", None, None, None, shown_right=True, by=None, since="soon")


def test_the_same_question_in_another_case_or_spacing_has_the_same_id():
    assert question_id("How long is the bridge?") == question_id("  how LONG is  the bridge? ")
    assert question_id("How long is the bridge?") != question_id("How wide is the bridge?")


def test_saved_offsets_are_found_again_or_reported_after_the_article_changes():
    start, end = _span(TEXT, "1.8 kilometres")
    record = marked("How long is the bridge?", DOC, start, end, shown_right=True, by=None)
    assert checked(record, {"harbour": DOC}).status == "ok"
    moved = Document("harbour", "Bridge", "Update: " + TEXT, "harbour.txt", {})
    again = checked(record, {"harbour": moved})
    assert again.status == "moved" and moved.text[again.question.start:again.question.end] == "1.8 kilometres"
    twice = Document("harbour", "Bridge", "1.8 kilometres? Yes, 1.8 kilometres.", "harbour.txt", {})
    assert checked(record, {"harbour": twice}).status == "stale"  # there twice: no guess
    assert checked(record, {"harbour": Document("harbour", "B", "It is long.", "h", {})}).status == "stale"
    assert checked(record, {}).status == "gone"
    none = marked("Who built the moon?", None, None, None, shown_right=False, by=None)
    assert checked(none, {}).status == "no answer" and checked(none, {}).scored


def _book(tmp_path) -> QuestionSetFile:
    return question_set_of("faiss", tmp_path)


def test_asking_again_replaces_and_a_bad_hand_edited_line_is_named_and_kept(tmp_path):
    book = _book(tmp_path)
    book.save(marked("How long is the bridge?", None, None, None, shown_right=False, by=None))
    with book.path.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    start, end = _span(TEXT, "1.8 kilometres")
    book.save(marked("how long is THE bridge?", DOC, start, end, shown_right=False, by=None))
    records, problems = book.read()
    assert len(records) == 1 and records[0].answer == "1.8 kilometres"
    assert len(problems) == 1 and "line 2" in problems[0] and "kept" in problems[0]
    assert "{not json" in book.path.read_text()  # rewritten with the line as it was
    assert book.delete(records[0].id) and not book.delete(records[0].id)
    assert book.read()[0] == []


def test_two_writers_marking_at_once_lose_and_duplicate_nothing(tmp_path):
    book = _book(tmp_path)
    errors = []

    def mark_many(prefix: str) -> None:
        try:
            for n in range(15):
                book.save(marked(f"{prefix} question {n}?", None, None, None, shown_right=False, by=prefix))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    writers = [threading.Thread(target=mark_many, args=(name,)) for name in ("ann", "bo")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    records, problems = book.read()
    assert not errors and not problems
    assert len(records) == 30 and len({r.id for r in records}) == 30


def test_a_write_that_fails_midway_leaves_the_set_as_it_was(tmp_path, monkeypatch):
    import os

    book = _book(tmp_path)
    book.save(marked("First question?", None, None, None, shown_right=False, by=None))
    before = book.path.read_bytes()

    def killed(*_):
        raise KeyboardInterrupt  # as a kill between writing the new file and putting it in place

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        book.save(marked("Second question?", None, None, None, shown_right=False, by=None))
    monkeypatch.undo()
    assert book.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".questions")] == []


def test_the_set_survives_a_rebuild_of_the_index(tmp_path, embedder):
    from qa.config import Config

    config = Config(index_dir=tmp_path / "index")
    articles = write_articles(tmp_path / "articles")
    index_paths(config.index_spec, [articles], embedder=embedder)
    book = question_set_of(config.store, config.index_dir)
    book.save(marked("Who won the chess open?", None, None, None, shown_right=False, by=None))
    index_paths(config.index_spec, [articles], embedder=embedder, rebuild=True)
    assert [r.question for r in book.read()[0]] == ["Who won the chess open?"]


def test_a_milvus_lite_store_keeps_its_set_beside_its_file(tmp_path):
    book = question_set_of(f"milvus:{tmp_path / 'news.db'}", tmp_path / "unused")
    book.save(marked("Who won?", None, None, None, shown_right=False, by=None))
    assert book.path.parent == tmp_path and book.path.name.startswith("news.db.")
    assert json.loads(book.path.read_text())["answers"] == []
    with pytest.raises(QuestionSetError, match="Milvus server"):
        question_set_of("http://localhost:19530", tmp_path)
