"""retrieve → read → cite: the one path the CLI, the UI and the evaluation all use, over an
index that was built before (index/indexer.py builds; opening only reads)."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from index.documents import Document
from index.embedder import Embedder
from index.errors import ConfigError, UserError
from index.filters import ArticleFilter
from index.opener import open_index
from index.stores import Store
from index.user_text import require_unicode

from .config import MAX_TOP_K, Config
from .evidence import combine_evidence
from .readers.base import Reader
from .readers.factory import make_reader
from .results import Passage, Result
from .retrieval import Retriever, make_retriever, searched_names
from .retrieval import names_first as put_names_first
from .spelling import SpellingCorrector

Log = Callable[[str], None]
MAX_QUESTION_CHARS = 1000
NAMED_DEPTH_FACTOR = 2  # a search draws twice its passages, so that those naming the query's names can rise
# The reader is asked for this many readings per answer shown, so that an answer read in
# several passages has them all as its evidence.
READINGS_PER_ANSWER = 4


class EmptyQuestionError(UserError):
    """The question was empty or only whitespace."""


class QuestionTooLongError(UserError):
    """The question is longer than any question a reader should be given."""


def _quiet(_: str) -> None:
    pass


def reader_for(config: Config, log: Log = _quiet) -> Reader:
    """The reader the configuration names."""
    return make_reader(config.reader, config.qa_model, log, config.answer_margin,
                       allow_downloads=config.allow_downloads, cache_dir=config.cache_dir)


@dataclass
class QAPipeline:
    """reader: None for a pipeline that only searches (asking it is an error). speller: shared
    by the copies with_settings makes, so that its vocabulary follows the collection
    incrementally."""

    config: Config
    store: Store
    embedder: Embedder
    retriever: Retriever
    reader: Reader | None
    speller: SpellingCorrector = field(default_factory=SpellingCorrector)

    @classmethod
    def open(cls, config: Config, *, log: Log = _quiet, embedder: Embedder | None = None,
             reader: Reader | None = None, with_reader: bool = True) -> QAPipeline:
        """Open the configured index (IndexNotFoundError when there is none yet).
        `embedder` / `reader`: already loaded ones to use; with_reader=False opens no reader
        (search only)."""
        opened = open_index(config.index_spec, log, embedder)
        if reader is None and with_reader:
            reader = reader_for(config, log)
        return cls(config, opened.store, opened.embedder, make_retriever(config.retrieval, opened.store, opened.embedder),
                   reader)

    def warm_up(self) -> None:
        """Load the models now, so that the first question's timings measure the work only."""
        self.embedder.warm_up()
        if self.reader is not None:
            self.reader.warm_up()
        self.retriever.retrieve("warm up", 1)
        if self.config.correct_spelling:
            self.speller.correct("warm up", self.store.documents)

    def with_settings(self, *, retrieval: str | None = None, reader: Reader | None = None,
                      store: Store | None = None, correct_spelling: bool | None = None) -> QAPipeline:
        """The same pipeline with another retrieval mode, reader, (re-indexed) store or
        spelling setting."""
        config = self.config.with_overrides(retrieval=retrieval, correct_spelling=correct_spelling)
        store = store or self.store
        return QAPipeline(config, store, self.embedder, make_retriever(config.retrieval, store, self.embedder),
                          reader or self.reader, self.speller)

    def search(self, query: str, k: int | None = None, filters: ArticleFilter | None = None,
               names_first: bool = True) -> list[Passage]:
        """The best passages for `query`; with `filters`, from the articles they keep only
        (filtered inside the stores, so a filter that keeps three articles still finds them).
        names_first: for a search of names only, the passages naming them verbatim come first,
        drawn from twice as many candidates (qa.retrieval.names_first)."""
        query = require_text(query, "search")
        k = require_top_k(k) or self.config.top_k
        names = searched_names(query) if names_first else []
        if not names:
            return self.retriever.retrieve(query, k, filters)
        return put_names_first(names, self.retriever.retrieve(query, k * NAMED_DEPTH_FACTOR, filters), k)

    def ask(self, question: str, top_k: int | None = None, max_answers: int | None = None,
            rank_depth: int = 0, filters: ArticleFilter | None = None) -> Result:
        """Answer `question` from its `top_k` best passages (of the articles `filters` keeps).
        rank_depth: retrieve at least this many passages for the result (the evaluation ranks
        deeper than the reader reads)."""
        if self.reader is None:
            raise ConfigError("this pipeline was opened for search only; open it with a reader to ask")
        question = require_text(question)
        top_k = require_top_k(top_k) or self.config.top_k
        started = time.perf_counter()
        corrected = None
        if self.config.correct_spelling:
            corrected = self.speller.correct(question, self.store.documents)
        asked = corrected.text if corrected else question
        checked = time.perf_counter()
        passages = self.retriever.retrieve(asked, max(top_k, rank_depth), filters)
        retrieved = time.perf_counter()
        max_answers = max_answers or self.config.max_answers
        readings = self.reader.read(asked, passages[:top_k], max_answers * READINGS_PER_ANSWER)
        answers = combine_evidence(readings, max_answers)
        done = time.perf_counter()
        timings = {
            "correct": round((checked - started) * 1000, 2),
            "retrieve": round((retrieved - checked) * 1000, 2),
            "read": round((done - retrieved) * 1000, 2),
            "total": round((done - started) * 1000, 2),
        }
        if corrected and corrected.changed:
            return Result(question, answers, passages, timings, self.reader.name, corrected.text,
                          corrected.corrections)
        return Result(question, answers, passages, timings, self.reader.name)

    def document(self, doc_id: str) -> Document:
        return self.store.documents[doc_id]


def require_text(text: str, what: str = "question") -> str:
    """The question (or search, `what`) without surrounding whitespace; an empty or overlong
    one is a user error, said in words that fit the page and the command line alike."""
    if not isinstance(text, str) or not text.strip():
        hint = "type a question first" if what == "question" else "type the words to search for first"
        raise EmptyQuestionError(f"the {what} is empty: {hint}")
    text = require_unicode(text.strip(), what)
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLongError(f"the {what} is {len(text):,} characters long; the limit is "
                                   f"{MAX_QUESTION_CHARS:,}: use fewer words")
    return text


def require_top_k(top_k: int | float | None) -> int | None:
    """None (the configured value) or a whole number from 1 to MAX_TOP_K (5.0 from a JSON
    client or a slider counts as 5)."""
    if top_k is None:
        return None
    whole = not isinstance(top_k, bool) and isinstance(top_k, (int, float)) and float(top_k).is_integer()
    if not whole or not 1 <= top_k <= MAX_TOP_K:
        raise ConfigError(f"top-k must be a whole number from 1 to {MAX_TOP_K}, got {top_k!r}")
    return int(top_k)
