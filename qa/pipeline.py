"""retrieve → read → cite: the one path the CLI, the UI and the evaluation all use. Settings
are checked here, once, whichever front end they came from."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.collection import Collection
from index.documents import Document
from index.embedder import EMBEDDER_BACKENDS, Embedder
from index.errors import ConfigError, EmptyCollectionError, IndexNotFoundError, UserError
from index.filters import ArticleFilter
from index.indexer import Indexer, UpdateReport
from index.loaders import SUPPORTED_SUFFIXES, load_documents
from index.milvus_indexer import MilvusIndexer
from index.milvus_store import MilvusAddress, MilvusCollection, check_store, is_milvus
from index.opener import AUTO, embedder_for_writing, load_collection, open_index
from index.storage import check_writable
from index.user_text import require_unicode

from .config import BUNDLED_ARTICLES, Config
from .evidence import combine_evidence
from .readers.base import Reader
from .readers.factory import make_reader
from .results import Passage, Result
from .retrieval import RETRIEVAL_MODES, Retriever, make_retriever
from .spelling import SpellingCorrector

Log = Callable[[str], None]
MAX_TOP_K = 50
MAX_QUESTION_CHARS = 1000
# The reader is asked for this many readings per answer shown, so that an answer read in
# several passages has them all as its evidence.
READINGS_PER_ANSWER = 4


class EmptyQuestionError(UserError):
    """The question was empty or only whitespace."""


class QuestionTooLongError(UserError):
    """The question is longer than any question a reader should be given."""


def _quiet(_: str) -> None:
    pass


def check_config(config: Config) -> Config:
    """The configuration, if every value is one the pipeline can use; else ConfigError."""
    if config.retrieval not in RETRIEVAL_MODES:
        raise ConfigError(f"retrieval must be one of {', '.join(RETRIEVAL_MODES)}, got '{config.retrieval}'")
    if config.embedder_backend not in (AUTO, *EMBEDDER_BACKENDS):
        raise ConfigError(f"the embedder backend must be one of {AUTO}, {', '.join(EMBEDDER_BACKENDS)}, "
                          f"got '{config.embedder_backend}'")
    require_top_k(config.top_k)
    check_store(config.store)
    if not 0.0 <= config.secondary_answer_min_score <= 1.0:
        raise ConfigError(f"the secondary answer score must be from 0 to 1, got {config.secondary_answer_min_score}")
    if config.max_answers < 1:
        raise ConfigError(f"max answers must be at least 1, got {config.max_answers}")
    config.chunker_settings  # noqa: B018 (building it checks the chunk sizes)
    return config


def index_paths(config: Config, paths: list[str | Path], *, embedder: Embedder | None = None,
                add: bool = False, rebuild: bool = False, log: Log = _quiet,
                show_progress: bool = False, wait: bool = True) -> tuple[Collection | MilvusCollection, UpdateReport]:
    """Load the articles under `paths` and bring the index in `config.index_dir` up to date.

    add: keep indexed documents that are not under `paths` (otherwise they are dropped).
    wait: wait for another run writing to the same folder (else fail at once).
    """
    check_config(config)
    if not is_milvus(config.store):
        check_writable(Path(config.index_dir))
    unreadable: list[Path] = []
    documents = load_documents(paths, warn=lambda message: log(f"warning: {message}"), unreadable=unreadable)
    if not documents:
        names = ", ".join(str(p) for p in paths)
        raise EmptyCollectionError(
            f"no readable articles in {names} (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}); "
            "nothing was changed"
        )
    return index_documents(config, documents, embedder=embedder, add=add, rebuild=rebuild, log=log,
                           show_progress=show_progress, wait=wait, unreadable=unreadable)


def index_documents(config: Config, documents: list[Document], *, embedder: Embedder | None = None,
                    add: bool = False, remove: Iterable[str] = (), rebuild: bool = False, log: Log = _quiet,
                    show_progress: bool = False, wait: bool = True, unreadable: Iterable[Path] = (),
                    rename_clashes: bool = False) -> tuple[Collection | MilvusCollection, UpdateReport]:
    """Bring the index in `config.index_dir` up to date with these documents (see index_paths);
    `remove`: ids of indexed documents to drop; `unreadable`, `rename_clashes`: see Indexer.update."""
    check_config(config)
    root = Path(config.index_dir)
    embedder = embedder or embedder_for_writing(root, config.embedder, config.embedder_backend, rebuild, config.store)
    if is_milvus(config.store):
        milvus = MilvusIndexer(embedder, MilvusAddress.parse(config.store), config.chunker_settings, show_progress)
        return milvus.update(documents, remove_missing=not add, remove=remove, rebuild=rebuild, say=log,
                             unreadable=unreadable, rename_clashes=rename_clashes)
    indexer = Indexer(embedder, config.chunker_settings, config.faiss_factory, show_progress=show_progress)
    return indexer.update(root, documents, remove_missing=not add, remove=remove, rebuild=rebuild, wait=wait,
                          say=log, unreadable=unreadable, rename_clashes=rename_clashes)


@dataclass
class QAPipeline:
    """reader: None for a pipeline that only searches (asking it is an error). speller: shared
    by the copies with_settings makes, so that its vocabulary follows the collection
    incrementally."""

    config: Config
    collection: Collection | MilvusCollection
    embedder: Embedder
    retriever: Retriever
    reader: Reader | None
    speller: SpellingCorrector = field(default_factory=SpellingCorrector)

    @classmethod
    def open(cls, config: Config, *, log: Log = _quiet, embedder: Embedder | None = None,
             reader: Reader | None = None, with_reader: bool = True) -> QAPipeline:
        """Open the configured index. The default index is built from the bundled articles
        on first use; any other folder must have been indexed before. `embedder` / `reader`:
        already loaded ones to use; with_reader=False opens no reader (search only)."""
        check_config(config)
        root = Path(config.index_dir)
        try:
            if embedder is not None:
                collection = load_collection(root, config.embedder, embedder.backend, config.store)
            else:
                opened = open_index(root, config.embedder, config.embedder_backend, config.store,
                                    warn=lambda message: log(f"warning: {message}"))
                collection, embedder = opened.collection, opened.embedder
        except IndexNotFoundError:
            if not config.is_default_index or is_milvus(config.store):
                raise
            log(f"building the index of the bundled articles in {root} (first use)…")
            embedder = embedder or embedder_for_writing(root, config.embedder, config.embedder_backend)
            collection, report = index_paths(config, [BUNDLED_ARTICLES], embedder=embedder, log=log)
            log(f"indexed {report.summary()}")
        if reader is None and with_reader:
            reader = make_reader(config.reader, config.qa_model, log, config.answer_margin)
        return cls(config, collection, embedder, make_retriever(config.retrieval, collection, embedder), reader)

    def warm_up(self) -> None:
        """Load the models now, so that the first question's timings measure the work only."""
        self.embedder.warm_up()
        if self.reader is not None:
            self.reader.warm_up()
        self.retriever.retrieve("warm up", 1)
        if self.config.correct_spelling:
            self.speller.correct("warm up", self.collection.documents)

    def with_settings(self, *, retrieval: str | None = None, reader: Reader | None = None,
                      collection: Collection | MilvusCollection | None = None,
                      correct_spelling: bool | None = None) -> QAPipeline:
        """The same pipeline with another retrieval mode, reader, (re-indexed) collection or
        spelling setting."""
        config = check_config(self.config.with_overrides(retrieval=retrieval, correct_spelling=correct_spelling))
        collection = collection or self.collection
        return QAPipeline(config, collection, self.embedder,
                          make_retriever(config.retrieval, collection, self.embedder),
                          reader or self.reader, self.speller)

    def search(self, query: str, k: int | None = None, filters: ArticleFilter | None = None) -> list[Passage]:
        """The best passages for `query`; with `filters`, from the articles they keep only
        (filtered inside the stores, so a filter that keeps three articles still finds them)."""
        query = require_text(query, "search")
        return self.retriever.retrieve(query, require_top_k(k) or self.config.top_k, filters)

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
            corrected = self.speller.correct(question, self.collection.documents)
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
        return self.collection.documents[doc_id]


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
