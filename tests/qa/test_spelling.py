from hypothesis import given, settings
from hypothesis import strategies as st

from index.documents import Document
from qa.spelling import SpellingCorrector, english_words

ARTICLE = Document("bridge", "Portvale bridge opens",
                   "The Portvale bridge opened on March 3. Councillors from Hamewick attended the ceremony, "
                   "and the conference on transport followed. Qingdao sent a delegation.", "bridge.txt")


def corrected(question: str, documents=None) -> str:
    return SpellingCorrector().correct(question, documents or {ARTICLE.id: ARTICLE}).text


def test_a_misspelt_word_is_corrected_to_the_nearest_word_of_the_collection():
    assert corrected("Who attended the ceremony in Portvael?") == "Who attended the ceremony in Portvale?"
    assert corrected("When did the Qingdo delegation come?") == "When did the Qingdao delegation come?"
    assert corrected("Who atended the confrence?") == "Who attended the conference?"


def test_the_corrections_say_which_words_changed_and_where_they_are_now():
    result = SpellingCorrector().correct("Who atended the confrence?", {ARTICLE.id: ARTICLE})
    assert result.changed
    assert [(c.original, c.replacement) for c in result.corrections] == [("atended", "attended"),
                                                                        ("confrence", "conference")]
    assert all(result.text[c.start:c.end] == c.replacement for c in result.corrections)


def test_words_in_the_collection_or_the_dictionary_numbers_and_acronyms_are_never_touched():
    for question in ("What happened on March 3?", "What did the WHO say about Portvale?",
                     "What did Hamewick councillors decide?", "Where is the bridge 4b?",
                     "Did BioNTech attend?", "Was it the 3rd bridge?"):
        assert corrected(question) == question


def test_a_capitalised_name_is_only_corrected_to_a_capitalised_word_of_the_collection():
    # "Moderna" is one edit from "modern", an English word, but it is a name, and the
    # collection writes no "Modern": left alone.
    article = Document("m", "Science", "A modern vaccine plant opened in Hamewick.", "m.txt")
    assert corrected("What did Moderna open in Hamewick?", {"m": article}) == "What did Moderna open in Hamewick?"
    assert corrected("What opened in Hamewik?", {"m": article}) == "What opened in Hamewick?"


def test_a_word_not_in_the_collection_is_corrected_from_the_dictionary():
    assert corrected("Which goverment sent a delegation?") == "Which government sent a delegation?"


def test_the_vocabulary_follows_articles_added_and_removed():
    speller = SpellingCorrector()
    other = Document("river", "River", "The Voltaris river flooded the valley.", "river.txt")
    assert speller.correct("Where did the Voltarsi flood?", {ARTICLE.id: ARTICLE}).text == \
        "Where did the Voltarsi flood?"
    both = {ARTICLE.id: ARTICLE, other.id: other}
    assert speller.correct("Where did the Voltarsi flood?", both).text == "Where did the Voltaris flood?"
    assert "voltaris" in speller.vocabulary.counts
    speller.correct("x", {ARTICLE.id: ARTICLE})
    assert "voltaris" not in speller.vocabulary.counts and speller.vocabulary.counts["portvale"] == 2
    # An article edited in place is counted again, not twice.
    changed = Document("bridge", ARTICLE.title, ARTICLE.text.replace("Qingdao", "Yantai"), "bridge.txt")
    speller.correct("x", {changed.id: changed})
    assert "qingdao" not in speller.vocabulary.counts and speller.vocabulary.counts["yantai"] == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(sorted(w for w in english_words() if w.isalpha() and len(w) > 3)[:5000]),
                min_size=1, max_size=8))
def test_a_question_of_dictionary_words_is_never_changed(words):
    question = " ".join(words).capitalize() + "?"
    assert corrected(question) == question
