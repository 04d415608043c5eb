"""FAISS vector store over unit-length embeddings (inner product = cosine)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .errors import ConfigError

DEFAULT_FACTORY = "auto"
# "auto" picks by collection size (benchmarks/scale.py has the figures behind these, see
# docs/scaling.md): exact search while a query stays under about 10 ms on 2 cores, then an
# inverted file over 8-bit scalar-quantised vectors (a million chunks in about 400 MB).
EXACT_UP_TO = 50_000
LARGE_NPROBE = 128  # lists searched per query
TRAINING_SAMPLE = 100_000  # vectors the inverted file's centroids are trained on, at most
SEED = 0


def factory_for(size: int, factory: str = DEFAULT_FACTORY) -> str:
    """The FAISS factory string to build for `size` vectors: `factory` itself unless "auto"."""
    if factory != "auto":
        return factory
    if size <= EXACT_UP_TO:
        return "Flat"
    return f"IVF{inverted_lists_for(size)},SQ8"


def inverted_lists_for(size: int) -> int:
    """About 4 * sqrt(size) lists, a multiple of 64: the usual balance of list count and length."""
    return max(256, int(4 * math.sqrt(size)) // 64 * 64)


class DenseStore:
    """An immutable FAISS index whose row i is chunk i of the collection."""

    def __init__(self, index) -> None:
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, factory: str = DEFAULT_FACTORY) -> DenseStore:
        """Build from vectors; factory is "auto" (see factory_for) or any FAISS factory string
        ("Flat", "HNSW32", "IVF256,Flat"...)."""
        import faiss

        factory = factory_for(len(vectors), factory)
        dimension = vectors.shape[1]
        try:
            index = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as exc:
            raise ConfigError(f"invalid FAISS factory string '{factory}': {_first_line(exc)}") from exc
        if not index.is_trained:
            sample = vectors
            if len(vectors) > TRAINING_SAMPLE:
                rows = np.random.default_rng(SEED).choice(len(vectors), TRAINING_SAMPLE, replace=False)
                sample = vectors[np.sort(rows)]
            try:
                index.train(sample)
            except RuntimeError as exc:
                raise ConfigError(
                    f"FAISS index '{factory}' could not be trained on {len(vectors)} vectors "
                    f"({_first_line(exc)}); use 'Flat' for small collections"
                ) from exc
        if len(vectors):
            index.add(vectors)
        if factory.startswith("IVF"):
            ivf = faiss.extract_index_ivf(index)
            ivf.nprobe = min(ivf.nlist, max(ivf.nprobe, LARGE_NPROBE))  # saved with the index
        return cls(index)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row ids of the k nearest rows for one query vector, best first; with
        `allowed`, among those rows only (FAISS skips the others while it searches)."""
        import faiss

        k = min(k, len(self) if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        params = None
        if allowed is not None:
            # a bitmap of the rows: quick to build for any number of them, and one lookup per candidate
            keep = np.zeros(len(self), dtype=bool)
            keep[allowed] = True
            bits = np.packbits(keep, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(self), faiss.swig_ptr(bits))
            ivf = faiss.try_extract_index_ivf(self.index)
            params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe) if ivf is not None else \
                faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseStore:
        """Memory-mapped where FAISS can (inverted-file indexes: a search reads only the lists
        it probes, so a large index costs little RAM); read into memory otherwise."""
        import faiss

        try:
            return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY))
        except RuntimeError:
            return cls(faiss.read_index(str(path)))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
