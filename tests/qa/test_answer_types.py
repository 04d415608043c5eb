import pytest

from qa.readers.answer_types import (
    DATE, DURATION, MONEY, NUMBER, ORDINAL, ORG, OTHER, PERCENT, PERSON, PLACE, QUANTITY, TITLE,
    detect_answer_type,
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
])
def test_primary_answer_type(question, expected):
    assert detect_answer_type(question).primary == expected


def test_focus_noun_of_how_many():
    assert detect_answer_type("How many academicians attended?").focus == "academicians"
