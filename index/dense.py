"""FAISS vector store over unit-length embeddings (inner product = cosine)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import ConfigError

DEFAULT_FACTORY = "Flat"


class DenseStore:
    """An immutable FAISS index whose row i is chunk i of the collection."""

    def __init__(self, index) -> None:
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, factory: str = DEFAULT_FACTORY) -> "DenseStore":
        """Build from vectors; factory is any FAISS factory string ("Flat", "HNSW32", "IVF256,Flat"...)."""
        import faiss

        dimension = vectors.shape[1]
        try:
            index = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as exc:
            raise ConfigError(f"invalid FAISS factory string '{factory}': {_first_line(exc)}") from exc
        if not index.is_trained:
            try:
                index.train(vectors)
            except RuntimeError as exc:
                raise ConfigError(
                    f"FAISS index '{factory}' could not be trained on {len(vectors)} vectors "
                    f"({_first_line(exc)}); use 'Flat' for small collections"
                ) from exc
        if len(vectors):
            index.add(vectors)
        return cls(index)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row ids of the k nearest rows for one query vector, best first."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> "DenseStore":
        import faiss

        return cls(faiss.read_index(str(path)))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
