"""What the question side produces: retrieved Passages and extracted Answers."""
from __future__ import annotations

from dataclasses import dataclass, field

from index.documents import Chunk

from .spelling import Correction


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk. score: the retriever's score (higher is better)."""

    chunk: Chunk
    title: str
    score: float
    rank: int
    date: str | None = None  # the article's, ISO 8601, when it gives one
    source: str | None = None
    url: str | None = None  # the original article's address, when it gives one

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id


@dataclass(frozen=True)
class Answer:
    """An extracted answer: `document.text[start:end] == text`.

    score: confidence in [0, 1], comparable across passages and questions.
    context_start / context_end: the sentence (or span) around the answer, in the same
    document offsets, shown as the citation's passage.
    """

    text: str
    score: float
    doc_id: str
    title: str
    start: int
    end: int
    context: str
    context_start: int
    context_end: int
    passage: Passage | None = None
    # The same answer read elsewhere (other passages, other articles), best first: each is
    # a citation of its own. Filled by qa.evidence.combine_evidence.
    support: tuple[Answer, ...] = ()

    @property
    def readings(self) -> tuple[Answer, ...]:
        """This reading and its support."""
        return (self, *self.support)

    @property
    def articles(self) -> list[str]:
        """The ids of the articles that give this answer, this one first."""
        return list(dict.fromkeys(reading.doc_id for reading in self.readings))


@dataclass(frozen=True)
class Result:
    """Everything `ask` returns for one question. question: as asked; corrected_question: what
    was answered instead when misspelt words were corrected (None when nothing changed),
    with `corrections` saying which words."""

    question: str
    answers: list[Answer]
    passages: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)
    reader: str = ""
    corrected_question: str | None = None
    corrections: tuple[Correction, ...] = ()
