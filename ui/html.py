"""HTML for answers, passages and articles. Every piece of article text is escaped here,
before any markup is added around it, so an article can never inject markup or script."""
from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import urlsplit

from qa.evidence import SURE_SCORE, disagreement, runner_up, titles
from qa.results import Answer, Passage, Result

_WORD = re.compile(r"\w+", re.UNICODE)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def mark_span(text: str, start: int, end: int, mark_id: str | None = None) -> str:
    """`text` escaped, with text[start:end] wrapped in <mark>."""
    attribute = f' id="{_e(mark_id)}"' if mark_id else ""
    return f"{_e(text[:start])}<mark{attribute}>{_e(text[start:end])}</mark>{_e(text[end:])}"


def answer_summary(result: Result) -> str:
    """The best answer, said as plainly as its confidence allows: under SURE_SCORE it is
    "not sure", a runner-up the reader could not tell from it is shown beside it, and when
    that runner-up comes from other articles, the articles are said to disagree."""
    corrected = corrected_note(result)
    if not result.answers:
        return corrected + ("<div class='qa-none'><strong>No answer found</strong> in the articles. "
                            "The closest passages:</div>")
    best = result.answers[0]
    unsure = "" if best.score >= SURE_SCORE else \
        " <span class='qa-unsure'>not sure: check the passage</span>"
    lines = [f"<div class='qa-answer'><span class='qa-label'>Answer</span> <strong class='qa-text'>{_e(best.text)}"
             f"</strong> <span class='qa-confidence'>confidence {best.score:.0%}</span>{unsure}{_given_by(best)}</div>"]
    differing, close = disagreement(result.answers), runner_up(result.answers)
    if differing is not None:
        lines.append(f"<div class='qa-disagree'>The articles disagree: <strong>{_e(best.text)}</strong> "
                     f"({_e(titles(best))}) or <strong>{_e(differing.text)}</strong> ({_e(titles(differing))}, "
                     f"confidence {differing.score:.0%})</div>")
    elif close is not None:
        lines.append(f"<div class='qa-runner-up'>Close second: <strong>{_e(close.text)}</strong> "
                     f"<span class='qa-confidence'>confidence {close.score:.0%}</span></div>")
    return corrected + "".join(lines)


def corrected_note(result: Result) -> str:
    """"Showing answers for …" with the corrected words in bold, when any were corrected."""
    if result.corrected_question is None:
        return ""
    text, done, parts = result.corrected_question, 0, []
    for correction in result.corrections:
        parts.append(_e(text[done:correction.start]))
        parts.append(f"<strong>{_e(text[correction.start:correction.end])}</strong>")
        done = correction.end
    parts.append(_e(text[done:]))
    return (f"<p class='qa-corrected'>Showing answers for <em>{''.join(parts)}</em> "
            f"<span class='qa-meta'>(you typed: {_e(result.question)})</span></p>")


def _given_by(answer: Answer) -> str:
    count = len(answer.articles)
    return f" <span class='qa-given-by'>given by {count} articles</span>" if count > 1 else ""


def filter_note(since: str | None, until: str | None, source: str | None, indexed) -> str:
    """What a filter keeps, said above the results, with how many of the articles `indexed()`
    lists that is (listed only when a filter is set); when it keeps none, why: an article
    without a date is kept by no date filter, which a reader would not guess."""
    from index.filters import ArticleFilter

    parts = [f"dated from {since.strip()}" if (since or "").strip() else "",
             f"dated up to {until.strip()}" if (until or "").strip() else "",
             f"from {' '.join(source.split())}" if (source or "").strip() else ""]
    said = ", ".join(p for p in parts if p)
    if not said:
        return ""
    narrowing, articles = ArticleFilter.of(since, until, source), indexed()
    kept = sum(narrowing.keeps({"date": a.date, "source": a.source}) for a in articles)
    note = f"Only articles {said}: {kept} of {count_of(len(articles), 'article')}."
    if kept == 0:
        note += " " + filter_facts(articles) if articles else ""
    elif narrowing.since or narrowing.until:
        note += " Articles without a date are left out."
    return f"<p class='qa-filter'>{_e(note)}</p>"


def filter_facts(articles: list) -> str:
    """The dates and sources the indexed articles have, for choosing a filter that keeps some."""
    dates = sorted(a.date for a in articles if a.date)
    sources = Counter(a.source for a in articles if a.source)
    said = f"{len(dates)} of {count_of(len(articles), 'article')} have a date"
    said += f" ({dates[0]} to {dates[-1]})." if dates else "."
    if sources:
        said += " Sources: " + ", ".join(f"{name} ({n})" for name, n in sources.most_common()) + "."
    else:
        said += " None names its source."
    return said


def count_of(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def share_link(tab: str, text: str, since: str | None, until: str | None, source: str | None) -> str:
    """A link that opens the page with this question (or search) and filters, and asks it."""
    from urllib.parse import urlencode

    params = {"q": " ".join(text.split()), "tab": tab, "since": (since or "").strip(), "until": (until or "").strip(),
              "source": (source or "").strip()}
    query = urlencode({k: v for k, v in params.items() if v and not (k == "tab" and v == "ask")})
    noun = "search" if tab == "search" else "question"
    return f"<p class='qa-share'><a href='?{_e(query)}' class='qa-share-link'>Link to this {noun}</a></p>"


def _dated(date: str | None, source: str | None) -> str:
    return "".join(f" · {_e(part)}" for part in (date, source) if part)


def article_label(article) -> str:
    """How the page names an article to choose: "title — date — source [id]"."""
    parts = [article.title, article.date, article.source]
    return " — ".join(p for p in parts if p) + f" [{article.doc_id}]"


def error_message(text: str) -> str:
    """A sentence saying what went wrong, shown where the result would have been."""
    return _notice(text, "qa-error")


def confirmation(text: str) -> str:
    """A question the user must answer before something is done."""
    return _notice(text, "qa-confirm")


def mark_saved(question) -> str:
    answer = "the articles do not answer it" if question.answer is None else \
        f"“{_e(question.answer)}” in {_e(question.doc)}, characters {question.start}–{question.end}"
    return (f"<p class='qa-marked'>Saved to this collection's questions: “{_e(question.question)}” → {answer}. "
            "The Evaluation tab scores them.</p>")


def since_baseline(diff, notes: list[str]) -> str:
    """How the collection's questions fare against their baseline, each change with its question."""
    extra = "".join(f"<li>{_e(n)}</li>" for n in notes)
    extra = f"<ul class='qa-filter'>{extra}</ul>" if extra else ""
    if diff is None:
        return f"<p class='qa-since'>No baseline yet: save this run as the baseline to compare later runs.</p>{extra}"
    better = "".join(f"<li>better: {_e(q['question'])} → {_e(q['prediction'] or '(no answer)')}</li>"
                     for q in diff.now_right)
    worse = "".join(f"<li>worse: {_e(q['question'])} → {_e(q['prediction'] or '(no answer)')} "
                    f"(was {_e(q['was'] or '(no answer)')})</li>" for q in diff.now_wrong)
    changed = f"<ul>{better}{worse}</ul>" if better or worse else ""
    verdict = "a regression" if diff.regressed else "no regression"
    return (f"<p class='qa-since'>Since the baseline: {len(diff.now_right)} better, {len(diff.now_wrong)} worse "
            f"({verdict}).</p>{changed}{extra}")


def _notice(text: str, css_class: str) -> str:
    return f"<div class='{css_class}' role='alert'>{_e(text[:1].upper() + text[1:])}</div>"


def answer_cards(result: Result, article_text, secondary_min_score: float = 0.5) -> str:
    """One card per answer: title, the sentence with the answer highlighted, and the whole
    article in an expander with the passage marked and a link that scrolls to it. The best
    answer is always shown; others scoring under `secondary_min_score` wait behind "more"."""
    if not result.answers:
        return passage_list(result.passages, query=result.question, article_text=article_text)
    shown, more = [], []
    for number, answer in enumerate(result.answers, start=1):
        card = _answer_card(number, answer, article_text(answer.doc_id))
        (shown if number == 1 or answer.score >= secondary_min_score else more).append(card)
    if more:
        noun = "answer" if len(more) == 1 else "answers"
        shown.append(f"<details class='qa-more'><summary>{len(more)} more {noun} with lower confidence</summary>"
                     f"{''.join(more)}</details>")
    return "".join(shown)


def _answer_card(number: int, answer: Answer, text: str) -> str:
    sentence = mark_span(answer.context, answer.start - answer.context_start, answer.end - answer.context_start)
    anchor = f"cite-{number}-{_slug(answer.doc_id)}"
    article = _article_with_answer(text, answer, anchor)
    support = "".join(
        f"<li><strong>{_e(r.title)}</strong> <span class='qa-meta'>{_e(r.doc_id)} · characters {r.start}–{r.end}"
        f"{_dated(r.passage.date, r.passage.source) if r.passage else ''}</span><br>"
        f"{mark_span(r.context, r.start - r.context_start, r.end - r.context_start)}</li>" for r in answer.support)
    also = f"<div class='qa-support'>Also read in:<ul>{support}</ul></div>" if support else ""
    return f"""<div class="qa-card">
  <div class="qa-card-head"><span class="qa-rank">[{number}]</span> <strong>{_e(answer.title)}</strong>{_byline(answer.passage)}
    <span class="qa-meta">{_e(answer.doc_id)} · characters {answer.start}–{answer.end} · {answer.score:.0%}</span>
    {_given_by(answer)}</div>
  <blockquote class="qa-passage" {_offsets(answer.doc_id, answer.context_start)}>{sentence}</blockquote>{also}
  <details class="qa-article"><summary>Show the whole article</summary>
    <p><a href="#{anchor}">Jump to the passage</a></p>
    <div class="qa-article-text" {_offsets(answer.doc_id, 0)}>{article}</div>
  </details>
</div>"""


def _article_with_answer(text: str, answer: Answer, anchor: str) -> str:
    """The article, escaped, with the cited sentence in a highlighted block and the answer marked."""
    c0, c1, a0, a1 = answer.context_start, answer.context_end, answer.start, answer.end
    return (f"{_e(text[:c0])}<span class='qa-cited'>{_e(text[c0:a0])}<mark id='{_e(anchor)}'>{_e(text[a0:a1])}</mark>"
            f"{_e(text[a1:c1])}</span>{_e(text[c1:])}")


def passage_list(passages: list[Passage], query: str, article_text=None) -> str:
    """Ranked passages (numbered once, by the list), each with its article's title, date,
    source and link to the original; the query's content words highlighted; and, given
    `article_text` (doc id -> text), the whole article with the passage marked. No score is
    shown: the retrievers' scores of the top passages differ by a few hundredths, which says
    nothing to a reader, and the order already says which came first."""
    if not passages:
        return "<p>No matching passages.</p>"
    stems = _stems(query)
    items = []
    for passage in passages:
        chunk = passage.chunk
        whole = ""
        if article_text is not None:
            marked = mark_span(article_text(passage.doc_id), chunk.start, chunk.end)
            whole = (f"<details class='qa-article'><summary>Show the whole article</summary>"
                     f"<div class='qa-article-text' {_offsets(passage.doc_id, 0)}>{marked}</div></details>")
        items.append(
            f"<li class='qa-hit'><div><strong>{_e(passage.title)}</strong>{_byline(passage)}"
            f"<span class='qa-meta'>{_e(passage.doc_id)} · characters {chunk.start}–{chunk.end}</span></div>"
            f"<div class='qa-passage' {_offsets(passage.doc_id, chunk.start)}>{highlight_terms(chunk.text, stems)}</div>"
            f"{whole}</li>"
        )
    return f"<ol class='qa-hits'>{''.join(items)}</ol>"


def _offsets(doc_id: str, start: int) -> str:
    """Where an element's text begins in its article: the page turns a selection in it into
    the article's offsets (the server checks them against the article)."""
    return f'data-doc="{_e(doc_id)}" data-start="{start}"'


def asked(result: Result, since: str | None, until: str | None, source: str | None) -> str:
    """What the marking buttons send about the question just answered: the question, the
    filters, and the best answer (its article and offsets), unseen."""
    best = result.answers[0] if result.answers else None
    values = {"question": result.question, "since": since or "", "until": until or "", "source": source or ""}
    if best is not None:
        values |= {"doc": best.doc_id, "start": best.start, "end": best.end, "text": best.text}
    data = " ".join(f'data-{k}="{_e(str(v))}"' for k, v in values.items())
    return f"<span class='qa-asked' hidden {data}></span>"


def _byline(passage: Passage | None) -> str:
    """The article's date and source, and a link to the original when it gave a web address."""
    if passage is None:
        return ""
    parts = [_e(p) for p in (passage.date, passage.source) if p]
    url = passage.url or ""
    if urlsplit(url).scheme in ("http", "https"):
        parts.append(f"<a href='{_e(url)}' target='_blank' rel='noopener noreferrer'>original article</a>")
    return f" <span class='qa-byline'>{' · '.join(parts)}</span> " if parts else " "


def highlight_terms(text: str, stems: set[str]) -> str:
    """`text` escaped, with every word whose stem is in `stems` wrapped in <mark>."""
    from index.lexical import stem_words

    matches = list(_WORD.finditer(text))
    out, last = [], 0
    for match, stem in zip(matches, stem_words([m.group() for m in matches])):
        if stem in stems:
            out.append(_e(text[last:match.start()]))
            out.append(f"<mark>{_e(match.group())}</mark>")
            last = match.end()
    out.append(_e(text[last:]))
    return "".join(out)


def _stems(query: str) -> set[str]:
    """The stems of the query's content words: BM25's tokens (stop words out), less question
    and filler words a reader would not want marked all over a passage."""
    from index.lexical import stem_words, tokenize

    filler = set(stem_words(sorted(_FILLER)))
    return {stem for stem in tokenize([query])[0] if stem not in filler and len(stem) > 2}


_FILLER = {"which", "what", "who", "whom", "whose", "when", "where", "why", "how", "many", "much", "did", "does",
           "do", "was", "were", "is", "are", "say", "said", "tell", "about", "also", "there", "their", "world",
           "new", "year", "one", "two", "first", "last", "get", "take", "make"}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


STYLE = """
.qa-answer { font-size: 1.3em; margin: .3em 0; }
.qa-label { color: #666; font-size: .8em; text-transform: uppercase; letter-spacing: .05em; }
.qa-confidence { color: #666; font-size: .85em; }
.qa-unsure { color: #8a4b00; font-weight: 600; font-size: .85em; }
.qa-given-by, .qa-support { color: #444; font-size: .85em; }
.qa-corrected { margin: 0 0 .4em; }
.qa-disagree, .qa-runner-up { margin-top: .3em; }
.qa-meta { color: #888; font-size: .78em; }
.qa-error, .qa-confirm { border-left: 4px solid #c0392b; background: #fdf0ef; padding: .5em .8em; margin: .3em 0; }
.qa-more > summary { cursor: pointer; color: #555; margin: .4em 0; }
.qa-status { color: #1f2d3d; background: #fff4c2; border-left: 4px solid #e0a800; padding: .5em .8em;
  font-weight: 600; }
.qa-rank { color: #555; font-weight: 600; }
.qa-filter { color: #444; font-size: .9em; margin: .2em 0; }
.qa-byline { color: #333; font-size: .9em; }
.qa-footer { text-align: center; font-size: .9em; margin-top: 1em; }
.qa-report thead th { position: sticky; top: 0; background: #fff; z-index: 1; }
.qa-report { max-height: 36em; overflow-y: auto; border: 1px solid #eee; padding: 0 .6em; }
.qa-none { font-size: 1.1em; margin: .3em 0; }
.qa-card { border: 1px solid #ddd; border-radius: 8px; padding: .6em .9em; margin: .6em 0; }
.qa-passage { margin: .4em 0; line-height: 1.5; }
.qa-passage mark, .qa-article-text mark { background: #ffe066; padding: 0 .1em; }
.qa-cited { background: #fff8d6; }
.qa-article-text { white-space: pre-wrap; max-height: 22em; overflow-y: auto; border-top: 1px solid #eee;
  padding-top: .4em; line-height: 1.5; }
.qa-hits li { margin-bottom: .8em; }
/* example questions read as links to click, not as a form's choice (the radio stays, unseen, for the keyboard) */
#examples input[type=radio] { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; }
#examples .wrap { flex-direction: column; align-items: flex-start; gap: .25em; }
#examples label { background: none !important; border: none !important; box-shadow: none !important;
  padding: .1em 0 !important; color: #1d4ed8; text-decoration: underline; cursor: pointer; }
#examples label:focus-within { outline: 2px solid #1d4ed8; }
@media (max-width: 720px) {
  /* a phone: the articles table keeps readable columns (Gradio sizes them as shares of the
     screen) and scrolls sideways */
  #articles table, #articles .virtual-body { min-width: 670px !important; width: 670px !important; }
  #articles .virtual-row > .body-cell:nth-child(1), #articles th:nth-child(1) { width: 120px !important;
    min-width: 120px !important; flex: 0 0 120px !important; }
  #articles .virtual-row > .body-cell:nth-child(2), #articles th:nth-child(2) { width: 200px !important;
    min-width: 200px !important; flex: 0 0 200px !important; }
  #articles .virtual-row > .body-cell:nth-child(3), #articles th:nth-child(3) { width: 90px !important;
    min-width: 90px !important; flex: 0 0 90px !important; }
  #articles .virtual-row > .body-cell:nth-child(4), #articles th:nth-child(4) { width: 110px !important;
    min-width: 110px !important; flex: 0 0 110px !important; }
  #articles .virtual-row > .body-cell:nth-child(5), #articles th:nth-child(5) { width: 60px !important;
    min-width: 60px !important; flex: 0 0 60px !important; }
  #articles .virtual-row > .body-cell:nth-child(6), #articles th:nth-child(6) { width: 90px !important;
    min-width: 90px !important; flex: 0 0 90px !important; }
}
"""
