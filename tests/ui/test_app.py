"""The web app's settings that need no browser."""
import asyncio
import base64

import pytest
from starlette.requests import HTTPConnection

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
    assert _user(credentials, "Bearer t0ken") == "token" and _user(credentials, "Bearer guess") is None
    basic = "Basic " + base64.b64encode(b"editor:s3cret:with-colon").decode()
    assert _user(credentials, basic) == "editor" and _user(credentials, "Basic not-base64!") is None
    monkeypatch.setenv("QA_AUTH", "no-password")
    with pytest.raises(UserError, match="user:password"):
        Config.load()


def _user(credentials, authorization: str) -> str | None:
    connection = HTTPConnection({"type": "http", "headers": [(b"authorization", authorization.encode())]})
    return asyncio.run(credentials.user_of(connection))


def test_the_page_says_which_answer_margin_decides_and_which_way_it_moves():
    from ui.app import answer_margin_note

    calibrated = answer_margin_note(None, 4.7372)
    assert "more than 4.7372, the margin calibrated with it" in calibrated and "--answer-margin" in calibrated
    started_with = answer_margin_note(-1.25, 4.7372)
    assert "more than -1.25" in started_with and "instead of the one calibrated with it (4.7372)" in started_with
    assert "calibrated with it" in answer_margin_note(None, None)
