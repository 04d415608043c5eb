"""Evidence across passages and articles: the same answer read from several passages is one
answer with every citation, and articles that give different answers are said to disagree."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from .results import Answer

_PUNCTUATION = re.compile(r"[^\w\s]")
_ARTICLES = re.compile(r"^(?:the|a|an)\s+")
# The calibrated confidence an answer needs to be shown as an answer and not as "not sure:
# check the passage": on the question sets, answers scored this high are right 9 times in 10.
SURE_SCORE = 0.8
# A runner-up within this much of the best answer's score is shown beside it, not hidden.
CLOSE_SCORE = 0.1


def answer_key(text: str) -> str:
    """What two readings must share to be the same answer: lower case, punctuation and a
    leading article dropped ("The River Hame," and "river Hame" are one answer)."""
    text = " ".join(_PUNCTUATION.sub(" ", text.lower()).split())
    return _ARTICLES.sub("", text)


def combine_evidence(answers: Sequence[Answer], limit: int) -> list[Answer]:
    """Readings with the same answer merged into one answer, led by its best-scored reading
    (whose calibrated score it keeps) with the others as its support; best first."""
    groups: dict[str, list[Answer]] = {}
    for answer in sorted(answers, key=lambda a: -a.score):
        groups.setdefault(answer_key(answer.text) or answer.text, []).append(answer)
    merged = [replace(group[0], support=tuple(group[1:])) for group in groups.values()]
    return merged[:limit]


def runner_up(answers: Sequence[Answer], close: float = CLOSE_SCORE) -> Answer | None:
    """The second answer when its score is within `close` of the best's: the reader could not
    tell them apart, and the user should see both."""
    if len(answers) < 2 or answers[0].score - answers[1].score > close:
        return None
    return answers[1]


def disagreement(answers: Sequence[Answer], close: float = CLOSE_SCORE) -> Answer | None:
    """A close runner-up that only other articles give: the articles disagree."""
    second = runner_up(answers, close)
    if second is None or set(second.articles) & set(answers[0].articles):
        return None
    return second


def titles(answer: Answer, most: int = 3) -> str:
    """The titles of the articles that give the answer, for a sentence."""
    named = list(dict.fromkeys(reading.title for reading in answer.readings))
    return "; ".join(named[:most]) + (f" and {len(named) - most} more" if len(named) > most else "")
