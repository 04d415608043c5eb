"""Training examples in another text style: the same question and paragraph without
punctuation, as informal text is written. The reader's margin over "no answer" drops on such
text (benchmarks/text_styles.py), so a reader that has seen it declines it less."""
from __future__ import annotations

import re
from dataclasses import replace

from eval.squad import SquadQuestion

_PUNCTUATION = re.compile(r"[.,;:!?\"“”()]")


def strip_punctuation(text: str) -> tuple[str, list[int]]:
    """The text without punctuation and with single spaces, and for each character of the
    result the offset it came from in `text` (so an answer's span can be carried over)."""
    kept, origin = [], []
    for offset, char in enumerate(_PUNCTUATION.sub(" ", text)):
        if char.isspace():
            if not kept or kept[-1] == " ":
                continue
            char = " "
        kept.append(char)
        origin.append(offset)
    while kept and kept[-1] == " ":
        kept.pop()
        origin.pop()
    return "".join(kept), origin


def without_punctuation(question: SquadQuestion) -> SquadQuestion | None:
    """The question and its paragraph with the punctuation taken out, the answer's span moved
    with it; None when the answer itself loses characters (such as "U.S.")."""
    if question.is_impossible:
        return None
    context, origin = strip_punctuation(question.context)
    text, start = question.answers[0]
    stripped_answer = strip_punctuation(text)[0]
    if stripped_answer != text.strip():
        return None
    try:
        new_start = origin.index(start)
    except ValueError:
        return None
    if context[new_start:new_start + len(text)] != text:
        return None
    return replace(question, id=question.id + "-np", context=context,
                   question=strip_punctuation(question.question)[0], answers=((text, new_start),))
