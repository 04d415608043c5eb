from hypothesis import given
from hypothesis import strategies as st

from index.sentences import split_sentences


def texts_of(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_glued_sentences_are_split():
    assert texts_of("It began on Friday.The meeting ended late.") == ["It began on Friday.", "The meeting ended late."]


def test_glued_after_a_year_is_split():
    assert texts_of("It grew to 428 in 2024.The district said so.") == ["It grew to 428 in 2024.", "The district said so."]


def test_abbreviations_initials_and_decimals_do_not_split():
    text = "Dr. Smith met Adel K. El-Naggar at 3.5 p.m. in the U.S. Army hall. Then they left."
    assert texts_of(text) == ["Dr. Smith met Adel K. El-Naggar at 3.5 p.m. in the U.S. Army hall.", "Then they left."]


def test_newlines_always_end_a_sentence():
    assert texts_of("A headline\nThe body starts here. It goes on") == ["A headline", "The body starts here.", "It goes on"]


def test_question_and_exclamation_marks():
    assert texts_of("Is it? Yes! It is.") == ["Is it?", "Yes!", "It is."]


@given(st.text(alphabet=st.sampled_from(list("ab AB.!?\n\"”1,")), max_size=200))
def test_spans_are_ordered_trimmed_and_cover_every_visible_character(text):
    spans = split_sentences(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end
    covered = set()
    for start, end in spans:
        covered.update(range(start, end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
