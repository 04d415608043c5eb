"""Dates and sources: read from each kind of file, and a filter that narrows search inside
the stores, so that it still finds the few articles it keeps."""
import datetime as dt
import json

import pytest

from index.errors import UserError
from index.filters import ArticleFilter, BadDateError, parse_date
from index.loaders import load_documents


@pytest.mark.parametrize("text, day", [
    ("2024-03-03", dt.date(2024, 3, 3)), ("2024-03-03T09:30:00Z", dt.date(2024, 3, 3)),
    ("2024-03-03T09:30:00+01:00", dt.date(2024, 3, 3)), ("March 3, 2024", dt.date(2024, 3, 3)),
    ("3 March 2024", dt.date(2024, 3, 3)), ("Sept. 9, 2023", dt.date(2023, 9, 9)),
])
def test_dates_are_read_in_the_forms_news_files_use(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "2024-02-30", "31/12/2024", ""])
def test_anything_else_is_not_a_date(text):
    with pytest.raises(BadDateError):
        parse_date(text)


def test_json_lines_give_date_source_and_url_and_a_bad_date_is_a_warning(tmp_path):
    rows = [{"id": "a", "text": "Alpha text.", "date": "2024-03-03T10:00:00Z", "source": " Reuters ",
             "url": "https://example.org/a"},
            {"id": "b", "text": "Beta text.", "date": "last week"}]
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    warnings = []
    docs = {d.id: d for d in load_documents([tmp_path], warn=warnings.append)}
    assert docs["a"].meta["date"] == "2024-03-03" and docs["a"].meta["source"] == "Reuters"
    assert docs["a"].meta["url"] == "https://example.org/a"
    assert "date" not in docs["b"].meta and "b" in docs  # indexed, without a date
    assert len(warnings) == 1 and "feed.jsonl:2" in warnings[0] and "'last week' could not be read" in warnings[0]


def test_html_gives_its_published_time_site_name_and_canonical_link(tmp_path):
    (tmp_path / "p.html").write_text(
        "<html><head><title>T</title><meta property='article:published_time' content='2023-11-02T08:00:00Z'>"
        "<meta property='og:site_name' content='Coldbrook Echo'><link rel='canonical' href='https://echo.example/p'>"
        "</head><body><p>The council met.</p></body></html>", encoding="utf-8")
    [doc] = load_documents([tmp_path], warn=print)
    assert (doc.meta["date"], doc.meta["source"], doc.meta["url"]) == ("2023-11-02", "Coldbrook Echo",
                                                                      "https://echo.example/p")


@pytest.mark.parametrize("text, date, source", [
    ("Flood\nDate: 2024-03-08\nThe river rose.", "2024-03-08", None),
    ("COLDBROOK, March 8, 2024 (Reuters) - The River Lene burst its banks.", "2024-03-08", "Reuters"),
    ("The council met on March 8, 2024 and agreed.", None, None),  # a date in a sentence is no dateline
])
def test_a_plain_text_dateline_is_read_where_it_is_clear(tmp_path, text, date, source):
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    [doc] = load_documents([tmp_path], warn=print)
    assert doc.meta.get("date") == date and doc.meta.get("source") == source


def test_a_filter_keeps_dated_articles_in_range_and_sources_in_any_case():
    spring = ArticleFilter.of(since="2024-03-01", until="2024-05-31")
    assert spring.keeps({"date": "2024-03-01"}) and spring.keeps({"date": "2024-05-31"})
    assert not spring.keeps({"date": "2024-06-01"}) and not spring.keeps({})  # undated: never kept by a date
    assert ArticleFilter.of(source="reuters").keeps({"source": "Reuters"})
    assert ArticleFilter.of() is None and ArticleFilter.of(" ", "", None) is None
    with pytest.raises(UserError, match="since: 'soon' is not a date"):
        ArticleFilter.of(since="soon")
    with pytest.raises(UserError, match=r"since \(2024-05-01\) is after until"):
        ArticleFilter.of(since="2024-05-01", until="2024-01-01")
