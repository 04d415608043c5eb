"""Calibration: the no-answer margin that maximises exact match, and the logistic fit."""
import numpy as np
import pytest

from eval.questions import Question
from index.documents import Chunk
from qa.readers.decoding import SpanCandidate, WindowSpan
from qa.results import Passage
from training.calibrate_reader import (
    Reading,
    best_margin,
    exact_match_at,
    fit_logistic,
    read_through_retrieval,
    weighted,
)


def test_the_margin_answers_exactly_the_questions_worth_answering():
    readings = [Reading(5.0, 1.0, 1.0, False), Reading(3.0, 1.0, 1.0, False),
                Reading(1.0, 0.0, 0.0, True), Reading(-2.0, 0.0, 0.0, True),
                Reading(0.5, 0.0, 0.2, False)]
    threshold, exact = best_margin(readings)
    # Answering the top two and leaving the rest: 2 right answers + 2 right "no answer".
    assert 1.0 < threshold < 3.0
    assert exact == pytest.approx(4 / 5)


def test_with_nothing_worth_answering_the_threshold_is_above_every_margin():
    readings = [Reading(2.0, 0.0, 0.0, True), Reading(1.0, 0.0, 0.0, True)]
    threshold, exact = best_margin(readings)
    assert threshold > 2.0 and exact == 1.0


def test_the_logistic_fit_recovers_a_known_relation():
    rng = np.random.default_rng(0)
    x = rng.uniform(-4, 6, 4000)
    y = (rng.uniform(0, 1, x.size) < 1 / (1 + np.exp(-(0.8 * x - 1.0)))).astype(float)
    scale, bias = fit_logistic(x, y)
    assert scale == pytest.approx(0.8, abs=0.1) and bias == pytest.approx(-1.0, abs=0.15)


def test_a_separable_sample_still_gives_finite_values():
    scale, bias = fit_logistic(np.array([-1.0, -0.5, 0.5, 1.0]), np.array([0.0, 0.0, 1.0, 1.0]))
    assert np.isfinite(scale) and np.isfinite(bias) and scale > 0


def test_a_smaller_no_answer_share_lowers_the_margin():
    # Half the questions unanswerable with high margins: as they come, answering nothing wins;
    # where only a tenth are unanswerable, answering the confident right ones is worth it.
    readings = [Reading(4.0, 1.0, 1.0, False), Reading(3.0, 0.0, 0.0, True), Reading(2.5, 0.0, 0.0, True),
                Reading(2.0, 1.0, 1.0, False)]
    as_they_come, _ = best_margin(readings)
    assert as_they_come > 3.0
    weighted, exact = best_margin(readings, no_answer_share=0.1)
    assert weighted < 2.0 and exact == pytest.approx(0.9)


def test_weighted_readings_sum_to_their_total_with_the_chosen_no_answer_share():
    readings = [Reading(1.0, 1.0, 1.0, False)] * 3 + [Reading(0.0, 0.0, 0.0, True)]
    weights = weighted(readings, 0.5, no_answer_share=0.5)
    assert sum(r.weight for r in weights) == pytest.approx(0.5)
    assert sum(r.weight for r in weights if r.impossible) == pytest.approx(0.25)
    assert {r.weight for r in weighted(readings, 2.0)} == {0.5}


def test_a_heavier_group_pulls_the_margin_its_way():
    # SQuAD-like readings want a high margin (confident wrong answers to unanswerable
    # questions); news-like ones want a low one (right answers at small margins).
    squad = [Reading(3.0, 0.0, 0.0, True), Reading(4.0, 1.0, 1.0, False)]
    news = [Reading(1.0, 1.0, 1.0, False), Reading(2.0, 1.0, 1.0, False)]
    light, _ = best_margin(weighted(squad, 0.9) + weighted(news, 0.1))
    heavy, exact = best_margin(weighted(squad, 0.1) + weighted(news, 0.9))
    assert light > 3.0 and heavy < 1.0
    assert exact == pytest.approx(0.1 * 0.5 + 0.9 * 1.0)
    assert exact_match_at(weighted(news, 0.9), heavy) == pytest.approx(1.0)


def test_sample_weights_move_the_logistic_fit():
    x = np.array([1.0, 1.0, 2.0, 2.0])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    even = fit_logistic(x, y)
    leaning = fit_logistic(x, y, np.array([3.0, 1.0, 3.0, 1.0]))
    probability = lambda fit: 1 / (1 + np.exp(-(fit[0] * 1.5 + fit[1])))  # noqa: E731
    assert probability(even) == pytest.approx(0.5, abs=0.01)
    assert probability(leaning) == pytest.approx(0.75, abs=0.02)


class _FixedReader:
    """Finds one span per passage: the passage's first word, with a margin the test sets."""

    def __init__(self, margins):
        self.margins = margins

    def spans(self, question, passages, top_n):
        return [WindowSpan(i, SpanCandidate(0, len(p.chunk.text.split()[0]), 0.0), -self.margins[p.chunk.text])
                for i, p in enumerate(passages)]


def test_questions_read_through_retrieval_keep_the_best_span_and_score_it():
    texts = {"Paris is big.": 2.0, "Rome is old.": 5.0}
    passages = [Passage(Chunk(f"d{i}", 0, len(t), t), f"T{i}", 1.0, i + 1) for i, t in enumerate(texts)]
    questions = [Question("q1", "Which city?", ("Rome",), "d1"), Question("q2", "Who?", (), None)]
    asked = []

    def retrieve(question, k):
        asked.append(k)
        return passages[:k]

    readings = read_through_retrieval(_FixedReader(texts), questions, retrieve, passages=2)
    assert asked == [2, 2]
    assert [(r.margin, r.exact, r.impossible) for r in readings] == [(5.0, 1.0, False), (5.0, 0.0, True)]


def test_the_news_options_are_checked_before_anything_loads(tmp_path, capsys):
    from training.calibrate_reader import main

    with pytest.raises(SystemExit) as stopped:
        main(["--data", str(tmp_path), "--reader", str(tmp_path), "--questions", str(tmp_path / "q.jsonl")])
    assert stopped.value.code == 2 and "--questions and --corpus go together" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["--data", str(tmp_path), "--reader", str(tmp_path), "--questions", str(tmp_path / "q.jsonl"),
              "--corpus", str(tmp_path)])
    assert stopped.value.code == 2 and "no such question file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["--data", str(tmp_path), "--reader", str(tmp_path), "--margin-with-news"])
    assert stopped.value.code == 2 and "--margin-with-news needs --questions and --corpus" in capsys.readouterr().err


def test_calibration_reads_with_the_reader_the_app_runs(tmp_path):
    from qa.config import SHIPPED_READER
    from qa.readers.decoding import ReaderSettings
    from qa.readers.factory import reader_for_folder
    from qa.readers.onnx_reader import OnnxReader, runs_on_onnx
    from qa.readers.transformer import TransformerReader

    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "config.json").write_text('{"model_type": "bert"}', encoding="utf-8")  # no reader.json
    window = ReaderSettings(max_length=160, stride=64, quantize="int8")
    shipped = reader_for_folder(str(SHIPPED_READER), window)
    assert runs_on_onnx(str(SHIPPED_READER)) and isinstance(shipped, OnnxReader)
    assert shipped.settings == window
    assert isinstance(reader_for_folder(str(plain), window), TransformerReader)


def test_on_a_synthetic_set_the_decision_answers_at_its_known_rate():
    # 70% answerable (margins around 4, their best span right), 30% not (margins around -2):
    # the calibrated margin separates them, and the reader's decision with it answers ~70%.
    from qa.readers.decoding import ReaderSettings, answers_from

    rng = np.random.default_rng(1)
    answerable = rng.uniform(size=2000) < 0.7
    margins = np.where(answerable, rng.normal(4.0, 1.0, answerable.size), rng.normal(-2.0, 1.0, answerable.size))
    readings = [Reading(float(m), float(a), float(a), not a) for m, a in zip(margins, answerable)]
    threshold, exact = best_margin(readings)
    assert -1.5 < threshold < 3.5 and exact > 0.97
    settings = ReaderSettings(null_margin=threshold, threshold=0.0)
    passage = Passage(Chunk("d", 0, 11, "Rome is old"), "T", 1.0, 1)
    answered = [bool(answers_from([WindowSpan(0, SpanCandidate(0, 4, float(m)), 0.0)], [passage], settings, 1))
                for m in margins]
    assert np.mean(answered) == pytest.approx(answerable.mean(), abs=0.02)
    assert np.mean(np.array(answered) == answerable) > 0.97
