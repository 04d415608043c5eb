"""The default embedder backend (ONNX Runtime, int8 weights) against the torch float32 model:
nearly the same vectors, each a function of its text alone, and an index remembers which
backend made its vectors."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.embedder import DEFAULT_EMBEDDER, resolve_model_path
from index.errors import ConfigError, EmbedderMismatchError
from index.loaders import load_documents
from index.onnx_embedder import OnnxInt8Embedder
from index.opener import IndexSpec, embedder_for_writing, make_embedder
from index.stores.faiss_folder import FaissFolder
from index.stores.faiss_store import FaissStore
from index.stores.faiss_writer import FaissWriter
from qa.config import Config
from qa.pipeline import QAPipeline

TEXTS = [
    "The harbour bridge opened to traffic on March 3 after four years of work.",
    "Who won the chess open?",
    "Growers picked 31,000 tonnes of apples this autumn, up 12 percent on last year. " * 20,
    "",
]


@pytest.fixture(scope="module")
def torch_embedder():
    return make_embedder(backend="torch")


@pytest.mark.slow
def test_int8_vectors_are_unit_length_and_close_to_float32(embedder, torch_embedder):
    assert embedder.backend == "onnx-int8"
    fast, exact = embedder.encode(TEXTS), torch_embedder.encode(TEXTS)
    assert fast.shape == exact.shape == (len(TEXTS), 384) and fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert np.all(np.sum(fast * exact, axis=1) > 0.97)


def test_a_texts_vector_does_not_depend_on_the_texts_beside_it(embedder):
    together = embedder.encode(TEXTS)
    for row, text in enumerate(TEXTS):
        assert np.array_equal(embedder.encode([text])[0], together[row])


def test_token_counts_match_the_torch_tokenizer(embedder, torch_embedder):
    assert embedder.count_tokens(TEXTS) == torch_embedder.count_tokens(TEXTS)
    fresh = make_embedder(backend="onnx-int8")
    assert fresh.max_tokens == torch_embedder.max_tokens and embedder.dimension == torch_embedder.dimension


def test_a_model_other_than_mean_pooling_is_refused_with_the_way_out(tmp_path):
    folder = tmp_path / "cls-model"
    shutil.copytree(resolve_model_path(DEFAULT_EMBEDDER), folder)
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    with pytest.raises(ConfigError, match="--embedder-backend torch"):
        make_embedder(str(folder), "onnx-int8").warm_up()
    # "auto" gives a new index of such a model (or of a hub id) the torch backend instead
    assert embedder_for_writing(IndexSpec(FaissFolder(tmp_path / "new"), str(folder))).backend == "torch"
    assert embedder_for_writing(IndexSpec(FaissFolder(tmp_path / "new"), "org/some-hub-model")).backend == "torch"
    assert embedder_for_writing(IndexSpec(FaissFolder(tmp_path / "new"), DEFAULT_EMBEDDER)).backend == "onnx-int8"
    with pytest.raises(ConfigError, match="backend must be one of"):
        make_embedder(backend="gpu")
    with pytest.raises(ConfigError, match="embedder-backend"):
        Config.load(embedder_backend="fast")


def test_an_index_keeps_its_backend_and_auto_follows_it(tmp_path, corpus, torch_embedder):
    root = tmp_path / "idx"
    FaissWriter(root, torch_embedder).update(load_documents([corpus], warn=print))
    assert FaissStore.load(root).manifest.embedder_backend == "torch"
    config = Config(index_dir=root)
    assert embedder_for_writing(IndexSpec(FaissFolder(root), DEFAULT_EMBEDDER)).backend == "torch"
    assert embedder_for_writing(IndexSpec(FaissFolder(root), DEFAULT_EMBEDDER), rebuild=True).backend == "onnx-int8"
    assert embedder_for_writing(IndexSpec(FaissFolder(tmp_path / "new"), DEFAULT_EMBEDDER)).backend == "onnx-int8"
    pipeline = QAPipeline.open(config)
    assert pipeline.embedder.backend == "torch" and pipeline.search("harbour bridge", 1)
    with pytest.raises(EmbedderMismatchError, match="--embedder-backend onnx-int8 --rebuild"):
        QAPipeline.open(config.with_overrides(embedder_backend="onnx-int8"))
    with pytest.raises(EmbedderMismatchError):
        FaissWriter(root, make_embedder(backend="onnx-int8")).update(load_documents([corpus], warn=print))
    assert FaissStore.load(root).manifest.embedder_backend == "torch"


@pytest.mark.slow
def test_the_int8_model_is_fused_and_making_it_leaves_logging_as_it_was(tmp_path):
    import logging
    from collections import Counter

    import onnx

    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    root.handlers[:] = []  # as in `python -m qa`: no root handler, so a bare logging.warning adds one
    try:
        embedder = OnnxInt8Embedder(DEFAULT_EMBEDDER, cache_dir=tmp_path)
        embedder.warm_up()  # a fresh cache: exports and quantises
        [model_file] = (tmp_path / "embedders").glob("*/model-fused-int8.onnx")
        assert root.handlers == [] and root.level == level
        ops = Counter(node.op_type for node in onnx.load(str(model_file), load_external_data=False).graph.node)
        config = Path(resolve_model_path(DEFAULT_EMBEDDER)) / "config.json"
        layers = json.loads(config.read_text())["num_hidden_layers"]
        # attention in int8 as one operator a layer; every other matrix product int8; the
        # embeddings' lookup and layer norm one float32 operator
        assert ops["QAttention"] == layers and ops["Attention"] == 0
        assert ops["MatMulInteger"] == 3 * layers and ops["MatMul"] == 0
        assert ops["EmbedLayerNormalization"] == 1 and ops["BiasGelu"] == layers
    finally:
        root.handlers[:] = saved
