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


def test_secondary_answers_under_the_threshold_wait_behind_more():
    from qa.results import Answer, Result
    from ui.html import answer_cards

    text = "Twenty-seven academicians came; three of them spoke at the opening."
    def answer(word, score):
        start = text.index(word)
        return Answer(word, score, "doc", "Title", start, start + len(word), text, 0, len(text))

    result = Result("How many academicians came?", [answer("Twenty-seven", 0.62), answer("three", 0.41),
                                                    answer("opening", 0.55)], [])
    html = answer_cards(result, lambda _: text, secondary_min_score=0.5)
    shown, _, hidden = html.partition("<details class='qa-more'>")
    assert "<mark>Twenty-seven</mark>" in shown and "<mark>opening</mark>" in shown
    assert "<mark>three</mark>" in hidden and "1 more answer with lower confidence" in hidden
    everything = answer_cards(result, lambda _: text, secondary_min_score=0.0)
    assert "qa-more" not in everything


def test_a_low_best_answer_is_still_shown_first():
    from qa.results import Answer, Result
    from ui.html import answer_cards

    text = "The ferry sails at noon."
    result = Result("When?", [Answer("noon", 0.2, "d", "T", 19, 23, text, 0, len(text))], [])
    html = answer_cards(result, lambda _: text, secondary_min_score=0.5)
    assert "qa-more" not in html and "<mark>noon</mark>" in html
