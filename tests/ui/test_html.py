"""HTML for answers and passages: article text is escaped before any markup goes round it."""
from ui.html import highlight_terms, mark_span


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


def _passage(text, title="T<i>", doc_id="doc", score=0.5, rank=1):
    from index.documents import Chunk
    from qa.results import Passage

    return Passage(Chunk(doc_id, 10, 10 + len(text), text), title, score, rank)


def test_a_passage_list_escapes_titles_and_text_and_marks_query_words():
    from ui.html import passage_list

    html = passage_list([_passage("The <b>bridge</b> opened.")], query="When did the bridge open?")
    assert "T&lt;i&gt;" in html and "&lt;b&gt;<mark>bridge</mark>&lt;/b&gt;" in html
    assert "<mark>opened</mark>" in html  # same stem as "open"
    assert "characters 10–35" in html


def test_no_passages_and_no_answer_say_so():
    from qa.results import Result
    from ui.html import answer_summary, passage_list

    assert "No matching passages" in passage_list([], query="x")
    assert "No answer found" in answer_summary(Result("Who?", [], []))


def test_an_error_is_one_escaped_sentence_with_a_capital():
    from ui.html import error_message

    out = error_message("the question is <empty>")
    assert out == "<div class='qa-error' role='alert'>The question is &lt;empty&gt;</div>"


def test_the_article_view_marks_the_answer_inside_its_cited_sentence():
    from qa.results import Answer, Result
    from ui.html import answer_cards

    text = "Intro line.\nThe ferry sails at noon. Later <things>."
    start = text.index("noon")
    sentence = text.index("The ferry")
    answer = Answer("noon", 0.9, "d/1", "T", start, start + 4, "The ferry sails at noon.", sentence,
                    sentence + len("The ferry sails at noon."))
    html = answer_cards(Result("When?", [answer], []), lambda _: text)
    assert "<span class='qa-cited'>The ferry sails at <mark id='cite-1-d-1'>noon</mark>.</span>" in html
    assert "href=\"#cite-1-d-1\"" in html and "&lt;things&gt;" in html


def test_question_and_filler_words_are_not_highlighted():
    from ui.html import passage_list

    html = passage_list([_passage("Which world conference opened in Qingdao?")], query="Which world conference opened?")
    assert "<mark>conference</mark>" in html and "<mark>opened</mark>" in html
    assert "<mark>Which</mark>" not in html and "<mark>world</mark>" not in html


def test_passages_are_numbered_once_with_no_score_their_article_and_a_safe_link_to_the_original():
    from dataclasses import replace

    from ui.html import passage_list

    first = replace(_passage("First.", score=0.04, rank=1), url="https://example.org/a?b=1&c=2", source="Courier")
    second = replace(_passage("Second.", score=0.01, rank=2, doc_id="other"), url="javascript:alert(1)")
    articles = {"doc": "Preceding First. Then more.", "other": "Preceding Second."}  # passages start at 10
    html = passage_list([first, second], query="x", article_text=articles.get)
    assert "score" not in html and "qa-rank" not in html and "width:" not in html  # the <ol> numbers them
    assert "href='https://example.org/a?b=1&amp;c=2'" in html and "Courier" in html
    assert "javascript:" not in html  # only web addresses become links
    assert html.count("Show the whole article") == 2 and "Preceding <mark>First.</mark> Then more." in html


def test_an_unsure_answer_says_so_with_its_close_runner_up_and_disagreeing_articles_are_named():
    from qa.results import Answer, Result
    from ui.html import answer_summary

    text = "Twenty-seven academicians came; three of them spoke."
    def answer(word, score, doc="a", title="Forum <b>report</b>"):
        start = text.index(word)
        return Answer(word, score, doc, title, start, start + len(word), text, 0, len(text))

    unsure = answer_summary(Result("How many?", [answer("three", 0.73), answer("Twenty-seven", 0.65)], []))
    assert "not sure: check the passage" in unsure and "Close second: <strong>Twenty-seven</strong>" in unsure
    sure = answer_summary(Result("How many?", [answer("three", 0.93), answer("Twenty-seven", 0.65)], []))
    assert "not sure" not in sure and "Close second" not in sure
    disagree = answer_summary(Result("How many?", [answer("three", 0.85), answer("Twenty-seven", 0.8, "b", "Other")], []))
    assert "The articles disagree" in disagree and "Forum &lt;b&gt;report&lt;/b&gt;" in disagree and "Other" in disagree


def test_a_corrected_question_is_shown_with_the_corrected_words_in_bold_and_escaped():
    from qa.results import Result
    from qa.spelling import Correction
    from ui.html import answer_summary

    result = Result("Where was the <Confrence>?", [], [], corrected_question="Where was the <Conference>?",
                    corrections=(Correction("Confrence", "Conference", 15, 25),))
    html = answer_summary(result)
    assert "Showing answers for <em>Where was the &lt;<strong>Conference</strong>&gt;?</em>" in html
    assert "you typed: Where was the &lt;Confrence&gt;?" in html
