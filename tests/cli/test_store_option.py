"""--store and --ray on the command line: a Milvus Lite store, and the errors a user meets."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main

pytest.importorskip("pymilvus")
pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def one_line_error(result, *words):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in result.stderr, result.stderr
    assert all(word in lines[0] for word in words), lines[0]


@pytest.fixture()
def store(corpus, tmp_path):
    """A Milvus Lite store built by another process (Lite opens a file in one process at a time)."""
    store = f"milvus:{tmp_path / 'store.db'}"
    result = run_cli("index", str(corpus), "--store", store, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["store"] == store and sorted(report["added"]) == ["chess", "harbour", "orchard"]
    return store


def test_search_ask_and_eval_take_the_store(store, tmp_path, capsys):
    assert main(["search", "Lindholm chess tournament", "--store", store, "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["passages"]
    assert hits[0]["doc_id"] == "chess"
    assert main(["ask", "Who won the Lindholm Chess Open?", "--store", store, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)["answers"][0]
    assert "Mara Quint" in answer["text"] and answer["doc_id"] == "chess"
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": "Who won the Lindholm Chess Open?",
                                     "answers": ["Mara Quint"], "doc_id": "chess"}) + "\n")
    assert main(["eval", "--store", store, "--questions", str(questions), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["recall_at_5"] == 1.0


def test_eval_on_a_corpus_leaves_the_store_alone(store, corpus, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "moon.txt").write_text("Moon base opens\nThe first moon base opened on Friday with nine crew.")
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": "How many crew does the moon base have?",
                                     "answers": ["nine"], "doc_id": "moon"}) + "\n")
    assert main(["eval", "--store", store, "--corpus", str(other), "--questions", str(questions), "--json"]) == 0
    capsys.readouterr()
    assert main(["search", "moon base", "--store", store, "--json"]) == 0
    assert {p["doc_id"] for p in json.loads(capsys.readouterr().out)["passages"]} <= {"chess", "harbour", "orchard"}


def test_store_errors_are_one_line(store, corpus, tmp_path):
    one_line_error(run_cli("search", "chess", "--store", "qdrant://x"), "--store must be")
    one_line_error(run_cli("search", "chess", "--store", "http://127.0.0.1:9"), "start the server")
    one_line_error(run_cli("ask", "Who won?", "--store", f"milvus:{tmp_path / 'none.db'}"), "python -m qa index")
    one_line_error(run_cli("search", "chess", "--store", store, "--embedder", "other/model"), "--rebuild")
    one_line_error(run_cli("index", str(corpus), "--store", store, "--ray", "127.0.0.1:9"), "ray start --head")
    # nothing was lost on the way
    result = run_cli("search", "Lindholm chess", "--store", store, "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["passages"][0]["doc_id"] == "chess"


def test_a_milvus_lite_collection_keeps_and_gates_its_own_questions(store, tmp_path):
    from tests.conftest import ARTICLES

    start = ARTICLES["chess.txt"].index("Mara Quint")
    marks = tmp_path / "marks.jsonl"
    marks.write_text(json.dumps({"question": "Who won the Lindholm Chess Open?", "answers": ["Mara Quint"],
                                 "doc": "chess", "start": start, "end": start + 10}) + "\n", encoding="utf-8")
    assert run_cli("questions", "import", str(marks), "--store", store).returncode == 0
    assert any(tmp_path.glob("store.db.*.questions.jsonl"))  # kept beside the Milvus Lite file
    saved = run_cli("eval", "--questions", "collection", "--save-baseline", "--store", store, "--json")
    assert saved.returncode == 0, saved.stderr
    assert json.loads(saved.stdout)["metrics"]["n"] == 1
    assert run_cli("gate", "--store", store).returncode == 0
    broken = run_cli("gate", "--store", store, "--answer-margin", "1000")
    assert broken.returncode == 1 and "Who won the Lindholm Chess Open?" in broken.stdout
