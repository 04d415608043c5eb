"""Reading news pages: how much of an article's text an HTML page keeps, and how much of the
page around it (navigation, related links, share buttons, comments, footer) comes along.
Every article under eval/corpora is wrapped in each of four page layouts, each with its own
boilerplate, and read two ways: the whole page's text (what the loader did before), and the
main text as the loader reads it now (index/html_pages.py).

    python -m benchmarks.html_pages

Article kept: the share of the article's paragraphs found whole in the text. Boilerplate
kept: the share of the layout's boilerplate lines found in it. Other lines: the text's lines
that are neither the headline nor part of a paragraph, a page on average.
"""
from __future__ import annotations

from html import escape

from index.html_pages import html_text, read_page
from qa.config import REPO_ROOT

NAV = ["Home", "News", "Sport", "Business", "Weather", "Opinion"]
RELATED = ["Council approves new budget after long debate", "Ferry timetable changes from Monday",
           "Local school wins national science prize", "Police appeal for witnesses after crash"]
COMMENTS = ["Typical, the same thing happens every year and nobody learns anything from it.",
            "Great reporting, thanks for keeping us informed about what is going on here.",
            "I live nearby and can confirm the traffic was a nightmare all afternoon yesterday."]
FOOTER = ["© 2024 Coldbrook Echo Media Ltd. All rights reserved.", "Privacy policy", "Terms of use",
          "Contact the newsroom", "Advertise with us"]
INLINE = ["Sign up for our morning newsletter and get the day's top stories in your inbox",
          "Advertisement", "Read more: Storm warnings issued for the coast this weekend"]
SHARE = ["Share on Facebook", "Share on X", "Email this story"]


def _links(items, css=""):
    return "".join(f'<li class="{css}"><a href="/{i}">{escape(t)}</a></li>' for i, t in enumerate(items))


def news_site(title, paragraphs):
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f"<html><head><title>{escape(title)} | Coldbrook Echo</title></head><body>"
            f'<div class="cookie">We use cookies to improve your experience. Accept all cookies</div>'
            f"<header><nav><ul>{_links(NAV)}</ul></nav></header><main><article><h1>{escape(title)}</h1>"
            f'<p class="byline">By Ann Lee, Coldbrook Echo</p>{body}'
            f'<ul class="share">{_links(SHARE)}</ul></article>'
            f'<aside><h2>Related stories</h2><ul>{_links(RELATED)}</ul></aside>'
            f'<section id="comments"><h3>3 comments</h3>'
            + "".join(f'<div class="comment"><p>{escape(c)}</p></div>' for c in COMMENTS)
            + f"</section></main><footer><ul>{_links(FOOTER)}</ul></footer></body></html>"), \
        ["We use cookies to improve your experience. Accept all cookies", *RELATED, *COMMENTS, *FOOTER[:1], *SHARE]


def blog(title, paragraphs):
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f'<html><head><title>{escape(title)}</title></head><body><div id="masthead"><div class="menu">'
            f"<ul>{_links(NAV)}</ul></div></div><div id=\"content\"><div class=\"post\">"
            f'<h2 class="entry-title">{escape(title)}</h2><div class="entry-content">{body}</div></div>'
            f'<ol class="commentlist">' + "".join(f'<li class="comment"><p>{escape(c)}</p></li>' for c in COMMENTS)
            + '</ol><div id="respond"><h3>Leave a Reply</h3><form><textarea></textarea></form></div></div>'
            f'<div id="sidebar"><h3>Recent posts</h3><ul>{_links(RELATED)}</ul></div>'
            f'<div id="footer"><p>{escape(FOOTER[0])}</p></div></body></html>'), \
        [*RELATED, *COMMENTS, FOOTER[0], "Leave a Reply"]


def table_layout(title, paragraphs):
    body = "<br><br>".join(escape(p) for p in paragraphs)
    nav = "".join(f'<td><a href="/{i}">{t}</a></td>' for i, t in enumerate(NAV))
    return (f"<html><head><title>{escape(title)}</title></head><body><table><tr>{nav}</tr></table>"
            f'<table><tr><td class="left"><b>More news</b><br>'
            + "<br>".join(f'<a href="/r{i}">{escape(t)}</a>' for i, t in enumerate(RELATED))
            + f'</td><td class="story"><font size="5"><b>{escape(title)}</b></font><br><br>{body}</td></tr></table>'
            f'<center><small>{escape(FOOTER[0])} | <a href="/p">Privacy policy</a></small></center></body></html>'), \
        [*RELATED, FOOTER[0]]


def interrupted(title, paragraphs):
    parts = []
    for i, p in enumerate(paragraphs):
        parts.append(f"<p>{escape(p)}</p>")
        if i < len(INLINE):
            parts.append(f'<div class="inline-promo"><a href="/promo{i}">{escape(INLINE[i])}</a></div>')
    return (f"<html><head><title>{escape(title)}</title></head><body><nav>{' | '.join(NAV)}</nav>"
            f'<article><h1>{escape(title)}</h1>{"".join(parts)}</article>'
            f'<div class="more"><h2>Most read</h2><ol>{_links(RELATED)}</ol></div>'
            f"<footer>{escape(FOOTER[0])}</footer></body></html>"), [*INLINE, *RELATED, FOOTER[0]]


LAYOUTS = {"news site (nav, share, related, comments, cookie banner)": news_site,
           "blog (menu, comment list, reply form, sidebar)": blog,
           "table layout, no semantic tags": table_layout,
           "promos and ads between paragraphs": interrupted}


def articles() -> list[tuple[str, list[str]]]:
    found = []
    for path in sorted((REPO_ROOT / "eval" / "corpora").glob("*/articles/*.txt")):
        lines = [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines()]
        lines = [line for line in lines if line]
        if len(lines) >= 3:
            found.append((lines[0], lines[1:]))
    return found


def share_found(wanted: list[str], text: str) -> float:
    flat = " ".join(text.split())
    return sum(w in flat for w in wanted) / len(wanted) if wanted else 0.0


def other_lines(text: str, title: str, paragraphs: list[str]) -> int:
    article = " ".join([title, *paragraphs])
    return sum(line not in article for line in text.splitlines())


def main() -> None:
    stories = articles()
    print(f"{len(stories)} articles from eval/corpora, each in every layout\n")
    print("| layout | article kept: whole page | main text | boilerplate kept: whole page | main text | "
          "other lines: whole page | main text |")
    print("|---|---|---|---|---|---|---|")
    totals = [[], [], [], [], [], []]
    for name, layout in LAYOUTS.items():
        row = [[], [], [], [], [], []]
        for title, paragraphs in stories:
            markup, boilerplate = layout(title, paragraphs)
            whole, main = html_text(markup), read_page(markup).text
            row[0].append(share_found(paragraphs, whole))
            row[1].append(share_found(paragraphs, main))
            row[2].append(share_found(boilerplate, whole))
            row[3].append(share_found(boilerplate, main))
            row[4].append(other_lines(whole, title, paragraphs))
            row[5].append(other_lines(main, title, paragraphs))
        for total, values in zip(totals, row):
            total.extend(values)
        print(f"| {name} | " + " | ".join(f"{sum(v) / len(v):.3f}" for v in row[:4]) + " | "
              + " | ".join(f"{sum(v) / len(v):.1f}" for v in row[4:]) + " |")
    print("| all | " + " | ".join(f"{sum(v) / len(v):.3f}" for v in totals[:4]) + " | "
          + " | ".join(f"{sum(v) / len(v):.1f}" for v in totals[4:]) + " |")


if __name__ == "__main__":
    main()
