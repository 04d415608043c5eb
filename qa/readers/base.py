"""The one interface every reader implements."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..results import Answer, Passage


class Reader(Protocol):
    name: str  # says which reader answered ("onnx", "torch")
    batches_windows: bool  # has prepare / run / finish, so concurrent questions can share passes

    def warm_up(self) -> None:
        """Load the model now (it loads on first use otherwise)."""

    def read(self, question: str, passages: Sequence[Passage], max_answers: int) -> list[Answer]:
        """Answers best first, at most `max_answers`; [] when no passage answers the question."""
