"""SQuAD files: reading, the fixed article split, and scoring checked against values worked
out by hand with the official normalisation."""
import gzip
import json

import pytest

from eval.squad import SquadQuestion, article_splits, predict_squad, read_squad, select_split, squad_metrics
from index.errors import UserError
from qa.results import Answer


def _write(path, data):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)
    return path


SAMPLE = {"data": [{"title": "Rivers", "paragraphs": [{
    "context": "The Rhine flows through Basel. It is 1,230 km long.",
    "qas": [
        {"id": "a", "question": "Which city does the Rhine flow through?",
         "answers": [{"text": "Basel", "answer_start": 24}, {"text": "Basel.", "answer_start": 24}]},
        {"id": "b", "question": "How long is the Rhine?", "answers": [{"text": "1,230 km", "answer_start": 37}]},
        {"id": "c", "question": "How deep is the Rhine?", "answers": [], "is_impossible": True},
    ]}]}]}


class FixedReader:
    """Answers each question with a chosen text, or nothing."""

    name = "fixed"

    def __init__(self, answers, score=0.9):
        self.answers = answers
        self.score = score

    def read(self, question, passages, max_answers):
        text = self.answers[question]
        if text is None:
            return []
        chunk = passages[0].chunk
        start = chunk.text.index(text)
        return [Answer(text, self.score, chunk.doc_id, "", start, start + len(text), text, start, start + len(text))]


def test_reads_gzip_and_plain_files_alike(tmp_path):
    plain = read_squad(_write(tmp_path / "s.json", SAMPLE))
    packed = read_squad(_write(tmp_path / "s.json.gz", SAMPLE))
    assert plain == packed
    assert [q.id for q in plain] == ["a", "b", "c"]
    assert plain[0].answers == (("Basel", 24), ("Basel.", 24))
    assert plain[2].is_impossible and not plain[0].is_impossible
    context = plain[1].context
    assert context[37:37 + len("1,230 km")] == "1,230 km"


def test_a_file_that_is_not_squad_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not a SQuAD JSON file"):
        read_squad(_write(tmp_path / "x.json", {"version": 2}))
    with pytest.raises(UserError, match="no SQuAD file"):
        read_squad(tmp_path / "missing.json")


def test_scores_match_hand_computed_values(tmp_path):
    questions = read_squad(_write(tmp_path / "s.json", SAMPLE))
    # a: "Basel." normalises to "basel": exact. b: "1,230" against "1,230 km": precision 1,
    # recall 1/2, F1 2/3, not exact. c: answered although unanswerable: 0.
    reader = FixedReader({questions[0].question: "Basel.",
                          questions[1].question: "1,230",
                          questions[2].question: "Basel"})
    metrics = squad_metrics(predict_squad(questions, reader))
    assert metrics["exact_match"] == pytest.approx(1 / 3)
    assert metrics["f1"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert metrics["has_answer_exact_match"] == pytest.approx(1 / 2)
    assert metrics["has_answer_f1"] == pytest.approx((1 + 2 / 3) / 2)
    assert metrics["no_answer_accuracy"] == 0.0
    silent = squad_metrics(predict_squad(questions, FixedReader({q.question: None for q in questions})))
    assert silent["exact_match"] == pytest.approx(1 / 3) and silent["no_answer_accuracy"] == 1.0
    assert silent["has_answer_answered"] == 0.0


def test_confident_answers_are_counted_and_their_precision_reported(tmp_path):
    questions = read_squad(_write(tmp_path / "s.json", SAMPLE))
    answers = {questions[0].question: "Basel.", questions[1].question: "1,230", questions[2].question: "Basel"}
    metrics = squad_metrics(predict_squad(questions, FixedReader(answers, score=0.85)))
    assert metrics["answers_at_score_0_8"] == 3 and metrics["precision_at_score_0_8"] == pytest.approx(1 / 3)
    unsure = squad_metrics(predict_squad(questions, FixedReader(answers, score=0.5)))
    assert unsure["answers_at_score_0_8"] == 0


def test_articles_are_dealt_into_fixed_parts():
    titles = [f"article {i}" for i in range(12)]
    parts = article_splits(titles)
    assert parts == article_splits(list(reversed(titles)))
    counts = {name: list(parts.values()).count(name) for name in ("train", "calibration", "heldout")}
    assert counts == {"train": 6, "calibration": 3, "heldout": 3}
    questions = [SquadQuestion(str(i), t, 0, "c", "q?", ()) for i, t in enumerate(titles)]
    held_out = select_split(questions, "heldout")
    assert {q.title for q in held_out} == {t for t, p in parts.items() if p == "heldout"}
    with pytest.raises(UserError, match="split must be one of"):
        select_split(questions, "test")
