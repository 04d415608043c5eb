"""The long-lived service behind the web app: uploads never replace an indexed article
unless asked to, messages name files rather than server paths, and only the readers the
operator configured can be picked."""
import pytest

from index.errors import UserError
from index.indexer import index_paths
from qa.config import Config
from qa.service import QAService

from ..conftest import hold_pipeline_open


@pytest.fixture()
def service(corpus, tmp_path, embedder):
    config = Config(index_dir=tmp_path / "idx")
    index_paths(config.index_spec, [corpus], embedder=embedder)
    return QAService(config)


def _upload(tmp_path, name, text):
    folder = tmp_path / "gradio" / "f00d"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_upload_named_like_an_indexed_article_gets_a_new_id(service, tmp_path):
    original = service.document_text("chess")
    said = []
    upload = _upload(tmp_path, "chess.txt", "Rewritten\nSomebody else won the chess open.")
    report = service.add_articles([upload], log=said.append)
    assert service.document_text("chess") == original
    assert report.added == ["chess-2"] and "Somebody else" in service.document_text("chess-2")
    assert any("already indexed" in line and "chess-2" in line for line in said)


def test_replacing_an_article_takes_an_explicit_choice(service, tmp_path):
    upload = _upload(tmp_path, "chess.txt", "Rewritten\nSomebody else won the chess open.")
    report = service.add_articles([upload], replace_existing=True)
    assert report.changed == ["chess"] and "Somebody else" in service.document_text("chess")


def test_messages_name_the_file_not_the_server_folder(service, tmp_path):
    said = []
    good = _upload(tmp_path, "ferry.txt", "Ferry\nThe ferry resumed sailing on Tuesday.")
    bad = _upload(tmp_path, "broken.pdf", "not a pdf")
    service.add_articles([good, bad], log=said.append)
    assert any("broken.pdf" in line for line in said)
    assert not any(str(tmp_path) in line or "/gradio/" in line for line in said)


def test_only_configured_readers_are_offered(service, tmp_path):
    assert service.readers_offered() == ["auto"]
    for name in (str(tmp_path), "some-org/some-model", "../models", "offline"):
        with pytest.raises(UserError, match="not offered"):
            service.ask("Who won the chess open?", reader=name)


@pytest.mark.parametrize("top_k", [-1, 0, 51, 1000])
def test_top_k_outside_1_to_50_is_refused(service, top_k):
    with pytest.raises(UserError, match="from 1 to 50"):
        service.ask("Who won the chess open?", top_k=top_k)
    with pytest.raises(UserError, match="from 1 to 50"):
        service.search("chess", top_k=top_k)


@pytest.mark.slow
def test_a_question_is_answered_while_articles_are_being_indexed(service, tmp_path, monkeypatch):
    import threading
    import time

    service.ask("Who won the Lindholm Chess Open?")  # models loaded: what follows times the question only
    embedder = service.pipeline.embedder
    real_encode = embedder.encode
    indexing = threading.Event()

    def slow_encode(texts, **kwargs):
        if any("ferry" in t.lower() for t in texts):
            indexing.set()
            time.sleep(4)
        return real_encode(texts, **kwargs)

    monkeypatch.setattr(embedder, "encode", slow_encode)
    upload = _upload(tmp_path, "ferry.txt", "Ferry\nThe ferry resumed sailing on Tuesday. " * 3)
    worker = threading.Thread(target=service.add_articles, args=([upload],))
    worker.start()
    assert indexing.wait(30)
    started = time.monotonic()
    result = service.ask("Who won the Lindholm Chess Open?")
    assert time.monotonic() - started < 3.0 and worker.is_alive()
    assert result.passages
    worker.join(60)
    assert "ferry" in {a.doc_id for a in service.articles()}


def test_deleting_an_article_drops_only_it_and_embeds_nothing(service):
    before = {a.doc_id: a.chunks for a in service.articles()}
    report = service.remove_articles(["chess"])
    assert report.removed == ["chess"] and report.embedded_chunks == 0
    after = {a.doc_id: a.chunks for a in service.articles()}
    assert after == {k: v for k, v in before.items() if k != "chess"}
    assert all(p.doc_id != "chess" for p in service.search("Lindholm chess open", top_k=5))
    reopened = QAService(service.config)  # the deletion is on disk, not only in memory
    assert {a.doc_id for a in reopened.articles()} == set(after)


def test_deleting_an_unknown_or_the_last_article_is_refused_and_changes_nothing(service):
    with pytest.raises(UserError, match="no indexed article has the id 'nope'"):
        service.remove_articles(["nope"])
    everything = [a.doc_id for a in service.articles()]
    with pytest.raises(UserError, match="at least one article"):
        service.remove_articles(everything)
    assert sorted(a.doc_id for a in QAService(service.config).articles()) == sorted(everything)


def test_a_background_service_waits_for_its_models_then_answers(corpus, tmp_path, embedder, monkeypatch):
    from qa.service import StillLoadingError

    config = Config(index_dir=tmp_path / "idx")
    index_paths(config.index_spec, [corpus], embedder=embedder)
    release = hold_pipeline_open(monkeypatch)
    service = QAService(config, background=True, embedder=embedder, wait_s=0.2)
    assert service.status == "loading"
    assert service.readers_offered() == ["auto"]  # known without the models
    with pytest.raises(StillLoadingError, match="still loading"):
        service.ask("Who won the chess open?")
    release.set()
    service.wait_s = 60
    assert service.ask("Who won the Lindholm Chess Open?").answers
    assert service.status == "ready"


def test_a_service_that_cannot_open_its_index_says_why_on_every_call(tmp_path, embedder):
    from qa.service import LoadFailedError

    index_dir = tmp_path / "idx"
    index_dir.mkdir()
    (index_dir / "CURRENT").write_text("../../elsewhere\n")
    service = QAService(Config(index_dir=index_dir), background=True, embedder=embedder)
    with pytest.raises(LoadFailedError, match="could not be opened"):
        service.ask("Who won the chess open?")
    assert service.status not in ("loading", "ready")


def test_a_configured_reader_that_cannot_load_is_said_on_every_call(corpus, tmp_path, embedder):
    from qa.service import LoadFailedError

    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{ this is not json")
    config = Config(index_dir=tmp_path / "idx", reader=str(broken))
    index_paths(config.index_spec, [corpus], embedder=embedder)
    service = QAService(config, background=True, embedder=embedder)
    with pytest.raises(LoadFailedError, match="cannot load QA model"):
        service.ask("Who won the chess open?")
    assert "cannot load QA model" in service.status


def test_an_article_can_be_retitled_and_keeps_its_text(service):
    text = service.document_text("chess")
    report = service.edit_article("chess", "  Teenager   wins the Lindholm open ")
    assert report.changed == ["chess"] and report.documents == 3
    assert {a.doc_id: a.title for a in service.articles()}["chess"] == "Teenager wins the Lindholm open"
    assert service.document_text("chess") == text
    assert QAService(service.config).search("Lindholm", top_k=1)[0].title == "Teenager wins the Lindholm open"
    for doc_id, title, says in (("chess", "   ", "type the new title"), ("nope", "Title", "no indexed article"),
                                ("chess", "x" * 500, "at most")):
        with pytest.raises(UserError, match=says):
            service.edit_article(doc_id, title)
    service.edit_article("chess", date="2024-05-06", source="Lindholm Courier")
    chess = next(a for a in service.articles() if a.doc_id == "chess")
    assert (chess.date, chess.source, chess.title) == ("2024-05-06", "Lindholm Courier", "Teenager wins the Lindholm open")
    assert service.articles()[0].doc_id == "chess"  # dated articles first, newest first
    with pytest.raises(UserError, match="not a date"):
        service.edit_article("chess", date="next Tuesday")


@pytest.mark.integration
def test_the_service_runs_on_a_milvus_store(corpus, tmp_path, embedder):
    pytest.importorskip("pymilvus")
    config = Config(index_dir=tmp_path / "idx", store=f"milvus:{tmp_path / 'store.db'}")
    index_paths(config.index_spec, [corpus], embedder=embedder)
    # an index folder beside it, of other articles, must not be what the service answers from
    index_paths(Config(index_dir=tmp_path / "idx").index_spec, [_upload(tmp_path, "sun.txt", "Sun\nThe sun rose.").parent],
                embedder=embedder)
    service = QAService(config)
    assert service.ask("Who won the Lindholm Chess Open?").answers[0].doc_id == "chess"
    upload = _upload(tmp_path, "moon.txt", "Moon base opens\nThe first moon base opened on Friday with nine crew.")
    assert service.add_articles([upload], date="2024-06-01").added == ["moon"]
    found = service.search("moon base crew", since="2024-01-01")
    assert [p.doc_id for p in found] == ["moon"]
    service.edit_article("moon", source="Space Desk")
    assert service.search("moon base", source="space desk")[0].doc_id == "moon"
    service.remove_articles(["moon"])
    assert "moon" not in {a.doc_id for a in service.articles()}
    assert all(p.doc_id != "moon" for p in service.search("moon base crew"))
    assert "sun" not in {a.doc_id for a in service.articles()}
