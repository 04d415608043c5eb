"""The FAISS store: "auto" chooses the index type by collection size."""
from pathlib import Path

import numpy as np
import pytest

from index.dense import EXACT_UP_TO, DenseStore, factory_for, inverted_lists_for


def _unit(rows: int, dimension: int = 32, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_auto_is_exact_for_small_collections_and_a_graph_index_beyond():
    assert factory_for(10, "auto") == factory_for(EXACT_UP_TO, "auto") == "Flat"
    assert factory_for(EXACT_UP_TO + 1, "auto") == f"IVF{inverted_lists_for(EXACT_UP_TO + 1)},SQ8"
    assert inverted_lists_for(1_000_000) == 3968 and inverted_lists_for(1000) == 256
    assert factory_for(10 * EXACT_UP_TO, "IVF1024,Flat") == "IVF1024,Flat"  # a chosen string is kept
    assert type(DenseStore.build(_unit(500)).index).__name__ == "IndexFlat"


def test_the_large_index_type_finds_the_exact_neighbours(tmp_path):
    vectors, queries = _unit(20_000), _unit(50, seed=1)
    exact, large = DenseStore.build(vectors, "Flat"), DenseStore.build(vectors, "IVF256,SQ8")
    large.save(tmp_path / "large.faiss")
    reopened = DenseStore.load(tmp_path / "large.faiss")  # search settings are saved with it
    recall = np.mean([len(set(exact.search(q, 10)[1]) & set(reopened.search(q, 10)[1])) / 10 for q in queries])
    assert recall >= 0.9


def test_a_saved_inverted_file_index_is_memory_mapped_and_searches_the_same(tmp_path):
    vectors, queries = _unit(20_000), _unit(20, seed=1)
    built = DenseStore.build(vectors, "IVF256,SQ8")
    built.save(tmp_path / "large.faiss")
    reopened = DenseStore.load(tmp_path / "large.faiss")
    mapped = Path("/proc/self/maps").read_text()
    assert str(tmp_path / "large.faiss") in mapped
    for query in queries:
        assert [list(a) for a in built.search(query, 10)] == [list(b) for b in reopened.search(query, 10)]
    flat = DenseStore.build(vectors[:100])
    flat.save(tmp_path / "small.faiss")
    assert DenseStore.load(tmp_path / "small.faiss").search(queries[0], 3)[1].tolist() == \
        flat.search(queries[0], 3)[1].tolist()


@pytest.mark.parametrize("factory", ["Flat", "IVF64,Flat"])
def test_a_search_kept_to_some_rows_returns_only_those_and_the_best_of_them(factory):
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(4000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = DenseStore.build(vectors, factory)
    allowed = np.sort(rng.choice(4000, 900, replace=False))
    query = vectors[7]
    scores, ids = store.search(query, 10, allowed)
    assert len(ids) == 10 and set(ids.tolist()) <= set(allowed.tolist())
    if factory == "Flat":
        best = allowed[np.argsort(-(vectors[allowed] @ query))[:10]]
        assert ids.tolist() == best.tolist()
    assert store.search(query, 10, np.zeros(0, dtype=np.int64))[1].size == 0
