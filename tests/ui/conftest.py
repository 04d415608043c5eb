"""Fixtures of the server tests."""
import pytest

from index.indexer import index_paths
from qa.config import Config

from ..conftest import write_articles


@pytest.fixture(scope="module")
def config(tmp_path_factory, embedder):
    """An index of the shared small articles, one per test module (its server may add to it)."""
    config = Config(index_dir=tmp_path_factory.mktemp("server") / "index")
    index_paths(config.index_spec, [write_articles(tmp_path_factory.mktemp("articles"))], embedder=embedder)
    return config
