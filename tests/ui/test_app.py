"""The web app's settings that need no browser."""
import pytest

from index.errors import UserError
from qa.config import Config
from ui.server import credentials_of


def test_the_login_and_the_token_come_from_the_settings(monkeypatch):
    monkeypatch.delenv("QA_AUTH", raising=False)
    monkeypatch.delenv("QA_API_TOKEN", raising=False)
    assert not credentials_of(Config.load()).required
    monkeypatch.setenv("QA_AUTH", "editor:s3cret:with-colon")
    monkeypatch.setenv("QA_API_TOKEN", "t0ken")
    credentials = credentials_of(Config.load())
    assert credentials.password_ok("editor", "s3cret:with-colon") and not credentials.password_ok("editor", "s3cret")
    assert credentials.user_of("Bearer t0ken") is not None
    monkeypatch.setenv("QA_AUTH", "no-password")
    with pytest.raises(UserError, match="user:password"):
        Config.load()


def test_the_page_says_which_answer_margin_decides_and_which_way_it_moves():
    from ui.app import answer_margin_note

    assert "calibrated with it" in answer_margin_note(None) and "--answer-margin" in answer_margin_note(None)
    started_with = answer_margin_note(-1.25)
    assert "-1.25" in started_with and "instead of the one calibrated" in started_with
