"""The web app's settings that need no browser."""
import pytest

from index.errors import UserError
from ui.server import AUTH_ENV, auth_from_env


def test_auth_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(AUTH_ENV, raising=False)
    assert auth_from_env() is None
    monkeypatch.setenv(AUTH_ENV, "editor:s3cret:with-colon")
    assert auth_from_env() == ("editor", "s3cret:with-colon")
    monkeypatch.setenv(AUTH_ENV, "no-password")
    with pytest.raises(UserError, match="user:password"):
        auth_from_env()


def test_the_page_says_which_answer_margin_decides_and_which_way_it_moves():
    from ui.app import answer_margin_note

    assert "calibrated with it" in answer_margin_note(None) and "--answer-margin" in answer_margin_note(None)
    started_with = answer_margin_note(-1.25)
    assert "-1.25" in started_with and "instead of the one calibrated" in started_with
