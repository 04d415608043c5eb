import random

from training.train_negatives import sentence_spans, swap_entity, swap_noun, without_answer_sentence

CONTEXT = ("The plant opened in Lyon in 1998. It was built by Arcadia Systems for the city. "
           "Production moved to Toulouse in 2004.")


def test_sentence_spans_cover_each_sentence():
    spans = sentence_spans(CONTEXT)
    assert [CONTEXT[s:e] for s, e in spans] == [
        "The plant opened in Lyon in 1998.",
        "It was built by Arcadia Systems for the city.",
        "Production moved to Toulouse in 2004.",
    ]


def test_without_answer_sentence_cuts_the_sentence_holding_the_answer():
    answer = ("Arcadia Systems", CONTEXT.index("Arcadia"))
    remaining = without_answer_sentence(CONTEXT, [answer])
    assert remaining == "The plant opened in Lyon in 1998. Production moved to Toulouse in 2004."


def test_without_answer_sentence_refuses_when_the_answer_is_repeated_elsewhere():
    context = "Lyon has a plant. The plant is in Lyon."
    assert without_answer_sentence(context, [("Lyon", 0)]) is None


def test_without_answer_sentence_refuses_when_nothing_is_left():
    assert without_answer_sentence("Only Lyon.", [("Lyon", 5)]) is None


def test_swap_entity_replaces_a_name_the_paragraph_has_with_one_it_lacks():
    article = [CONTEXT, "Later the firm sold shares to Meridian and to Vantor in 2011."]
    question = "When did the plant in Lyon open?"
    swapped = swap_entity(question, CONTEXT, article, random.Random(0))
    assert swapped in {"When did the plant in Meridian open?", "When did the plant in Vantor open?"}


def test_swap_entity_swaps_numbers_for_numbers_of_the_same_length():
    article = [CONTEXT, "Sales fell in 2011 and rose by 15 percent."]
    swapped = swap_entity("What opened in 1998?", CONTEXT, article, random.Random(0))
    assert swapped == "What opened in 2011?"


def test_swap_entity_gives_none_when_nothing_can_be_swapped():
    assert swap_entity("What opened in the city?", CONTEXT, [CONTEXT], random.Random(0)) is None
    assert swap_entity("When did Lyon get a plant?", CONTEXT, [CONTEXT], random.Random(0)) is None


SCHOOL = "The school has 300 pupils and 20 teachers. Its budget rose."


def test_swap_noun_keeps_plural_for_plural():
    article = [SCHOOL, "The council approved the buildings and hired a nurse."]
    swapped = swap_noun("How many teachers work at the school?", SCHOOL, article, random.Random(0))
    assert swapped in {"How many buildings work at the school?", "How many teachers work at the nurse?"}


def test_swap_noun_leaves_names_numbers_and_adjectives_alone():
    article = [SCHOOL, "They chose the largest of the sites, the first in Leeds since 1990."]
    assert swap_noun("Which school has the largest budget?", SCHOOL, article, random.Random(0)) is None
    assert swap_noun("How many pupils were there in 1990?", "In 1990 there were 300 pupils.",
                     ["In 1990 there were 300 pupils.", "The council met the first day."], random.Random(0)) is None


def test_swap_noun_needs_a_noun_the_paragraph_has_and_one_it_lacks():
    assert swap_noun("What did the mayor say?", SCHOOL, [SCHOOL, "The mayor met the pupils."],
                     random.Random(0)) is None
    assert swap_noun("How many pupils are there?", SCHOOL, [SCHOOL], random.Random(0)) is None
