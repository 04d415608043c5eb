"""The records that flow through indexing: a loaded Document and the Chunks cut from it."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One article. `text` is the original text; every offset elsewhere points into it."""

    id: str
    title: str
    text: str
    source: str
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    """A contiguous span of a document: `text == document.text[start:end]`."""

    doc_id: str
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}"
