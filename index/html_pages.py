"""What a news page says: its main text and its metadata, without the navigation, related
links, comments and footer around it.

trafilatura finds the main text. A page where it keeps too little to trust (a short
page, or markup it cannot parse, such as tags nested 100,000 deep) gives its whole text
instead, read in one linear pass. Either way the Document's text is exactly the text
returned here, so the offsets of chunks and answers point into what was kept.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from html.parser import HTMLParser

# Below this many characters trafilatura trusts its main extraction no more than we do
# (its MIN_EXTRACTED_SIZE); its baseline then splits paragraphs at inline tags.
MIN_MAIN_TEXT_CHARS = 250

_DROPPED_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "head")
_BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "header", "footer", "blockquote", "pre", "figcaption", "dd", "dt",
)
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ")


@dataclass(frozen=True)
class Page:
    text: str
    title: str
    date: str | None
    source: str | None
    url: str | None


def read_page(markup: str) -> Page:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")

    def meta_content(**attributes) -> str | None:
        tag = soup.find("meta", attrs=attributes)
        return tag.get("content") if tag else None

    found = _main_text_and_metadata(markup)
    main = found.text if found is not None and len(found.text or "") >= MIN_MAIN_TEXT_CHARS else None
    canonical = soup.find("link", rel="canonical")
    source = meta_content(property="og:site_name") or (found.sitename if found is not None else None)
    title_tag = soup.find("title")
    title = _without_site_name(title_tag.get_text(" ", strip=True) if title_tag else "", source)
    if not title:
        h1 = soup.find("h1")
        title = h1.get_text(" ", strip=True) if h1 else ""
    return Page(
        text=_tidy(main) if main else html_text(markup),
        title=title,
        date=meta_content(property="article:published_time") or meta_content(name="date")
        or (found.date if found is not None else None),
        source=source,
        url=(canonical.get("href") if canonical else None) or (found.url if found is not None else None),
    )


def _main_text_and_metadata(markup: str):
    """trafilatura's reading of the page, or None where it finds nothing or fails."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # "discarding data", "empty HTML tree": said by us
    try:
        return trafilatura.bare_extraction(markup, include_comments=False, include_tables=True,
                                           with_metadata=True, deduplicate=False)
    except Exception:  # noqa: BLE001 (any failure of the extractor leaves the whole page's text)
        return None


def _without_site_name(title: str, site: str | None) -> str:
    """"Flood closes bridge | Coldbrook Echo" → "Flood closes bridge" when the site is Coldbrook Echo."""
    if site:
        for separator in _TITLE_SEPARATORS:
            head, _, tail = title.rpartition(separator)
            if head and tail.strip().casefold() == site.strip().casefold():
                return head.strip()
    return title


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


class _TextOfHtml(HTMLParser):
    """The text of a page in one pass over its markup: time linear in its size however deep
    its tags nest (BeautifulSoup's tree edits took minutes for 100,000 nested divs)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _DROPPED_TAGS:
            self.dropping.append(tag)
        elif tag in _BLOCK_TAGS and not self.dropping:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS and not self.dropping:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.dropping:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """What a reader sees of a whole HTML page: its text without scripts, styles or the head,
    a line per block element, spaces collapsed."""
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    return _tidy("".join(parser.parts))
