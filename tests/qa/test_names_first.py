"""A search for names puts the passages that name them first; a question keeps the retriever's order."""
from index.documents import Chunk
from qa.results import Passage
from qa.retrieval import is_name_search, names_first, names_in, searched_names


def _passages(*texts):
    return [Passage(Chunk(f"d{n}", 0, len(text), text), "T", 1.0 - n / 10, n + 1) for n, text in enumerate(texts)]


def test_names_are_the_capitalised_runs_less_the_words_a_question_opens_with():
    assert names_in("What did Wu Jincheng say about Qingdao?") == ["Wu Jincheng", "Qingdao"]
    assert is_name_search("Wu Jincheng") and is_name_search("Who is Wu Jincheng?")
    assert not is_name_search("What did Wu Jincheng say?") and not is_name_search("apple harvest")


def test_a_name_search_puts_passages_naming_it_first_and_cuts_to_k():
    passages = _passages("The chairman spoke.", "Wu Jincheng, the chairman, spoke.", "Jincheng Wu arrived.",
                         "Wu Jincheng left.")
    found = names_first(searched_names("Wu Jincheng"), passages, 3)
    assert [p.doc_id for p in found] == ["d1", "d3", "d0"] and [p.rank for p in found] == [1, 2, 3]


def test_a_question_names_nothing_to_put_first():
    assert searched_names("What did Wu Jincheng say?") == [] and searched_names("apple harvest") == []
    assert searched_names("Who is Wu Jincheng?") == ["Wu Jincheng"]
