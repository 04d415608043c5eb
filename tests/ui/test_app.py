import pytest

from index.errors import UserError
from ui.app import AUTH_ENV, auth_from_env
from ui.html import highlight_terms, mark_span


def test_auth_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(AUTH_ENV, raising=False)
    assert auth_from_env() is None
    monkeypatch.setenv(AUTH_ENV, "editor:s3cret:with-colon")
    assert auth_from_env() == ("editor", "s3cret:with-colon")
    monkeypatch.setenv(AUTH_ENV, "no-password")
    with pytest.raises(UserError, match="user:password"):
        auth_from_env()


def test_marking_escapes_before_it_marks():
    text = "a <b>bold</b> claim & <script>x()</script>"
    out = mark_span(text, text.index("claim"), text.index("claim") + 5)
    assert out == "a &lt;b&gt;bold&lt;/b&gt; <mark>claim</mark> &amp; &lt;script&gt;x()&lt;/script&gt;"


def test_matching_terms_are_highlighted_by_stem():
    out = highlight_terms("Apples were harvested <early>.", {"appl", "harvest"})
    assert out == "<mark>Apples</mark> were <mark>harvested</mark> &lt;early&gt;."
