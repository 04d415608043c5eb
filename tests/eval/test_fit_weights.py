"""Fitting the offline reader's weights: the likelihood fit and the count of right answers."""
import numpy as np
import pytest

from eval.fit_weights import ScoredQuestion, current_weights, fit, main, question_sets, right_answers
from qa.readers.offline import FEATURES

N = len(FEATURES) + 1  # features, then the bias column


def question(rows, right, answerable=True):
    features = np.zeros((len(rows), N))
    for i, row in enumerate(rows):
        features[i, : len(row)] = row
        features[i, -1] = 1.0
    return ScoredQuestion(features, np.array(right, dtype=bool), answerable)


def test_the_fit_learns_which_feature_marks_the_right_answer():
    # the first feature marks the right candidate; the second is high on the wrong one
    questions = [question([[0.0, 1.0], [1.0, 0.0]], [False, True]) for _ in range(20)]
    questions += [question([[0.0, 1.0]], [False], answerable=False) for _ in range(20)]
    prior = np.zeros(N)
    assert right_answers(prior, questions) == 0  # all scores tie: the first (wrong) one, always answered
    fitted = fit(questions, prior, strength=0.01)
    assert fitted[0] > 0 > fitted[1]
    assert right_answers(fitted, questions) == len(questions)


def test_the_pull_keeps_weights_near_the_prior():
    questions = [question([[1.0], [0.0]], [True, False]) for _ in range(5)]
    prior = current_weights()
    loose, tight = fit(questions, prior, strength=0.01), fit(questions, prior, strength=1000.0)
    assert np.abs(tight - prior).max() < 0.05 < np.abs(loose - prior).max()


def test_questions_without_any_candidate():
    empty = np.zeros((0, N))
    assert right_answers(current_weights(), [ScoredQuestion(empty, np.zeros(0, bool), False)]) == 1
    assert right_answers(current_weights(), [ScoredQuestion(empty, np.zeros(0, bool), True)]) == 0


def test_the_sets_are_found_and_unknown_ones_refused(capsys):
    assert {"bundled", "general"} <= set(question_sets())
    with pytest.raises(SystemExit) as exit:
        main(["--sets", "bundled", "no-such-set"])
    assert exit.value.code == 2 and "no-such-set" in capsys.readouterr().err
