"""Hard unanswerable training examples made from answerable SQuAD 1.1 questions.

SQuAD 1.1 has no unanswerable questions, and the easy negatives (another paragraph, a
window without the answer) do not teach what SQuAD 2.0's do: a question that looks
answerable from a paragraph on the same subject, but is not. Two cheap ways to make them:
- the question against its own paragraph with the sentence holding the answer cut out;
- the question with one of its names or numbers that the paragraph contains swapped for
  another from the same article that the paragraph does not contain.
Both return None when they cannot make a clean negative.
"""
from __future__ import annotations

import random
import re
from typing import Sequence

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_NAME_OR_NUMBER = re.compile(r"\b(?:[A-Z][\w'-]*[a-z][\w'-]*|\d{1,4}(?:,\d{3})*)\b")
# A capitalised word that follows a lower-case word or a comma: a name, not a sentence start.
_NAME_IN_TEXT = re.compile(r"(?<=[a-z,] )[A-Z][\w'-]*[a-z][\w'-]*\b")
_NUMBER_IN_TEXT = re.compile(r"\b\d{1,4}(?:,\d{3})*\b")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text`."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def without_answer_sentence(context: str, answers: Sequence[tuple[str, int]]) -> str | None:
    """`context` without the sentences that overlap any answer, or None when nothing would be
    left or an answer's text still occurs in what is left."""
    cut = [(a, a + len(text)) for text, a in answers]
    kept = [context[s:e] for s, e in sentence_spans(context)
            if not any(s < a_end and a_start < e for a_start, a_end in cut)]
    if not kept:
        return None
    remaining = " ".join(kept)
    lowered = remaining.lower()
    if any(text.lower() in lowered for text, _ in answers):
        return None
    return remaining


def swap_entity(question: str, context: str, article: Sequence[str], rng: random.Random) -> str | None:
    """`question` with one name or number that `context` contains replaced by one of the same
    kind from the other paragraphs of `article` that neither `context` nor the question has."""
    def present(word: str, text: str) -> bool:
        # the substring test first: the regex alone, over every word of the article, made
        # building the training examples take minutes
        return word in text and re.search(rf"\b{re.escape(word)}\b", text) is not None

    candidates = [m for m in _NAME_OR_NUMBER.finditer(question) if m.start() > 0 and present(m.group(), context)]
    if not candidates:
        return None
    target = rng.choice(candidates)
    word = target.group()
    pattern = _NUMBER_IN_TEXT if word[0].isdigit() else _NAME_IN_TEXT
    words = {w for paragraph in article if paragraph != context for w in pattern.findall(paragraph)}
    pool = sorted(w for w in words if not present(w, context) and not present(w, question)
                  and (not word[0].isdigit() or len(w) == len(word)))
    if not pool:
        return None
    return question[:target.start()] + rng.choice(pool) + question[target.end():]
