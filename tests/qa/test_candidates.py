"""Candidate spans and the answer types they can fill."""
import pytest

from qa.readers.answer_types import AGE, DATE, DURATION, NUMBER, ORG, PERSON, PLACE, QUANTITY, SCORE, TIME
from qa.readers.candidates import find_candidates
from qa.readers.language import load_english


@pytest.fixture(scope="module")
def nlp():
    return load_english()


def candidates(nlp, sentence):
    doc = nlp(sentence)
    return {doc.text[c.start:c.end]: c for c in find_candidates(doc)}


def all_types(candidate):
    return candidate.types + candidate.weak_types


def test_a_name_that_modifies_a_common_noun_is_not_a_person(nlp):
    found = candidates(nlp, "The tunnel under the Varne estuary was built by Helena Voss.")
    assert PERSON not in all_types(found["Varne"])
    assert PERSON in all_types(found["Helena Voss"])


def test_the_name_of_a_village_is_a_place(nlp):
    found = candidates(nlp, "A retired teacher in the village of Ellerby has found a comet.")
    assert PERSON not in all_types(found["Ellerby"])
    assert PLACE in found["Ellerby"].types


def test_scores_and_tallies(nlp):
    found = candidates(nlp, "Rovers beat Athletic 4-2 on penalties after the council voted 31 to 9 in 2019-2020.")
    assert SCORE in found["4-2"].types
    assert SCORE in found["31 to 9"].types
    assert "2019-2020" not in found or SCORE not in found["2019-2020"].types


def test_ages(nlp):
    found = candidates(nlp, "Margaret Ashdown, 67, saw it first; her 12-year-old grandson, aged 12, saw it too.")
    assert AGE in found["67"].types
    assert AGE in found["12-year-old"].types


def test_lengths_in_centimetres_keep_their_unit(nlp):
    found = candidates(nlp, "She used a 28-centimetre telescope.")
    assert QUANTITY in found["28-centimetre"].types


def test_a_preposition_the_tagger_ran_into_a_number_is_trimmed(nlp):
    found = candidates(nlp, "Its tools translate documents between 42 languages.")
    assert "42" in found and "between 42" not in found


def test_an_ampersand_joins_a_name(nlp):
    assert "Holm & Price" in candidates(nlp, "The building was designed by the architects Holm & Price.")


def test_a_name_keeps_its_form_without_the_title_before_it(nlp):
    found = candidates(nlp, "Chief executive Dr Amrita Bose said the hospital would open in May.")
    assert "Amrita Bose" in found and PERSON in all_types(found["Amrita Bose"])


def test_a_word_of_a_quoted_title_is_no_person(nlp):
    found = candidates(nlp, 'The stolen works are "Harbour at Dusk", painted in 1871, and a portrait.')
    assert all(PERSON not in all_types(c) for text, c in found.items() if text == "Harbour")


def test_a_name_after_on_is_a_place(nlp):
    found = candidates(nlp, "A man was rescued from his car by firefighters on Mill Road.")
    assert PERSON not in all_types(found["Mill Road"])


def test_clock_times_eras_and_seasons(nlp):
    found = candidates(nlp, "The fort, abandoned around AD 410, will reopen in the autumn; doors open at 9.30am.")
    assert TIME in found["9.30am"].types
    assert "9" not in found  # the hour alone is no number
    assert DATE in found["around AD 410"].types
    assert "410" not in found  # a year of the era, no count
    assert DATE in found["in the autumn"].types


def test_a_hyphenated_length_of_time_is_a_duration_not_a_date(nlp):
    found = candidates(nlp, "It was the first strike since a two-day stoppage in May 2019.")
    assert DURATION in found["two-day"].types and DATE not in found["two-day"].types


def test_the_number_of_a_percentage_or_a_sum_is_no_count(nlp):
    found = candidates(nlp, "Revenue rose 4 percent to £1.2 billion, with 300 new staff.")
    assert "4" not in found and "1.2 billion" not in found
    assert NUMBER in found["300"].types


def test_a_name_after_its_kind_is_a_name_of_its_own(nlp):
    found = candidates(nlp, "The Welsh novel The Quiet Harbour won the Marlow Prize.")
    assert "Quiet Harbour" in found
    assert not any("novel" in text and "Quiet" in text for text in found if found[text].source == "name")


def test_people_by_what_they_do_unless_a_name_says_it(nlp):
    found = candidates(nlp, "A coroner will decide, said Ann Lee, the museum's curator.")
    assert PERSON in all_types(found["A coroner"])
    assert PERSON not in all_types(found["museum's curator"])



def test_a_year_is_a_date_not_a_count(nlp):
    found = candidates(nlp, "The bridge was built in 1968 and carries 2011 lorries a day.")
    assert DATE in found["1968"].types and NUMBER not in all_types(found["1968"])
    assert NUMBER in found["2011"].types  # a number the tagger does not call a date still counts


def test_a_person_named_after_a_party_is_the_name_alone(nlp):
    found = candidates(nlp, "The outgoing leader, Liberal Democrat Graham Pell, lost his own seat.")
    assert PERSON in found["Graham Pell"].types
    assert PERSON not in all_types(found["Liberal Democrat Graham Pell"])


def test_a_name_after_a_noun_of_a_known_kind_is_of_that_kind(nlp):
    # the tagger calls these a place and a person; the noun before each says otherwise
    assert candidates(nlp, "The ferries were built by the Norwegian company Halvik.")["Halvik"].types[0] == ORG
    assert candidates(nlp, "The lorries were assembled by the Swedish company Vellmar.")["Vellmar"].types[0] == ORG
    found = candidates(nlp, "Her sister left the company last year.")
    assert ORG not in all_types(found["last year"])  # a date after the noun is no name
