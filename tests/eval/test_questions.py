"""The question sets: well-formed, and every gold answer really is in its article."""
from pathlib import Path

import pytest

from eval.metrics import normalize_answer
from eval.questions import QuestionFileError, load_questions

REPO = Path(__file__).resolve().parents[2]
SETS = [(REPO / "eval" / "questions.jsonl", REPO / "data" / "articles")] + [
    (REPO / "eval" / "corpora" / name / "questions.jsonl", REPO / "eval" / "corpora" / name / "articles")
    for name in ("general", "town", "events", "final", "holdout", "blind", "fresh", "sealed")
] + [(REPO / "eval" / "calibration" / "questions.jsonl", REPO / "eval" / "calibration" / "articles")]


@pytest.mark.parametrize("questions_file,articles", SETS)
def test_question_set_is_big_enough_and_answers_are_in_their_articles(questions_file, articles):
    questions = load_questions(questions_file)
    assert len(questions) >= 50
    assert sum(not q.answerable for q in questions) >= 10
    texts = {p.stem: p.read_text(encoding="utf-8") for p in articles.iterdir()}
    for q in questions:
        if not q.answerable:
            assert q.doc is None, q.id
            continue
        assert q.doc in texts, q.id
        normalized = normalize_answer(texts[q.doc])
        assert any(normalize_answer(a) in normalized for a in q.answers), (q.id, q.answers)


def test_questions_are_not_copied_sentences():
    questions = load_questions(SETS[0][0])
    texts = " ".join(p.read_text(encoding="utf-8") for p in SETS[0][1].iterdir()).lower()
    for q in questions:
        words = q.question.lower().rstrip("?").split()
        # no run of 12 words from the question appears verbatim in the articles
        runs = [" ".join(words[i:i + 12]) for i in range(max(0, len(words) - 11))]
        assert not any(run in texts for run in runs), q.id


def test_malformed_files_are_rejected(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "1", "question": "Q?", "answers": "not a list"}\n')
    with pytest.raises(QuestionFileError, match="list"):
        load_questions(bad)
    bad.write_text('{"id": "1", "question": "Q?", "answers": []}\n{"id": "1", "question": "R?", "answers": []}\n')
    with pytest.raises(QuestionFileError, match="duplicate"):
        load_questions(bad)
