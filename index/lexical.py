"""BM25 store (bm25s) with English stop words and Snowball stemming."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stem_words(words: Sequence[str]) -> list[str]:
    """The stems BM25 indexes for these words."""
    return _stemmer().stemWords([w.lower() for w in words])


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed tokens per text."""
    import bm25s

    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )


class LexicalStore:
    """BM25 over the chunk texts; row i is chunk i of the collection."""

    def __init__(self, retriever, size: int) -> None:
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalStore:
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever, len(texts))

    def __len__(self) -> int:
        return self.size

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row ids of the k best rows with a positive score, best first; with
        `allowed`, among those rows only (the others weigh nothing while BM25 ranks)."""
        vocab = getattr(self.retriever, "vocab_dict", None) or {}
        tokens = [t for t in tokenize([query])[0] if t in vocab]
        k = min(k, self.size)
        if not tokens or k <= 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        mask = None
        if allowed is not None:
            mask = np.zeros(self.size, dtype=np.float32)
            mask[allowed] = 1.0
        ids, scores = self.retriever.retrieve([tokens], k=k, show_progress=False, weight_mask=mask)
        ids, scores = ids[0], scores[0]
        keep = scores > 0
        return scores[keep].astype(np.float32), ids[keep].astype(np.int64)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalStore:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0), size)

