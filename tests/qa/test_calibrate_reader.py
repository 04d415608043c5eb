"""Calibration: the no-answer margin that maximises exact match, and the logistic fit."""
import numpy as np
import pytest

from qa.calibrate_reader import Reading, best_margin, fit_logistic


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
