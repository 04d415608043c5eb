"""Shared fixtures: the real bundled embedder, run by the default backend (loaded once), and
small article folders."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from index.embedder import Embedder
from index.opener import make_embedder

ARTICLES = {
    "harbour.txt": (
        "New harbour bridge opens in Portvale\n"
        "The Portvale harbour bridge opened to traffic on March 3 after four years of work.The bridge is "
        "1.8 kilometres long and cost 420 million euros. Mayor Ilse Brandt cut the ribbon in front of "
        "about 5,000 residents. The structure was designed by the engineering firm Halvorsen Partners."
    ),
    "chess.txt": (
        "Young player wins city chess open\n"
        "Fourteen-year-old Mara Quint won the Lindholm Chess Open on Sunday, beating 212 other players. "
        "She scored seven points from nine rounds. The tournament was held in the old Lindholm town hall "
        "and was organised by the Lindholm Chess Club."
    ),
    "orchard.txt": (
        "Apple harvest up in the valley\n"
        "Growers in the Esk valley picked 31,000 tonnes of apples this autumn, up 12 percent on last year. "
        "Warm spring weather helped the blossom. The growers' cooperative, Esk Fruit, will open a new "
        "packing plant in Redford next May."
    ),
}


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    model = make_embedder()
    model.warm_up()
    return model


def write_articles(folder: Path, articles: dict[str, str] = ARTICLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return write_articles(tmp_path / "articles")


def hold_pipeline_open(monkeypatch, timeout: float = 60) -> threading.Event:
    """Make QAPipeline.open wait until the returned event is set (at most `timeout` seconds),
    as if the models took that long to load."""
    from qa.pipeline import QAPipeline

    release = threading.Event()
    real_open = QAPipeline.open.__func__

    def slow_open(cls, *args, **kwargs):
        release.wait(timeout)
        return real_open(cls, *args, **kwargs)

    monkeypatch.setattr(QAPipeline, "open", classmethod(slow_open))
    return release


@pytest.fixture(scope="module")
def built_index(tmp_path_factory, embedder) -> Path:
    """An index of ARTICLES, built once per test module; tests must not change it."""
    from index.loaders import load_documents
    from index.stores.faiss_writer import FaissWriter

    root = tmp_path_factory.mktemp("built") / "index"
    articles = write_articles(tmp_path_factory.mktemp("articles"))
    FaissWriter(root, embedder).update(load_documents([articles], warn=print))
    return root


def pytest_collection_modifyitems(items):
    """An integration test (it starts other programs: a Ray cluster, Milvus Lite) is slow too,
    so that `-m "not slow"` stays the quick set."""
    for item in items:
        if item.get_closest_marker("integration") is not None:
            item.add_marker(pytest.mark.slow)
