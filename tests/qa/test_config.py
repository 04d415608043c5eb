"""Settings: defaults, QA_* environment variables and overrides, in one place."""
import pytest

from index.errors import ConfigError
from qa.config import DEFAULT_INDEX_DIR, SHIPPED_READER, Config


def test_defaults_read_the_bundled_index_with_the_shipped_reader():
    config = Config.from_env({})
    assert config.index_dir == DEFAULT_INDEX_DIR and config.is_default_index
    assert config.reader == "auto" and config.qa_model == str(SHIPPED_READER)
    assert (config.retrieval, config.top_k) == ("hybrid", 5)


def test_environment_values_are_parsed_by_type(tmp_path):
    config = Config.from_env({"QA_TOP_K": "8", "QA_RETRIEVAL": "dense", "QA_INDEX_DIR": str(tmp_path),
                              "QA_MODEL": "/models/other", "QA_SECONDARY_ANSWER_MIN_SCORE": "0.7",
                              "QA_ANSWER_MARGIN": "-1.5"})
    assert config.top_k == 8 and config.retrieval == "dense" and config.qa_model == "/models/other"
    assert config.index_dir == tmp_path and not config.is_default_index
    assert config.secondary_answer_min_score == 0.7
    assert config.answer_margin == -1.5 and Config.from_env({}).answer_margin is None


@pytest.mark.parametrize("key, raw, says", [("QA_TOP_K", "five", "QA_TOP_K must be a whole number"),
                                            ("QA_SECONDARY_ANSWER_MIN_SCORE", "high", "must be a number"),
                                            ("QA_ANSWER_MARGIN", "low", "QA_ANSWER_MARGIN must be a number")])
def test_a_value_that_is_not_a_number_names_its_variable(key, raw, says):
    with pytest.raises(ConfigError, match=says):
        Config.from_env({key: raw})


def test_overrides_apply_only_what_was_given():
    config = Config().with_overrides(top_k=None, retrieval="lexical")
    assert config.top_k == 5 and config.retrieval == "lexical"


def test_chunk_settings_come_from_the_config():
    settings = Config(chunk_tokens=64, chunk_overlap=16).chunker_settings
    assert (settings.max_tokens, settings.overlap_tokens) == (64, 16)
    with pytest.raises(ConfigError):
        Config(chunk_tokens=16, chunk_overlap=32).chunker_settings  # noqa: B018
