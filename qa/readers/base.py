"""The one interface every reader implements."""
from __future__ import annotations

from typing import Protocol, Sequence

from ..results import Answer, Passage


class Reader(Protocol):
    name: str

    def read(self, question: str, passages: Sequence[Passage], max_answers: int) -> list[Answer]:
        """Answers best first, at most `max_answers`; [] when no passage answers the question."""
