"""What kind of thing a gold answer is, for the report's per-type breakdown: told from the
answer's own text by its shape, with no language model."""
from __future__ import annotations

import re

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_DATE = re.compile(rf"\b({_MONTHS})\b|\b(1[89]|20)\d\d\b|\b(mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                     r"forty|fifty|hundred|thousand|million|billion|dozen|half)\b", re.I)
_SMALL_WORDS = {"of", "the", "and", "for", "de", "in", "on", "at", "&"}


def answer_type(answer: str) -> str:
    """"date", "number", "name" (every word capitalised: a person, place or organisation)
    or "other"."""
    if _DATE.search(answer):
        return "date"
    if _NUMBER.search(answer):
        return "number"
    words = [w for w in re.findall(r"[\w'’-]+", answer) if w.lower() not in _SMALL_WORDS]
    if words and all(w[0].isupper() for w in words):
        return "name"
    return "other"
