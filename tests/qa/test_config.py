"""Settings: defaults, QA_* environment variables and overrides, in one object checked once."""
import pytest

from index.errors import ConfigError
from qa.config import DEFAULT_INDEX_DIR, SHIPPED_READER, Config


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    import os

    for key in [k for k in os.environ if k.startswith("QA_")]:
        monkeypatch.delenv(key)


def test_defaults_read_the_bundled_index_with_the_shipped_reader():
    config = Config.load()
    assert config.index_dir == DEFAULT_INDEX_DIR and config.is_default_index
    assert config.reader == "auto" and config.qa_model == str(SHIPPED_READER)
    assert (config.retrieval, config.top_k) == ("hybrid", 5)
    assert config.credentials is None and config.correct_spelling


def test_environment_values_are_parsed_by_type(tmp_path, monkeypatch):
    for key, value in {"QA_TOP_K": "8", "QA_RETRIEVAL": "dense", "QA_INDEX_DIR": str(tmp_path),
                       "QA_MODEL": "/models/other", "QA_SECONDARY_ANSWER_MIN_SCORE": "0.7",
                       "QA_ANSWER_MARGIN": "-1.5", "QA_CORRECT_SPELLING": "off",
                       "QA_AUTH": "editor:s3cret:with-colon", "QA_CACHE_DIR": str(tmp_path / "cache")}.items():
        monkeypatch.setenv(key, value)
    config = Config.load()
    assert config.top_k == 8 and config.retrieval == "dense" and config.qa_model == "/models/other"
    assert config.index_dir == tmp_path and not config.is_default_index
    assert config.secondary_answer_min_score == 0.7 and config.answer_margin == -1.5
    assert config.correct_spelling is False and config.cache_dir == tmp_path / "cache"
    assert config.credentials == ("editor", "s3cret:with-colon")
    assert "s3cret" not in repr(config)  # a secret never shows in a log line
    assert Config.load(top_k=3).top_k == 3  # the command line over the environment


@pytest.mark.parametrize("key, raw, says", [("QA_TOP_K", "five", "top-k (QA_TOP_K)"),
                                            ("QA_TOP_K", "51", "less than or equal to 50"),
                                            ("QA_SECONDARY_ANSWER_MIN_SCORE", "high", "QA_SECONDARY_ANSWER_MIN_SCORE"),
                                            ("QA_ANSWER_MARGIN", "low", "answer-margin (QA_ANSWER_MARGIN)"),
                                            ("QA_CORRECT_SPELLING", "maybe", "QA_CORRECT_SPELLING"),
                                            ("QA_AUTH", "no-password", "user:password"),
                                            ("QA_STORE", "postgres://x", "--store must be"),
                                            ("QA_RETRIEVAL", "semantic", "'hybrid', 'dense' or 'lexical'")])
def test_a_bad_value_names_its_variable(monkeypatch, key, raw, says):
    monkeypatch.setenv(key, raw)
    with pytest.raises(ConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        Config.load()


def test_an_unknown_setting_is_refused():
    with pytest.raises(ConfigError, match="topk"):
        Config.load().with_overrides(topk=3)


def test_overrides_apply_only_what_was_given_and_are_checked():
    config = Config.load().with_overrides(top_k=None, retrieval="lexical")
    assert config.top_k == 5 and config.retrieval == "lexical"
    with pytest.raises(ConfigError, match="top-k"):
        config.with_overrides(top_k=0)


def test_chunk_settings_come_from_the_config():
    settings = Config(chunk_tokens=64, chunk_overlap=16).chunker_settings
    assert (settings.max_tokens, settings.overlap_tokens) == (64, 16)
    with pytest.raises(ConfigError, match="overlap"):
        Config.load(chunk_tokens=16, chunk_overlap=32)


def test_the_configuration_table_in_the_docs_is_current():
    from qa.config import REPO_ROOT, configuration_table

    assert configuration_table() in (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8"), \
        "docs/configuration.md is out of date: run python -m qa.config > docs/configuration.md"
