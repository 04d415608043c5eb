"""Sentence-aware chunking, sized in the embedder's tokens, with overlap."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .documents import Chunk, Document
from .errors import ConfigError
from .sentences import split_sentences

TokenCounter = Callable[[Sequence[str]], list[int]]
"""Counts tokens for a batch of texts (the embedder's tokenizer, without special tokens)."""

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class ChunkerSettings:
    """max_tokens: the most tokens in one chunk; overlap_tokens: how many tokens of
    trailing sentences a chunk repeats from the one before it."""

    max_tokens: int = 128
    overlap_tokens: int = 32

    def __post_init__(self) -> None:
        if self.max_tokens < 2:
            raise ConfigError(f"chunk size must be at least 2 tokens, got {self.max_tokens}")
        if not 0 <= self.overlap_tokens < self.max_tokens:
            raise ConfigError(
                f"chunk overlap must be between 0 and the chunk size ({self.max_tokens}), "
                f"got {self.overlap_tokens}"
            )


class SentenceChunker:
    """Packs whole sentences into chunks of at most `max_tokens`; a sentence longer
    than that is cut at word boundaries."""

    def __init__(self, count_tokens: TokenCounter, settings: ChunkerSettings = ChunkerSettings()):
        self.count_tokens = count_tokens
        self.settings = settings

    def chunk(self, document: Document) -> list[Chunk]:
        units = self._units(document.text)
        if not units:
            return []
        counts = self.count_tokens([document.text[s:e] for s, e in units])
        chunks: list[Chunk] = []
        first = 0
        while first < len(units):
            last, total = first, counts[first]
            while last + 1 < len(units) and total + counts[last + 1] <= self.settings.max_tokens:
                last += 1
                total += counts[last]
            start, end = units[first][0], units[last][1]
            chunks.append(Chunk(document.id, start, end, document.text[start:end]))
            if last + 1 >= len(units):
                break
            first = self._overlap_start(counts, first, last)
        return chunks

    def _overlap_start(self, counts: list[int], first: int, last: int) -> int:
        """First unit of the next chunk: trailing units of this one that fit the overlap."""
        nxt, carried = last + 1, 0
        while nxt - 1 > first and carried + counts[nxt - 1] <= self.settings.overlap_tokens:
            nxt -= 1
            carried += counts[nxt]
        return nxt

    def _units(self, text: str) -> list[tuple[int, int]]:
        """Sentences, with any sentence over the budget cut into word windows."""
        sentences = split_sentences(text)
        counts = self.count_tokens([text[s:e] for s, e in sentences]) if sentences else []
        units: list[tuple[int, int]] = []
        for (start, end), n in zip(sentences, counts):
            if n <= self.settings.max_tokens:
                units.append((start, end))
            else:
                units.extend(self._word_windows(text, start, end))
        return units

    def _word_windows(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
        counts = self.count_tokens([text[s:e] for s, e in words])
        # A single word longer than the budget still becomes its own window.
        windows, win_start, win_end, total = [], None, None, 0
        for (s, e), n in zip(words, counts):
            if win_start is not None and total + n > self.settings.max_tokens:
                windows.append((win_start, win_end))
                win_start, total = None, 0
            if win_start is None:
                win_start = s
            win_end, total = e, total + n
        if win_start is not None:
            windows.append((win_start, win_end))
        return windows
