"""Filtered search inside the stores: a filter keeping 3 of 1,000 articles still returns
those 3, in every retrieval mode, and filters survive a re-index and a deletion."""
import pytest

from index.documents import Document
from index.filters import ArticleFilter
from index.stores.faiss_writer import FaissWriter
from qa.config import Config
from qa.pipeline import QAPipeline

pytestmark = pytest.mark.slow

TOPICS = ["harbour", "council", "school", "hospital", "railway", "market", "museum", "library"]


@pytest.fixture(scope="module")
def thousand(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("thousand") / "index"
    documents = []
    for n in range(1000):
        topic = TOPICS[n % len(TOPICS)]
        meta = {"date": f"2023-{1 + n % 12:02d}-{1 + n % 28:02d}", "source": "Wire" if n % 3 else "Gazette"}
        if n in (17, 503, 911):
            meta = {"date": "2024-06-01", "source": "Keeper"}
        text = f"Report {n}\nThe {topic} committee met on day {n} and discussed the {topic} budget."
        documents.append(Document(f"doc{n}", f"Report {n}", text, f"doc{n}.txt", meta))
    FaissWriter(root, embedder).update(documents)
    return Config(index_dir=root)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_a_filter_keeping_three_of_a_thousand_articles_returns_those_three(thousand, embedder, mode):
    pipeline = QAPipeline.open(thousand.with_overrides(retrieval=mode), embedder=embedder, with_reader=False)
    for article_filter in (ArticleFilter.of(source="keeper"), ArticleFilter.of(since="2024-01-01")):
        found = pipeline.search("harbour committee budget", 5, filters=article_filter)
        assert sorted(p.doc_id for p in found) == ["doc17", "doc503", "doc911"]
        assert all(p.source == "Keeper" and p.date == "2024-06-01" for p in found)
    assert len(pipeline.search("harbour committee budget", 5)) == 5
    assert pipeline.search("harbour committee budget", 5, filters=ArticleFilter.of(source="nobody")) == []


def test_filters_survive_a_re_index_and_a_deletion(thousand, embedder, tmp_path):
    import shutil

    from index.indexer import index_documents

    config = thousand.with_overrides(index_dir=tmp_path / "copy")
    shutil.copytree(thousand.index_dir, config.index_dir)
    extra = Document("late", "Late report", "Late report\nThe harbour committee met again.", "late.txt",
                     {"date": "2024-07-01", "source": "Keeper"})
    index_documents(config.index_spec, [extra], embedder=embedder, add=True)
    index_documents(config.index_spec, [], embedder=embedder, add=True, remove=["doc503"])
    pipeline = QAPipeline.open(config, embedder=embedder, with_reader=False)
    found = pipeline.search("harbour committee", 10, filters=ArticleFilter.of(source="Keeper"))
    assert sorted(p.doc_id for p in found) == ["doc17", "doc911", "late"]
