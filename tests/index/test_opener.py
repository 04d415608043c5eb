"""Opening an index: the embedder follows the index, and a backend asked for is kept to."""
import pytest

from index.embedder import DEFAULT_EMBEDDER
from index.errors import ConfigError, EmbedderMismatchError, IndexNotFoundError
from index.opener import IndexSpec, make_embedder, open_index, resolve_backend
from index.stores.faiss_folder import FaissFolder


def spec(root, backend="auto"):
    return IndexSpec(FaissFolder(root), DEFAULT_EMBEDDER, backend)


def test_auto_opens_with_the_backend_the_index_was_built_with(built_index, embedder):
    opened = open_index(spec(built_index))
    assert opened.embedder.backend == embedder.backend == opened.store.manifest.embedder_backend
    assert opened.embedder.name == DEFAULT_EMBEDDER


def test_a_backend_the_index_was_not_built_with_is_refused(built_index, embedder):
    other = "torch" if embedder.backend == "onnx-int8" else "onnx-int8"
    with pytest.raises(EmbedderMismatchError, match=f"--embedder-backend {other} --rebuild"):
        open_index(spec(built_index, other))


def test_a_missing_index_is_named(tmp_path):
    with pytest.raises(IndexNotFoundError, match="no index in"):
        open_index(spec(tmp_path / "none"))


def test_the_backend_rule():
    assert resolve_backend("torch", DEFAULT_EMBEDDER, "onnx-int8") == "torch"
    assert resolve_backend("auto", DEFAULT_EMBEDDER, "torch") == "torch"
    assert resolve_backend("auto", DEFAULT_EMBEDDER, None) == "onnx-int8"
    assert resolve_backend("auto", "some-org/hub-model", None) == "torch"
    with pytest.raises(ConfigError, match="must be one of"):
        make_embedder(DEFAULT_EMBEDDER, "gpu")
