"""The JSON shapes of the HTTP API, for its OpenAPI schema. They mirror qa/render.py (the
`ask --json` and `search --json` objects) field for field."""
from __future__ import annotations

from pydantic import BaseModel, Field


class Narrowed(BaseModel):
    """The filters a question or a search may carry (qa `--since`, `--until`, `--source`)."""

    since: str | None = Field(None, description="only articles dated on or after this day (YYYY-MM-DD)")
    until: str | None = Field(None, description="only articles dated on or before this day (YYYY-MM-DD)")
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


class Answer(Citation):
    sure: bool = Field(description="scored at least 0.8, the confidence the page shows without \"not sure\"")
    articles: list[str] = Field(description="ids of the articles that give this answer, this citation's first")
    support: list[Citation] = Field(description="the same answer read in other passages, best first")


class Correction(BaseModel):
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


class SearchResult(BaseModel):
    query: str
    passages: list[Passage]


class Article(BaseModel):
    id: str
    title: str
    chunks: int
    characters: int
    date: str | None = Field(None, description="ISO 8601, when the article gives one")
    source: str | None = None


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
