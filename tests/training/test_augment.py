"""Examples without punctuation: the answer's span moves with the text, or none is made."""
from eval.squad import SquadQuestion
from training.augment import strip_punctuation, without_punctuation


def _question(context, answer, question="Who built the bridge, and when?"):
    return SquadQuestion("q", "T", 0, context, question, ((answer, context.index(answer)),))


def test_punctuation_goes_and_offsets_point_back():
    text, origin = strip_punctuation('He said, "Yes." (Later: no!)')
    assert text == "He said Yes Later no"
    assert all(text[i] == 'He said, "Yes." (Later: no!)'[origin[i]] for i in range(len(text)) if text[i] != " ")


def test_the_answer_moves_with_the_paragraph():
    q = without_punctuation(_question("In 1998, the bridge (a long one) was built by Arcadia Systems. It cost a lot.",
                                      "Arcadia Systems"))
    text, start = q.answers[0]
    assert q.context == "In 1998 the bridge a long one was built by Arcadia Systems It cost a lot"
    assert q.context[start:start + len(text)] == "Arcadia Systems" and q.question == "Who built the bridge and when"


def test_an_answer_that_would_lose_characters_is_left_out():
    assert without_punctuation(_question("It was built in the U.S. in 1998.", "U.S.")) is None
    assert without_punctuation(SquadQuestion("q", "T", 0, "Text.", "Who?", ())) is None  # unanswerable
