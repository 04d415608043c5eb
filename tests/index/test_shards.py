"""A collection split into shards and searched by fan-out returns what one index of the
whole collection returns, on the shipped question set."""
import pytest

from eval.questions import load_questions
from index.errors import ConfigError
from index.indexer import Indexer
from index.lexical import LexicalStore
from index.loaders import load_documents
from index.shards import ShardedCollection, build_shards, shard_of
from qa.config import BUNDLED_ARTICLES, REPO_ROOT
from qa.retrieval import ShardedRetriever, make_retriever

SHARDS = 3


@pytest.fixture(scope="module")
def indexes(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("shards")
    documents = load_documents([BUNDLED_ARTICLES], warn=print)
    single, _ = Indexer(embedder).update(root / "single", documents)
    build_shards(root / "sharded", documents, SHARDS, embedder=embedder.name, processes=2)
    return documents, single, ShardedCollection.load(root / "sharded", embedder.name)


def test_every_document_lands_in_exactly_one_shard(indexes):
    documents, single, sharded = indexes
    assert len(sharded.shards) == SHARDS
    held = [doc_id for shard in sharded.shards for doc_id in shard.documents]
    assert sorted(held) == sorted(d.id for d in documents)
    for number, shard in enumerate(sharded.shards):
        assert all(shard_of(doc_id, SHARDS) == number for doc_id in shard.documents)
    assert sum(len(s.chunks) for s in sharded.shards) == len(single.chunks)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_fan_out_search_equals_the_single_index_on_the_question_set(indexes, embedder, mode):
    _, single, sharded = indexes
    one, many = make_retriever(mode, single, embedder), ShardedRetriever(sharded, embedder, mode)
    questions = load_questions(REPO_ROOT / "eval" / "questions.jsonl")
    for question in questions:
        expected, got = one.retrieve(question.question, 5), many.retrieve(question.question, 5)
        assert [(p.doc_id, p.chunk.start, p.chunk.end) for p in got] == \
            [(p.doc_id, p.chunk.start, p.chunk.end) for p in expected], question.question
        for a, b in zip(got, expected):
            assert a.score == pytest.approx(b.score, rel=1e-5, abs=1e-6)
            assert a.title == b.title and a.chunk.text == b.chunk.text


def test_shards_scoring_bm25_on_their_own_statistics_would_differ(indexes):
    """Why the statistics are shared: a shard's own BM25 scores the same chunk differently."""
    _, single, sharded = indexes
    shard = sharded.shards[0]
    own = LexicalStore.build([c.text for c in shard.chunks])
    query = "biotechnology conference academicians"
    shared_scores, shared_rows = shard.lexical.search(query, 3)
    own_scores, own_rows = own.search(query, 3)
    single_scores = dict(zip(*reversed(single.lexical.search(query, len(single.chunks)))))
    row = int(shared_rows[0])
    chunk = shard.chunks[row]
    single_row = next(i for i, c in enumerate(single.chunks) if (c.doc_id, c.start) == (chunk.doc_id, chunk.start))
    assert float(shared_scores[0]) == pytest.approx(float(single_scores[single_row]), rel=1e-6)
    assert dict(zip(own_rows.tolist(), own_scores.tolist()))[row] != pytest.approx(float(shared_scores[0]), rel=1e-3)


def test_more_shards_than_documents_can_fill_are_refused(tmp_path, embedder):
    documents = load_documents([BUNDLED_ARTICLES], warn=print)[:2]
    with pytest.raises(ConfigError, match="empty"):
        build_shards(tmp_path / "sharded", documents, 50, embedder=embedder.name)
