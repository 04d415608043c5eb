from index.documents import Chunk
from qa.evidence import answer_key, combine_evidence, disagreement, runner_up
from qa.results import Answer, Passage


def reading(text: str, score: float, doc: str, start: int = 0, title: str | None = None) -> Answer:
    chunk = Chunk(doc, 0, 100, "x" * 100)
    return Answer(text, score, doc, title or doc.title(), start, start + len(text), "c", 0, 100,
                  Passage(chunk, title or doc, 1.0, 1))


def test_the_same_answer_from_several_articles_is_one_answer_with_all_its_citations():
    merged = combine_evidence([reading("27", 0.6, "a"), reading("three", 0.7, "b"), reading("27", 0.5, "c", 40),
                               reading("The 27,", 0.4, "d")], limit=5)
    assert [a.text for a in merged] == ["three", "27"]
    assert merged[1].score == 0.6  # the best reading's calibrated score, unchanged
    assert merged[1].articles == ["a", "c", "d"]
    assert [(r.doc_id, r.start) for r in merged[1].support] == [("c", 40), ("d", 0)]


def test_answer_keys_ignore_case_punctuation_and_a_leading_article():
    assert answer_key("The River Hame,") == answer_key("river hame") == "river hame"
    assert answer_key("27") != answer_key("25")


def test_a_close_runner_up_is_shown_and_one_from_other_articles_is_a_disagreement():
    same_article = [reading("three", 0.73, "a"), reading("27", 0.65, "a", 50)]
    assert runner_up(same_article).text == "27" and disagreement(same_article) is None
    other_article = [reading("27", 0.7, "a"), reading("25", 0.66, "b")]
    assert disagreement(other_article).text == "25"
    far = [reading("27", 0.9, "a"), reading("25", 0.5, "b")]
    assert runner_up(far) is None and disagreement(far) is None
    assert runner_up(far[:1]) is None
