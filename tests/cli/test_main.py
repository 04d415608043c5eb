"""The CLI as a user meets it: exit codes, one-line errors, and the JSON contracts."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture()
def built_index(corpus, tmp_path, capsys):
    index_dir = tmp_path / "idx"
    assert main(["index", str(corpus), "--index-dir", str(index_dir), "--json"]) == 0
    capsys.readouterr()
    return index_dir


@pytest.mark.parametrize("question", ["", "   \n\t"])
def test_empty_question_is_one_line_and_exit_2(question, tmp_path):
    result = run_cli("ask", question, "--index-dir", str(tmp_path / "idx"))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_path_is_one_line_and_exit_2(tmp_path):
    result = run_cli("index", str(tmp_path / "missing"), "--index-dir", str(tmp_path / "idx"))
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr and "Traceback" not in result.stderr


def test_empty_collection_is_exit_2_and_keeps_the_index(built_index, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("  ")
    before = sorted(p.name for p in built_index.iterdir())
    assert main(["index", str(empty), "--index-dir", str(built_index)]) == 2
    err = capsys.readouterr().err
    assert "no readable articles" in err and "skipped" in err
    assert sorted(p.name for p in built_index.iterdir()) == before


def test_unknown_index_dir_is_exit_2(tmp_path, capsys):
    assert main(["ask", "Who won?", "--index-dir", str(tmp_path / "none")]) == 2
    assert "no index in" in capsys.readouterr().err


def test_index_json_reports_the_changes(corpus, tmp_path, capsys):
    index_dir = tmp_path / "idx"
    assert main(["index", str(corpus), "--index-dir", str(index_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(report["added"]) == ["chess", "harbour", "orchard"] and report["chunks"] >= 3
    assert main(["index", str(corpus), "--index-dir", str(index_dir), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["embedded_chunks"] == 0 and again["added"] == []


@pytest.mark.slow
def test_ask_json_shape_and_offsets(built_index, corpus, capsys):
    assert main(["ask", "Who won the Lindholm Chess Open?", "--index-dir", str(built_index), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"question", "answers", "passages", "timings_ms"}  # spelt right: no corrected_question
    assert set(out["timings_ms"]) == {"correct", "retrieve", "read", "total"}
    assert all(isinstance(v, float) for v in out["timings_ms"].values())
    assert out["answers"], "expected an answer"
    texts = {p.stem: p.read_text() for p in corpus.iterdir()}
    citation_keys = {"text", "score", "doc_id", "title", "start", "end", "passage", "date", "source", "url"}
    for answer in out["answers"]:
        assert set(answer) == citation_keys | {"sure", "articles", "support"}
        assert answer["sure"] == (answer["score"] >= 0.8) and answer["articles"][0] == answer["doc_id"]
        for citation in [answer, *answer["support"]]:
            assert set(citation) >= citation_keys and 0.0 <= citation["score"] <= 1.0
            doc = texts[citation["doc_id"]]
            assert doc[citation["start"]:citation["end"]] == citation["text"]
            passage = citation["passage"]
            assert doc[passage["start"]:passage["end"]] == passage["text"]
            assert passage["start"] <= citation["start"] and citation["end"] <= passage["end"]
    assert out["answers"][0]["text"] == "Mara Quint"
    scores = [a["score"] for a in out["answers"]]
    assert scores == sorted(scores, reverse=True)
    for passage in out["passages"]:
        assert set(passage) == {"doc_id", "title", "text", "start", "end", "score", "date", "source", "url"}
        assert texts[passage["doc_id"]][passage["start"]:passage["end"]] == passage["text"]


def test_a_misspelt_question_is_answered_as_corrected_and_says_so(built_index, capsys):
    assert main(["ask", "Who won the Lindholm Chess Opne?", "--index-dir", str(built_index), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["question"] == "Who won the Lindholm Chess Opne?"
    assert out["corrected_question"] == "Who won the Lindholm Chess Open?"
    assert out["corrections"] == [{"from": "Opne", "to": "Open"}]
    assert main(["ask", "Who won the Lindholm Chess Opne?", "--index-dir", str(built_index)]) == 0
    assert capsys.readouterr().out.startswith("Showing answers for: Who won the Lindholm Chess Open?")
    assert main(["ask", "Who won the Lindholm Chess Opne?", "--index-dir", str(built_index), "--json",
                 "--no-correct"]) == 0
    assert "corrected_question" not in json.loads(capsys.readouterr().out)


def test_ask_without_an_answer_returns_an_empty_list(built_index, capsys):
    assert main(["ask", "What is the boiling point of mercury on Jupiter?", "--index-dir", str(built_index),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answers"] == [] and out["passages"]


def test_search_ranks_the_matching_article_first(built_index, capsys):
    for mode in ("hybrid", "dense", "lexical"):
        assert main(["search", "apple harvest tonnes", "--index-dir", str(built_index), "--json",
                     "--retrieval", mode]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["passages"][0]["doc_id"] == "orchard", mode


def test_ask_text_output_marks_the_answer(built_index, capsys):
    assert main(["ask", "How long is the Portvale harbour bridge?", "--index-dir", str(built_index)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Answer: 1.8 kilometres")
    answer = out.splitlines()[0].removeprefix("Answer: ").split("   (confidence")[0]
    assert f"[[{answer}]]" in out and "[harbour," in out  # the answer is marked where it was found


@pytest.mark.slow
def test_eval_on_a_corpus_uses_its_own_cache(corpus, tmp_path, capsys, monkeypatch):

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "1", "question": "How many players did Mara Quint beat?", "answers": ["212", "212 other players"], "doc": "chess"},
        {"id": "2", "question": "What did the mayor of Portvale eat for breakfast?", "answers": [], "doc": None},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["eval", "--questions", str(questions), "--corpus", str(corpus), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    metrics = out["metrics"]
    for key in ("exact_match", "f1", "recall_at_1", "recall_at_5", "mrr", "no_answer_accuracy",
                "latency_ms_p50", "latency_ms_p95", "n"):
        assert key in metrics
    assert metrics["n"] == 2 and metrics["recall_at_1"] == 1.0
    assert [r["id"] for r in out["questions"]] == ["1", "2"]
    assert out["by_answer_type"]["unanswerable"]["n"] == 1 and out["by_answer_type"]["number"]["n"] == 1
    assert any((tmp_path / "cache").iterdir())


def test_eval_with_a_bad_question_file_is_exit_2(tmp_path, capsys):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "1", "question": "x"}\n')
    assert main(["eval", "--questions", str(bad)]) == 2
    assert "missing answers" in capsys.readouterr().err


def _dated_corpus(tmp_path):
    rows = [{"id": "old", "title": "Bridge plan", "text": "Bridge plan\nThe council backed the harbour bridge plan.",
             "date": "2022-05-01", "source": "Gazette"},
            {"id": "new", "title": "Bridge opens", "text": "Bridge opens\nThe harbour bridge opened to traffic.",
             "date": "2024-03-03", "source": "Reuters"},
            {"id": "undated", "title": "Bridge tolls", "text": "Bridge tolls\nTolls on the harbour bridge were set."}]
    folder = tmp_path / "dated"
    folder.mkdir()
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return folder


def test_search_and_ask_take_date_and_source_filters(tmp_path, capsys):
    index_dir = tmp_path / "idx"
    assert main(["index", str(_dated_corpus(tmp_path)), "--index-dir", str(index_dir)]) == 0
    capsys.readouterr()
    assert main(["search", "harbour bridge", "--index-dir", str(index_dir), "--since", "2023-01-01", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["passages"]
    assert [(p["doc_id"], p["date"], p["source"]) for p in found] == [("new", "2024-03-03", "Reuters")]
    assert main(["search", "harbour bridge", "--index-dir", str(index_dir), "--source", "gazette", "--json"]) == 0
    assert [p["doc_id"] for p in json.loads(capsys.readouterr().out)["passages"]] == ["old"]
    assert main(["search", "harbour bridge", "--index-dir", str(index_dir), "--json"]) == 0
    assert {p["doc_id"] for p in json.loads(capsys.readouterr().out)["passages"]} == {"old", "new", "undated"}


def test_a_bad_since_is_one_line_and_exit_2(tmp_path):
    result = run_cli("search", "bridge", "--since", "last spring", "--index-dir", str(tmp_path / "idx"))
    assert result.returncode == 2
    assert result.stderr.strip() == "error: since: 'last spring' is not a date; use YYYY-MM-DD, e.g. 2024-03-03"


def test_bytes_that_are_not_utf8_in_a_query_are_one_line_and_exit_2(built_index):
    query = b"\xff\xfe where".decode("utf-8", "surrogateescape")
    result = subprocess.run([sys.executable, "-m", "qa", "search", query, "--index-dir", str(built_index)],
                            cwd=REPO, capture_output=True, timeout=300)
    assert result.returncode == 2 and b"not valid text" in result.stderr and b"Traceback" not in result.stderr


def test_a_source_filter_with_control_characters_is_refused_for_any_store(tmp_path):
    for store in ("faiss", f"milvus:{tmp_path / 'store.db'}"):
        result = run_cli("search", "chess", "--source", "\x01", "--store", store, "--index-dir", str(tmp_path / "i"))
        assert result.returncode == 2 and "control characters" in result.stderr and "Traceback" not in result.stderr


def test_the_collections_questions_are_gated_and_a_breaking_change_fails_the_gate(built_index, tmp_path, capsys):
    from tests.conftest import ARTICLES

    marks = tmp_path / "marks.jsonl"
    article = ARTICLES["chess.txt"]
    start = article.index("Mara Quint")
    harbour = ARTICLES["harbour.txt"]
    length = harbour.index("1.8 kilometres")
    marks.write_text("\n".join(json.dumps(r) for r in [
        {"question": "Who won the Lindholm Chess Open?", "answers": ["Mara Quint"], "doc": "chess",
         "start": start, "end": start + len("Mara Quint"), "marked": "right"},
        {"question": "How long is the Portvale harbour bridge?", "answers": ["1.8 kilometres"], "doc": "harbour",
         "start": length, "end": length + len("1.8 kilometres"), "marked": "corrected"},
        {"question": "What is the capital of the Moon?", "answers": [], "doc": None, "marked": "not_in_articles"},
    ]) + "\n", encoding="utf-8")
    where = ["--index-dir", str(built_index)]
    assert main(["questions", "import", str(marks), *where]) == 0
    assert main(["questions", "list", "--json", *where]) == 0
    listed = json.loads(capsys.readouterr().out)["questions"]
    assert sorted(q["status"] for q in listed) == ["no answer", "ok", "ok"]
    assert main(["gate", *where]) == 2  # no baseline yet: said, not a pass
    assert "no baseline yet" in capsys.readouterr().err
    assert main(["eval", "--questions", "collection", "--save-baseline", *where]) == 0
    capsys.readouterr()
    assert main(["gate", *where]) == 0
    assert "no regression" in capsys.readouterr().out
    # a change that breaks the answerable questions: a margin no answer can beat
    assert main(["gate", "--answer-margin", "1000", *where]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out and "Who won the Lindholm Chess Open?" in out
    assert main(["gate", *where]) == 0  # undone
    exported = tmp_path / "out.jsonl"
    assert main(["questions", "export", str(exported), *where]) == 0
    capsys.readouterr()
    rows = [json.loads(line) for line in exported.read_text().splitlines()]
    assert {r["question"] for r in rows} == {"Who won the Lindholm Chess Open?",
                                             "How long is the Portvale harbour bridge?",
                                             "What is the capital of the Moon?"}
    assert main(["eval", "--questions", str(exported), "--index-dir", str(built_index), "--json"]) == 0  # eval reads it
    assert json.loads(capsys.readouterr().out)["metrics"]["n"] == 3
