import pytest

from qa.readers.answer_types import (
    AGE, NAME, DATE, DURATION, MONEY, NUMBER, ORDINAL, ORG, OTHER, PERCENT, PERSON, PLACE, QUANTITY, SCORE, TITLE,
    AnswerType, detect_answer_type, noun_answer_type,
)


@pytest.mark.parametrize("question,expected", [
    ("How many players entered the tournament?", NUMBER),
    ("How much did the new stadium cost?", MONEY),
    ("What percentage of voters turned out?", PERCENT),
    ("When did the bridge open?", DATE),
    ("In which year was the club founded?", DATE),
    ("Where was the final played?", PLACE),
    ("Which city will host the games?", PLACE),
    ("Who designed the museum?", PERSON),
    ("Who organised the festival?", ORG),
    ("Which company built the tunnel?", ORG),
    ("What was the theme of the exhibition?", TITLE),
    ("What was the selling price of the painting?", MONEY),
    ("How long is the new runway?", QUANTITY),
    ("How long did the strike last?", DURATION),
    ("Which anniversary does the orchestra celebrate?", ORDINAL),
    ("What did the minister promise?", OTHER),
    ("Over which dates does the fair run?", DATE),
    ("What was the winning women's time in the race?", DURATION),
    ("In which part of the city is the stadium?", PLACE),
    ("Which event does the parade belong to?", TITLE),
    ("How long will the new cycle route be?", QUANTITY),
    ("How long did the restoration take?", DURATION),
    ("What was the score after extra time?", SCORE),
    ("How did the council vote on the plan?", SCORE),
    ("How old is the new conductor?", AGE),
    ("Which orchestra did she lead?", ORG),
    ("Which group's technology won the prize?", ORG),
    ("What is the council's annual budget?", MONEY),
    ("What is the name of the ship that sank?", NAME),
    ("What height did the river reach at the bridge?", QUANTITY),
    ("What is the name of the company that built it?", ORG),
    ("What is the name of the daughter?", PERSON),
    ("Which brother took over the farm?", PERSON),
    ("What is the new vaccine called?", NAME),
    ("What was the merged company named?", ORG),
    ("Where was the ship sailing to when it sank?", PLACE),
    ("Who was the mayor when the bridge opened?", PERSON),
])
def test_primary_answer_type(question, expected):
    assert detect_answer_type(question).primary == expected


def test_focus_noun_of_how_many():
    assert detect_answer_type("How many academicians attended?").focus == "academicians"


@pytest.mark.parametrize("noun,expected", [
    ("broker", ORG), ("profit", MONEY), ("revenues", MONEY), ("rise", PERCENT), ("turnout", PERCENT),
    ("coroner", PERSON), ("xylophone", OTHER),
])
def test_the_noun_a_question_asks_about_gives_its_type(noun, expected):
    from_wording = AnswerType((OTHER,), None, "what")
    found = noun_answer_type(noun, from_wording)
    assert found.primary == expected
    assert found.focus == (noun if expected != OTHER else None)


def test_a_type_the_wording_took_from_another_noun_gives_way():
    from_wording = detect_answer_type("Which journal published the results?")
    assert from_wording.primary == SCORE  # "results" is a word for a score
    assert noun_answer_type("journal", from_wording).primary == OTHER
