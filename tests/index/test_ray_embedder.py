"""Embedding on a local Ray cluster of two workers gives the single-process build's vectors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.errors import UserError
from index.loaders import load_documents
from index.ray_embedder import RayAddressError, RayEmbedder, looks_like_address
from index.stores.faiss_writer import FaissWriter
from index.stores.milvus_indexer import MilvusIndexer
from index.stores.milvus_store import MilvusAddress, connect, query_all
from index.updates import EMBED_BATCH_CHUNKS as BATCH_CHUNKS
from tests.conftest import write_articles

pytest.importorskip("ray")
pytestmark = pytest.mark.integration


def test_two_workers_build_the_single_process_vectors(tmp_path, embedder):
    articles = write_articles(tmp_path / "articles")
    documents = load_documents([articles], warn=print)
    single, _ = FaissWriter(tmp_path / "index", embedder).update(documents)
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


@pytest.mark.slow
def test_a_cluster_with_token_authentication_is_named_at_once_and_indexes_with_the_token(tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    repo = Path(__file__).resolve().parents[2]
    ray_cli = Path(sys.executable).with_name("ray")
    with_token = {**os.environ, "RAY_AUTH_MODE": "token"}
    without_token = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    try:
        for args in (["--head", f"--port={port}", "--include-dashboard=false"], [f"--address=127.0.0.1:{port}"]):
            subprocess.run([str(ray_cli), "start", *args, "--num-cpus=1"], env=with_token, check=True,
                           capture_output=True, timeout=120)  # a head and a second node
        index = ["-m", "qa", "index", str(repo / "data" / "articles"), "--index-dir", str(tmp_path / "index"),
                 "--ray", f"127.0.0.1:{port}"]
        started = time.monotonic()
        refused = subprocess.run([sys.executable, *index], cwd=repo, env=without_token, capture_output=True,
                                 text=True, timeout=120)
        assert refused.returncode == 2 and "RAY_AUTH_MODE=token" in refused.stderr
        assert "Traceback" not in refused.stderr and time.monotonic() - started < 30
        done = subprocess.run([sys.executable, *index], cwd=repo, env=with_token, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr
        assert "5 added" in done.stdout
    finally:
        subprocess.run([str(ray_cli), "stop", "--force"], capture_output=True, timeout=120)
