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
