"""The JSON shapes other tools rely on, in one place: what `ask --json` and `search --json`
print, what the HTTP API takes and returns (and its OpenAPI schema describes), and what the
page's `gradio_client` endpoints return. Results are built from qa.results with `of`."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from . import results
from .evidence import SURE_SCORE

DATE = "YYYY-MM-DD"


class Body(BaseModel):
    """A request body: a field the API does not know is refused, naming it."""

    model_config = ConfigDict(extra="forbid")


class Narrowed(Body):
    """The filters a question or a search may carry (qa `--since`, `--until`, `--source`)."""

    since: str | None = Field(None, description=f"only articles dated on or after this day ({DATE})")
    until: str | None = Field(None, description=f"only articles dated on or before this day ({DATE})")
    source: str | None = Field(None, description="only articles from this source (any case)")


class AskBody(Narrowed):
    question: str = Field(description="the question, in plain English (at most 1,000 characters)")
    top_k: int | None = Field(None, description="passages to read, 1 to 50 (default: the server's)")
    retrieval: str | None = Field(None, description="hybrid, dense or lexical (default: the server's)")
    reader: str | None = Field(None, description="a reader the server offers (default: the server's)")
    correct: bool | None = Field(None, description="correct misspelt words first (default: the server's, "
                                                   "on unless it was started with --no-correct)")


class SearchBody(Narrowed):
    query: str = Field(description="words or a question")
    top_k: int | None = Field(None, description="passages to return, 1 to 50 (default: the server's)")
    retrieval: str | None = Field(None, description="hybrid, dense or lexical (default: the server's)")


class ArticleEdit(Body):
    """What `PATCH /api/v1/articles/{id}` changes; a field left out (or blank) stays as it is."""

    title: str | None = Field(None, description="the new title (at most 300 characters)")
    date: str | None = Field(None, description=f"the new date, {DATE}")
    source: str | None = Field(None, description="the new source")


class Span(BaseModel):
    text: str
    start: int = Field(description="character offset into the article's text")
    end: int


class Passage(BaseModel):
    doc_id: str
    title: str
    text: str
    start: int = Field(description="character offset of the passage in the article's text")
    end: int
    score: float = Field(description="the retriever's score; higher is better")
    date: str | None = Field(None, description="the article's date (ISO 8601), when it gives one")
    source: str | None = Field(None, description="the article's source (publication), when it gives one")
    url: str | None = Field(None, description="the address of the original article, when it gives one")

    @classmethod
    def of(cls, passage: results.Passage) -> Passage:
        return cls(doc_id=passage.doc_id, title=passage.title, text=passage.chunk.text, start=passage.chunk.start,
                   end=passage.chunk.end, score=round(float(passage.score), 6), date=passage.date,
                   source=passage.source, url=passage.url)


class Citation(BaseModel):
    text: str
    score: float = Field(description="confidence from 0 to 1: the share of answers scored so that are right")
    doc_id: str
    title: str
    start: int = Field(description="character offset of the answer in the article's text")
    end: int
    passage: Span = Field(description="the sentence the answer is in, with its offsets")
    date: str | None = Field(None, description="the article's date (ISO 8601), when it gives one")
    source: str | None = Field(None, description="the article's source, when it gives one")
    url: str | None = Field(None, description="the address of the original article, when it gives one")

    @classmethod
    def of(cls, answer: results.Answer, **more) -> Citation:
        found_in = answer.passage
        return cls(text=answer.text, score=round(float(answer.score), 6), doc_id=answer.doc_id, title=answer.title,
                   start=answer.start, end=answer.end,
                   passage=Span(text=answer.context, start=answer.context_start, end=answer.context_end),
                   date=found_in.date if found_in else None, source=found_in.source if found_in else None,
                   url=found_in.url if found_in else None, **more)


class Answer(Citation):
    sure: bool = Field(description=f"scored at least {SURE_SCORE}, the confidence the page shows without "
                                   "\"not sure\"")
    articles: list[str] = Field(description="ids of the articles that give this answer, this citation's first")
    support: list[Citation] = Field(description="the same answer read in other passages, best first")

    @classmethod
    def of(cls, answer: results.Answer, **more) -> Answer:
        return super().of(answer, sure=answer.score >= SURE_SCORE, articles=answer.articles,
                          support=[Citation.of(reading) for reading in answer.support])


class Correction(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", description="the word as typed")
    to: str = Field(description="the word it was corrected to")


class AskResult(BaseModel):
    question: str = Field(description="the question as asked")
    corrected_question: str | None = Field(None, description="what was answered instead, when misspelt words were "
                                                             "corrected; absent when nothing changed")
    corrections: list[Correction] | None = Field(None, description="the words corrected; absent when none")
    answers: list[Answer] = Field(description="best first; empty when the articles do not answer the question")
    passages: list[Passage]
    timings_ms: dict[str, float]

    @classmethod
    def of(cls, result: results.Result) -> AskResult:
        corrected = {} if result.corrected_question is None else {
            "corrected_question": result.corrected_question,
            "corrections": [Correction(from_=c.original, to=c.replacement) for c in result.corrections]}
        return cls(question=result.question, answers=[Answer.of(a) for a in result.answers],
                   passages=[Passage.of(p) for p in result.passages], timings_ms=dict(result.timings_ms), **corrected)


class SearchResult(BaseModel):
    query: str
    passages: list[Passage]

    @classmethod
    def of(cls, query: str, passages: list[results.Passage]) -> SearchResult:
        return cls(query=query, passages=[Passage.of(p) for p in passages])


class Article(BaseModel):
    id: str
    title: str
    chunks: int
    characters: int
    date: str | None = Field(None, description="ISO 8601, when the article gives one")
    source: str | None = None
    url: str | None = Field(None, description="the address of the original article, when it gives one")


class ArticleText(Article):
    text: str = Field(description="the article's whole text, which every offset counts into")


class Articles(BaseModel):
    articles: list[Article]


class Upload(BaseModel):
    added: list[str] = Field(description="ids of the new articles")
    updated: list[str] = Field(description="ids of articles replaced (only with replace=true)")
    notes: list[str] = Field(description="files skipped or renamed, and why")
    articles: int = Field(description="articles in the index now")


class Deleted(BaseModel):
    deleted: str
    articles: int


class MarkedSpan(Body):
    text: str = Field(description="the answer's text, as the article holds it at these offsets")
    start: int = Field(description="character offset into the article's text")
    end: int


class MarkBody(Narrowed):
    """A question marked in use: its right answer (where it is in an article), or none when the
    articles do not answer it. since / until / source: the filters it was asked with."""

    question: str = Field(description="the question as asked")
    answer: MarkedSpan | None = Field(None, description="the right answer: its text and offsets in the article "
                                                  "`doc_id` (checked against the article); null: the articles "
                                                  "do not answer the question")
    doc_id: str | None = Field(None, description="the article the answer is in (with `answer`)")
    shown_right: bool = Field(False, description="true when the answer the app gave is the one marked right")


class MarkedQuestion(BaseModel):
    id: str = Field(description="the same question (any case or spacing) always has the same id")
    question: str
    answers: list[str] = Field(description="the right answer, or none: the articles do not answer it")
    doc: str | None = Field(None, description="the article the answer is in")
    start: int | None = Field(None, description="character offset of the answer in the article's text")
    end: int | None = None
    marked: str = Field(description="right (the app's answer), corrected (the user's) or not_in_articles")
    by: str | None = Field(None, description="who marked it (the login name, when the server has a login)")
    at: str | None = Field(None, description="when (ISO 8601, UTC)")
    since: str | None = None
    until: str | None = None
    source: str | None = None
    status: str | None = Field(None, description="against the articles now: ok, moved (found again once in its "
                                                 "article), stale, gone (article deleted) or no answer")


class MarkedQuestions(BaseModel):
    questions: list[MarkedQuestion]
    problems: list[str] = Field(description="lines of the set that could not be read (kept as they are)")


class Forgotten(BaseModel):
    deleted: str


class Health(BaseModel):
    status: str = Field(description="ready, loading or failed")
    generation: str | None = None
    reader: str | None = None
    embedder: str | None = None
    store: str | None = Field(None, description="the kind of store passages are searched in (no path or host)")
    articles: int | None = None
    error: str | None = None


class Error(BaseModel):
    error: str = Field(description="what went wrong, as one sentence")


def shown(model: BaseModel) -> dict:
    """A result as JSON: fields never set (a question's corrections when none) are left out."""
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


def result_json(result: results.Result) -> dict:
    """The `ask --json` object; "corrected_question" only when misspelt words were corrected."""
    return shown(AskResult.of(result))


def search_json(query: str, passages: list[results.Passage]) -> dict:
    return shown(SearchResult.of(query, passages))
