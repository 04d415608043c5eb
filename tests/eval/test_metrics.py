import pytest

from eval.metrics import (
    answer_scores,
    exact_match,
    f1_score,
    first_relevant_rank,
    normalize_answer,
    passage_matches,
    percentile,
    recall_at,
    reciprocal_rank,
)


def test_squad_normalisation():
    assert normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert normalize_answer("an Apple, a day") == "apple day"
    assert normalize_answer("“Quoted”") == "quoted"


def test_exact_match_ignores_case_articles_and_punctuation():
    assert exact_match("the Chengdu High tech Zone", "Chengdu High tech Zone.") == 1.0
    assert exact_match("Chengdu", "Chengdu High tech Zone") == 0.0


def test_f1_by_hand():
    # prediction tokens: [over, 300, experts], gold: [300] -> p = 1/3, r = 1, f1 = 0.5
    assert f1_score("over 300 experts", "300") == pytest.approx(0.5)
    assert f1_score("red blue", "blue green") == pytest.approx(0.5)
    assert f1_score("nothing", "else") == 0.0


def test_best_over_golds_and_unanswerable_scoring():
    assert answer_scores("300", ["over 300", "300"]) == (1.0, 1.0)
    assert answer_scores(None, ["27"]) == (0.0, 0.0)
    assert answer_scores(None, []) == (1.0, 1.0)
    assert answer_scores("27", []) == (0.0, 0.0)


def test_passage_relevance_needs_gold_doc_and_a_whole_word_answer():
    assert passage_matches("There were 27 academicians.", "d1", ["27"], "d1")
    assert not passage_matches("There were 27 academicians.", "d2", ["27"], "d1")
    assert not passage_matches("There were 270 academicians.", "d1", ["27"], "d1")
    assert passage_matches("There were 27 academicians.", "any", ["27"], None)


def test_rank_recall_and_mrr_by_hand():
    rank = first_relevant_rank([False, False, True, True])
    assert rank == 3
    assert recall_at(rank, 1) == 0.0 and recall_at(rank, 5) == 1.0
    assert reciprocal_rank(rank) == pytest.approx(1 / 3)
    assert reciprocal_rank(first_relevant_rank([False])) == 0.0


def test_percentile_interpolates():
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([5], 95) == 5
    assert percentile([], 50) == 0.0
