"""Hard unanswerable training examples made from answerable SQuAD 1.1 questions.

SQuAD 1.1 has no unanswerable questions, and the easy negatives (another paragraph, a
window without the answer) do not teach what SQuAD 2.0's do: a question that looks
answerable from a paragraph on the same subject, but is not. Three cheap ways to make them:
- the question against its own paragraph with the sentence holding the answer cut out;
- the question with one of its names or numbers that the paragraph contains swapped for
  another from the same article that the paragraph does not contain;
- the same with a common noun ("how many teachers" where the paragraph counts pupils),
  the kind of swap most unanswerable news questions make.
Each returns None when it cannot make a clean negative.
"""
from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_NAME_OR_NUMBER = re.compile(r"\b(?:[A-Z][\w'-]*[a-z][\w'-]*|\d{1,4}(?:,\d{3})*)\b")
# A capitalised word that follows a lower-case word or a comma: a name, not a sentence start.
_NAME_IN_TEXT = re.compile(r"(?<=[a-z,] )[A-Z][\w'-]*[a-z][\w'-]*\b")
_NUMBER_IN_TEXT = re.compile(r"\b\d{1,4}(?:,\d{3})*\b")
# Without a tagger, a lower-case word right after a determiner or quantifier is taken for a
# noun; the adjectives and ordinals that also stand there most often are left out.
_DETERMINED_WORD = re.compile(
    r"\b(?i:the|a|an|this|that|these|those|its|their|his|her|many|much|which|what|whose) ([a-z]{4,})\b")
_NOT_NOUNS = frozenset("""
    first second third fourth fifth last next same other most more many much such only main following
    former latter early late large small great high long major several various whole entire original
    current modern ancient local national international united public royal new old total average final
    annual best worst
""".split())
_ADJECTIVE_OR_VERB_ENDINGS = ("ous", "ive", "ful", "able", "ible", "less", "est", "ly", "ing", "ed")


def _present(word: str, text: str) -> bool:
    # the substring test first: the regex alone, over every word of the article, made
    # building the training examples take minutes
    return word in text and re.search(rf"\b{re.escape(word)}\b", text) is not None


def _is_plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith("ss")


def _is_noun(word: str) -> bool:
    return word not in _NOT_NOUNS and not word.endswith(_ADJECTIVE_OR_VERB_ENDINGS)


@functools.cache  # each paragraph is looked at for every question of its article
def _nouns(paragraph: str) -> frozenset[str]:
    return frozenset(w for w in _DETERMINED_WORD.findall(paragraph) if _is_noun(w))


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
    candidates = [m for m in _NAME_OR_NUMBER.finditer(question) if m.start() > 0 and _present(m.group(), context)]
    if not candidates:
        return None
    target = rng.choice(candidates)
    word = target.group()
    pattern = _NUMBER_IN_TEXT if word[0].isdigit() else _NAME_IN_TEXT
    words = {w for paragraph in article if paragraph != context for w in pattern.findall(paragraph)}
    pool = sorted(w for w in words if not _present(w, context) and not _present(w, question)
                  and (not word[0].isdigit() or len(w) == len(word)))
    if not pool:
        return None
    return question[:target.start()] + rng.choice(pool) + question[target.end():]


def swap_noun(question: str, context: str, article: Sequence[str], rng: random.Random) -> str | None:
    """`question` with one common noun that `context` also has replaced by a noun from the other
    paragraphs of `article`, singular for singular and plural for plural, that neither
    `context` nor the question has."""
    candidates = [m for m in _DETERMINED_WORD.finditer(question)
                  if _is_noun(m.group(1)) and _present(m.group(1), context)]
    if not candidates:
        return None
    target = rng.choice(candidates)
    word = target.group(1)
    words = {w for paragraph in article if paragraph != context for w in _nouns(paragraph)}
    pool = sorted(w for w in words if _is_plural(w) == _is_plural(word)
                  and not _present(w, context) and not _present(w, question))
    if not pool:
        return None
    return question[:target.start(1)] + rng.choice(pool) + question[target.end(1):]
