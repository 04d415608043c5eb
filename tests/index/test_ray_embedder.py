"""Embedding on a local Ray cluster of two workers gives the single-process build's vectors."""
from __future__ import annotations

import numpy as np
import pytest

from index.errors import UserError
from index.indexer import Indexer
from index.loaders import load_documents
from index.milvus_indexer import MilvusIndexer
from index.milvus_store import MilvusAddress, connect, query_all
from index.ray_embedder import BATCH_CHUNKS, RayAddressError, RayEmbedder, looks_like_address
from tests.conftest import write_articles

pytest.importorskip("ray")


def test_two_workers_build_the_single_process_vectors(tmp_path, embedder):
    articles = write_articles(tmp_path / "articles")
    documents = load_documents([articles], warn=print)
    single, _ = Indexer(embedder).update(tmp_path / "index", documents)
    expected = {(c.doc_id, c.start, c.end): np.asarray(v) for c, v in zip(single.chunks, single.vectors, strict=True)}

    address = MilvusAddress.parse(f"milvus:{tmp_path / 'store.db'}")
    ray_embedder = RayEmbedder(embedder, workers=2)
    try:
        # more texts than one batch, so that both workers embed
        texts = [c.text for c in single.chunks] * (BATCH_CHUNKS // len(single.chunks) + 2)
        direct = ray_embedder.encode(texts)
        collection, report = MilvusIndexer(ray_embedder, address).update(documents)
    finally:
        ray_embedder.close()
    assert len(texts) > BATCH_CHUNKS
    # The same model on the same machine: equal up to float rounding (int8 kernels may differ
    # in the last bits between processes under load, so not compared bit for bit).
    assert np.abs(direct - embedder.encode(texts)).max() < 1e-4

    rows = query_all(connect(address), address.chunks, ["doc_id", "start", "end", "dense"])
    assert report.embedded_chunks == len(rows) == len(expected)
    for row in rows:
        vector = np.asarray(row["dense"], dtype=np.float32)
        assert np.abs(vector - expected[(row["doc_id"], row["start"], row["end"])]).max() < 1e-4


def test_addresses_and_paths_are_told_apart():
    assert looks_like_address("10.0.0.5:6379") and looks_like_address("ray://head:10001")
    assert looks_like_address("auto") and not looks_like_address("data/articles")


def test_an_address_that_does_not_answer_fails_fast(embedder):
    with pytest.raises(RayAddressError, match="ray start --head"):
        RayEmbedder(embedder, "127.0.0.1:9")
    with pytest.raises(UserError, match="at least 1"):
        RayEmbedder(embedder, workers=0)
