"""Sentence boundaries as character offsets into the original text.

News text scraped from the web often glues sentences together ("on Friday.The
meeting"), so a period directly followed by a capitalised word also ends a
sentence, unless it looks like an abbreviation, an initial or a decimal.
"""
from __future__ import annotations

import re

# Titles and common abbreviations that end in a period without ending a sentence.
_ABBREVIATIONS = frozenset("""
    mr mrs ms dr prof sr jr st mt co corp inc ltd llc plc vs etc eg ie al no nos fig figs gen gov sen
    rep rev col capt lt sgt dept univ assn bros est approx jan feb mar apr jun jul aug sep sept oct nov
    dec u.s u.k u.n e.g i.e a.m p.m
""".split())
_CLOSERS = "\"'”’)]"
# Sentence-final punctuation, optional closing quotes/brackets.
_END = re.compile(r"[.!?]+[\"'”’)\]]*")
_LINE = re.compile(r"[^\n]+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of each sentence, in order, trimmed of whitespace.

    Lines are never joined: a newline always ends a sentence, which keeps
    headlines and bylines apart from the body.
    """
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        start = line.start()
        for boundary in _boundaries(text, line.start(), line.end()):
            _append_trimmed(text, start, boundary, spans)
            start = boundary
        _append_trimmed(text, start, line.end(), spans)
    return spans


def _boundaries(text: str, lo: int, hi: int) -> list[int]:
    cuts = []
    for match in _END.finditer(text, lo, hi):
        end = match.end()
        if end >= hi:
            continue
        if _ends_sentence(text, lo, match.start(), end, hi):
            cuts.append(end)
    return cuts


def _ends_sentence(text: str, lo: int, punct: int, end: int, hi: int) -> bool:
    nxt = text[end]
    word = _word_before(text, lo, punct)
    mark = text[punct]
    if nxt.isspace():
        following = text[end:hi].lstrip()
        if not following:
            return False
        first = following[0]
        if mark != "." or text[end - 1] in _CLOSERS:
            return first.isupper() or first.isdigit() or first in "\"'“‘(["
        if word.lower().rstrip(".") in _ABBREVIATIONS or word.lower() in _ABBREVIATIONS:
            return False
        if len(word) == 1 and word.isalpha() and word.isupper():
            return False  # an initial: "Adel K. El-Naggar"
        return first.isupper() or first.isdigit() or first in "\"'“‘(["
    # Glued: "Friday.The", "2020.The". Require a capitalised word after it.
    if not (nxt.isupper() and end + 1 < hi and text[end + 1].islower()):
        return False
    if mark != "." or text[end - 1] in _CLOSERS:
        return True
    if not word or "." in word:
        return False
    if word.isalpha():
        return len(word) >= 2 and word.lower() not in _ABBREVIATIONS
    return word.isdigit()


def _word_before(text: str, lo: int, pos: int) -> str:
    """The run of non-space characters just before `pos` (within the line)."""
    i = pos
    while i > lo and not text[i - 1].isspace() and text[i - 1] not in _CLOSERS + "(“‘":
        i -= 1
    return text[i:pos]


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
