"""How results are shown as plain text in a terminal (the JSON shapes are in qa/schema.py)."""
from __future__ import annotations

import textwrap

from .evidence import SURE_SCORE, disagreement, runner_up, titles
from .results import Answer, Passage, Result


def mark_answer(answer: Answer, left: str = "[[", right: str = "]]") -> str:
    """The answer's sentence with the answer wrapped in markers."""
    a, b = answer.start - answer.context_start, answer.end - answer.context_start
    return answer.context[:a] + left + answer.context[a:b] + right + answer.context[b:]


def result_text(result: Result, width: int = 88) -> str:
    lines: list[str] = []
    if result.corrected_question is not None:
        lines += [f"Showing answers for: {result.corrected_question}",
                  f"  (you typed: {result.question}; --no-correct asks exactly that)", ""]
    if not result.answers:
        lines.append("No answer found in the articles. The closest passages:")
        for passage in result.passages[:3]:
            lines.append(f"  - {passage.title} [{passage.doc_id}]")
            lines.append(_indent(_shorten(passage.chunk.text, 300), width))
        return "\n".join(lines)
    best = result.answers[0]
    unsure = "" if best.score >= SURE_SCORE else " - not sure: check the passage"
    lines.append(f"Answer: {best.text}   (confidence {best.score:.2f}{unsure}{_given_by(best)})")
    differing, close = disagreement(result.answers), runner_up(result.answers)
    if differing is not None:
        lines.append(f"The articles disagree: {best.text} ({titles(best)}) or {differing.text} "
                     f"({titles(differing)}, confidence {differing.score:.2f})")
    elif close is not None:
        lines.append(f"Close second: {close.text}   (confidence {close.score:.2f})")
    for number, answer in enumerate(result.answers, start=1):
        lines.append("")
        lines.append(f"[{number}] {answer.text}  ·  {answer.score:.2f}  ·  {_cited(answer)}{_given_by(answer)}")
        lines.append(_indent(mark_answer(answer), width))
        for reading in answer.support:
            lines.append(f"    also: {_cited(reading)}")
    return "\n".join(lines)


def _cited(answer: Answer) -> str:
    return f"{answer.title} [{answer.doc_id}, characters {answer.start}-{answer.end}{_dated(answer.passage)}]"


def _given_by(answer: Answer) -> str:
    count = len(answer.articles)
    return f", given by {count} articles" if count > 1 else ""


def passages_text(passages: list[Passage], width: int = 88) -> str:
    if not passages:
        return "No matching passages."
    lines = []
    for passage in passages:
        lines.append(f"{passage.rank}. {passage.title} [{passage.doc_id}, characters "
                     f"{passage.chunk.start}-{passage.chunk.end}{_dated(passage)}]  score {passage.score:.4f}")
        lines.append(_indent(_shorten(passage.chunk.text, 400), width))
    return "\n".join(lines)


def _dated(passage: Passage | None) -> str:
    """", 2024-03-03, Reuters" for what the article says of itself; "" when it says nothing."""
    parts = [p for p in ((passage.date, passage.source) if passage else ()) if p]
    return "".join(f", {p}" for p in parts)


def _indent(text: str, width: int) -> str:
    return textwrap.fill(" ".join(text.split()), width=width, initial_indent="    ", subsequent_indent="    ")


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"
