"""The pipeline every front end uses: settings checked once, search without a reader, and
answers that cite exact offsets."""
import pytest

from index.errors import ConfigError, IndexNotFoundError
from qa.config import Config
from qa.pipeline import (
    MAX_QUESTION_CHARS,
    EmptyQuestionError,
    QAPipeline,
    QuestionTooLongError,
    require_text,
    require_top_k,
)


@pytest.fixture(scope="module")
def searcher(built_index):
    return QAPipeline.open(Config(index_dir=built_index), with_reader=False)


@pytest.mark.parametrize("change, says", [
    ({"retrieval": "semantic"}, "retrieval: Input should be 'hybrid', 'dense' or 'lexical'"),
    ({"top_k": 0}, "top-k: Input should be greater than or equal to 1"),
    ({"top_k": 51}, "top-k: Input should be less than or equal to 50"),
    ({"embedder_backend": "gpu"}, "embedder-backend: Input should be 'auto'"),
    ({"max_answers": 0}, "max-answers"),
    ({"secondary_answer_min_score": 1.5}, "secondary-answer-min-score"),
    ({"chunk_tokens": 8, "chunk_overlap": 8}, "overlap"),
])
def test_a_bad_setting_is_refused_before_anything_opens(tmp_path, change, says):
    with pytest.raises(ConfigError, match=says):
        Config.load(index_dir=tmp_path / "never-made", **change)
    with pytest.raises(ConfigError, match=says):
        Config.load(index_dir=tmp_path / "never-made").with_overrides(**change)
    assert not (tmp_path / "never-made").exists()


@pytest.mark.parametrize("value, expected", [(None, None), (1, 1), (50, 50), (5.0, 5)])
def test_top_k_accepts_whole_numbers_from_1_to_50(value, expected):
    assert require_top_k(value) == expected


@pytest.mark.parametrize("value", [0, 51, 2.5, True, "5"])
def test_top_k_refuses_anything_else(value):
    with pytest.raises(ConfigError, match="whole number from 1 to 50"):
        require_top_k(value)


def test_questions_are_stripped_and_must_be_there_and_short():
    assert require_text("  Who won?\n") == "Who won?"
    with pytest.raises(EmptyQuestionError):
        require_text("   ")
    with pytest.raises(QuestionTooLongError, match="the limit is 1,000"):
        require_text("x" * (MAX_QUESTION_CHARS + 1))
    with pytest.raises(EmptyQuestionError, match="the search is empty: type the words to search for"):
        require_text(" ", "search")


def test_a_folder_that_was_never_indexed_says_how_to_index_it(tmp_path):
    with pytest.raises(IndexNotFoundError, match="python -m qa index PATH"):
        QAPipeline.open(Config(index_dir=tmp_path / "empty"), with_reader=False)


def test_a_search_only_pipeline_searches_and_refuses_to_ask(searcher):
    assert searcher.reader is None
    assert searcher.search("Lindholm chess", 2)[0].doc_id == "chess"
    with pytest.raises(ConfigError, match="search only"):
        searcher.ask("Who won the chess open?")


def test_another_retrieval_mode_is_a_new_pipeline_over_the_same_index(searcher):
    lexical = searcher.with_settings(retrieval="lexical")
    assert lexical.store is searcher.store and searcher.config.retrieval == "hybrid"
    assert lexical.search("apples", 3) != searcher.search("apples", 3)
    with pytest.raises(ConfigError):
        searcher.with_settings(retrieval="nope")


@pytest.mark.slow
def test_an_answer_cites_its_exact_place_and_the_timings_add_up(built_index):
    pipeline = QAPipeline.open(Config(index_dir=built_index))
    result = pipeline.ask("Who won the Lindholm Chess Open?", top_k=1, rank_depth=3)
    assert len(result.passages) == 3 and result.answers  # ranked deeper than it read
    assert {a.doc_id for a in result.answers} == {result.passages[0].doc_id}
    for answer in result.answers:
        text = pipeline.document(answer.doc_id).text
        assert text[answer.start:answer.end] == answer.text
        assert text[answer.context_start:answer.context_end] == answer.context
    assert set(result.timings_ms) == {"correct", "retrieve", "read", "total"}
    assert result.timings_ms["total"] >= result.timings_ms["read"]
    parts = result.timings_ms["correct"] + result.timings_ms["retrieve"] + result.timings_ms["read"]
    assert abs(result.timings_ms["total"] - parts) < 0.1
