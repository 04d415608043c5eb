"""Baseline diffs and the exit codes of the regression gate."""
import json

import pytest

from eval.baseline import BaselineError, compare_with_baseline, load_baseline, save_baseline
from eval.runner import EvalRun, summarize


def row(qid, em, answerable=True, prediction="x", rank=1, score=0.9):
    return {"id": qid, "question": f"q{qid}?", "gold": ["x"] if answerable else [], "gold_doc": "d" if answerable else None,
            "answer_type": "number", "prediction": prediction, "score": score, "exact_match": em, "f1": em,
            "gold_rank": rank if answerable else None, "answerable": answerable,
            "timings_ms": {"retrieve": 1.0, "read": 2.0, "total": 3.0}}


def run_of(rows):
    return EvalRun(summarize(rows), rows)


def test_summary_metrics_by_hand():
    rows = [row("1", 1.0, rank=1), row("2", 0.0, rank=3, prediction=None, score=None),
            row("3", 1.0, answerable=False, prediction=None, score=None), row("4", 0.0, answerable=False, score=0.95)]
    m = summarize(rows)
    assert m["exact_match"] == 0.5
    assert m["recall_at_1"] == 0.5 and m["recall_at_5"] == 1.0
    assert m["mrr"] == pytest.approx((1 + 1 / 3) / 2)
    assert m["no_answer_recall"] == 0.5          # of 2 unanswerable, 1 left unanswered
    assert m["no_answer_precision"] == 0.5       # of 2 abstentions, 1 was right to abstain
    assert m["precision_at_score_0_8"] == 0.5    # answers scored >= 0.8: q1 right, q4 wrong
    assert m["latency_ms_read_p50"] == 2.0


def test_identical_runs_do_not_regress(tmp_path):
    run = run_of([row("1", 1.0), row("2", 0.0)])
    save_baseline(run, tmp_path / "b.json", {})
    diff = compare_with_baseline(run, load_baseline(tmp_path / "b.json"))
    assert not diff.regressed and diff.now_wrong == [] and diff.now_right == []


def test_a_question_that_flips_to_wrong_is_a_regression_even_within_tolerance(tmp_path):
    before = run_of([row(str(i), 1.0) for i in range(100)])
    save_baseline(before, tmp_path / "b.json", {})
    after = run_of([row(str(i), 1.0 if i else 0.0) for i in range(100)])   # EM drops 0.01 only
    diff = compare_with_baseline(after, load_baseline(tmp_path / "b.json"), tolerance=0.02)
    assert diff.dropped_metrics == []
    assert [q["id"] for q in diff.now_wrong] == ["0"] and diff.regressed
    assert "now wrong (1)" in diff.summary()


def test_a_question_newly_changed_by_the_spelling_corrector_is_a_regression(tmp_path):
    save_baseline(run_of([row("1", 1.0), row("2", 1.0)]), tmp_path / "b.json", {})
    changed = row("2", 1.0)
    changed["corrected_question"] = "q2 corrected?"
    diff = compare_with_baseline(run_of([row("1", 1.0), changed]), load_baseline(tmp_path / "b.json"))
    assert diff.regressed and diff.now_wrong == []  # still right, yet the set's question was changed
    assert [q["id"] for q in diff.newly_corrected] == ["2"] and "spelling corrector (1)" in diff.summary()
    save_baseline(run_of([row("1", 1.0), changed]), tmp_path / "c.json", {})
    assert not compare_with_baseline(run_of([row("1", 1.0), changed]), load_baseline(tmp_path / "c.json")).regressed


def test_a_metric_drop_beyond_tolerance_is_a_regression(tmp_path):
    before = run_of([row("1", 1.0, rank=1), row("2", 0.0, rank=1)])
    save_baseline(before, tmp_path / "b.json", {})
    after = run_of([row("1", 1.0, rank=1), row("2", 0.0, rank=7)])        # recall@1 and @5 halve
    diff = compare_with_baseline(after, load_baseline(tmp_path / "b.json"))
    assert {c.name for c in diff.dropped_metrics} >= {"recall_at_1", "recall_at_5", "mrr"}
    assert diff.regressed
    assert not compare_with_baseline(after, load_baseline(tmp_path / "b.json"), tolerance=0.6).regressed


def test_improvements_are_listed(tmp_path):
    save_baseline(run_of([row("1", 0.0)]), tmp_path / "b.json", {})
    diff = compare_with_baseline(run_of([row("1", 1.0)]), load_baseline(tmp_path / "b.json"))
    assert [q["id"] for q in diff.now_right] == ["1"] and not diff.regressed


def test_missing_or_foreign_baseline_files_are_user_errors(tmp_path):
    with pytest.raises(BaselineError, match="--save-baseline"):
        load_baseline(tmp_path / "none.json")
    (tmp_path / "other.json").write_text(json.dumps({"hello": 1}))
    with pytest.raises(BaselineError):
        load_baseline(tmp_path / "other.json")


@pytest.mark.slow
def test_the_gate_exit_codes(corpus, tmp_path, capsys, monkeypatch):
    from cli.main import main

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    questions = tmp_path / "q.jsonl"
    # a gold answer no article holds: the run is wrong on it, whatever the reader does
    questions.write_text(json.dumps({"id": "1", "question": "How many players did Mara Quint beat?",
                                     "answers": ["four hundred and one"], "doc": "chess"}) + "\n")
    common = ["eval", "--questions", str(questions), "--corpus", str(corpus)]
    baseline = tmp_path / "base.json"
    assert main(common + ["--save-baseline", str(baseline)]) == 0
    assert main(common + ["--baseline", str(baseline)]) == 0
    record = json.loads(baseline.read_text())
    assert record["questions"][0]["correct"] is False
    record["questions"][0]["correct"] = True     # as if an earlier version had got it right
    baseline.write_text(json.dumps(record))
    capsys.readouterr()
    assert main(common + ["--baseline", str(baseline)]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out and "now wrong (1)" in out
    assert main(common + ["--baseline", str(baseline), "--allow-regressions"]) == 0
    assert main(common + ["--baseline", str(tmp_path / "missing.json")]) == 2
