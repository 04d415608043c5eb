"""retrieve → read → cite: the one path the CLI, the UI and the evaluation all use."""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from index.collection import Collection, read_manifest
from index.documents import Document
from index.embedder import DEFAULT_BACKEND, Embedder, make_embedder
from index.errors import EmptyCollectionError, UserError
from index.indexer import Indexer, UpdateReport
from index.loaders import SUPPORTED_SUFFIXES, load_documents
from index.onnx_embedder import runs_here as onnx_int8_runs
from index.storage import check_writable, current_generation

from .config import BUNDLED_ARTICLES, MAX_QUESTION_CHARS, MAX_TOP_K, Config
from .readers.base import Reader
from .readers.factory import make_reader
from .results import Passage, Result
from .retrieval import Retriever, make_retriever

Log = Callable[[str], None]


class EmptyQuestionError(UserError):
    """The question was empty or only whitespace."""


class QuestionTooLongError(UserError):
    """The question is longer than any question a reader should be given."""


def _quiet(_: str) -> None:
    pass


def index_paths(config: Config, paths: list[str | Path], *, embedder: Embedder | None = None,
                add: bool = False, rebuild: bool = False, log: Log = _quiet,
                show_progress: bool = False, wait: bool = True) -> tuple[Collection, UpdateReport]:
    """Load the articles under `paths` and bring the index in `config.index_dir` up to date.

    add: keep indexed documents that are not under `paths` (otherwise they are dropped).
    wait: wait for another run writing to the same folder (else fail at once).
    """
    check_writable(Path(config.index_dir))
    documents = load_documents(paths, warn=lambda message: log(f"warning: {message}"))
    if not documents:
        names = ", ".join(str(p) for p in paths)
        raise EmptyCollectionError(
            f"no readable articles in {names} (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}); "
            "nothing was changed"
        )
    return index_documents(config, documents, embedder=embedder, add=add, rebuild=rebuild, log=log,
                           show_progress=show_progress, wait=wait)


def embedder_for(config: Config, *, rebuild: bool = False) -> Embedder:
    """The configured embedder, run as configured, or with backend "auto" the way the index
    in config.index_dir was built; for a new index or a rebuild, onnx-int8 where the model
    can run on it (index/onnx_embedder.py), else torch."""
    backend = config.embedder_backend
    root = Path(config.index_dir)
    if backend == "auto":
        backend = None
        if not rebuild and current_generation(root) is not None:
            try:
                backend = read_manifest(root).embedder_backend
            except UserError:
                pass  # a damaged index: opening or re-indexing it says what is wrong
        if backend is None:
            backend = DEFAULT_BACKEND if onnx_int8_runs(config.embedder) else "torch"
    return make_embedder(config.embedder, backend)


def index_documents(config: Config, documents: list[Document], *, embedder: Embedder | None = None,
                    add: bool = False, remove: Iterable[str] = (), rebuild: bool = False, log: Log = _quiet,
                    show_progress: bool = False, wait: bool = True) -> tuple[Collection, UpdateReport]:
    """Bring the index in `config.index_dir` up to date with these documents (see index_paths);
    `remove`: ids of indexed documents to drop."""
    embedder = embedder or embedder_for(config, rebuild=rebuild)
    indexer = Indexer(embedder, config.chunker_settings, config.faiss_factory, show_progress=show_progress)
    return indexer.update(Path(config.index_dir), documents, remove_missing=not add, remove=remove,
                          rebuild=rebuild, wait=wait, say=log)


@dataclass
class QAPipeline:
    config: Config
    collection: Collection
    embedder: Embedder
    retriever: Retriever
    reader: Reader

    @classmethod
    def open(cls, config: Config, *, log: Log = _quiet, embedder: Embedder | None = None,
             reader: Reader | None = None) -> "QAPipeline":
        """Open the configured index. The default index is built from the bundled
        articles on first use; any other folder must have been indexed before."""
        embedder = embedder or embedder_for(config)
        root = Path(config.index_dir)
        if current_generation(root) is None and config.is_default_index:
            log(f"building the index of the bundled articles in {root} (first use)…")
            collection, report = index_paths(config, [BUNDLED_ARTICLES], embedder=embedder, log=log)
            log(f"indexed {report.summary()}")
        else:
            collection = Collection.load(root, config.embedder, embedder.backend)
        reader = reader or make_reader(config.reader, config.qa_model, embedder, log)
        return cls(config, collection, embedder, make_retriever(config.retrieval, collection, embedder), reader)

    def warm_up(self) -> None:
        """Load the models now, so that the first question's timings measure the work only."""
        for part in (self.embedder, self.reader):
            if hasattr(part, "warm_up"):
                part.warm_up()
        self.retriever.retrieve("warm up", 1)

    def with_settings(self, *, retrieval: str | None = None, reader: Reader | None = None,
                      collection: Collection | None = None) -> "QAPipeline":
        """The same pipeline with another retrieval mode, reader or (re-indexed) collection."""
        config = self.config.with_overrides(retrieval=retrieval)
        collection = collection or self.collection
        return QAPipeline(config, collection, self.embedder,
                          make_retriever(config.retrieval, collection, self.embedder),
                          reader or self.reader)

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        return self.retriever.retrieve(require_text(query), require_top_k(k) or self.config.top_k)

    def ask(self, question: str, top_k: int | None = None, max_answers: int | None = None,
            rank_depth: int = 0) -> Result:
        """Answer `question` from its `top_k` best passages. rank_depth: retrieve at least
        this many passages for the result (the evaluation ranks deeper than the reader reads)."""
        question = require_text(question)
        top_k = require_top_k(top_k) or self.config.top_k
        started = time.perf_counter()
        passages = self.retriever.retrieve(question, max(top_k, rank_depth))
        retrieved = time.perf_counter()
        answers = self.reader.read(question, passages[:top_k], max_answers or self.config.max_answers)
        done = time.perf_counter()
        timings = {
            "retrieve": round((retrieved - started) * 1000, 2),
            "read": round((done - retrieved) * 1000, 2),
            "total": round((done - started) * 1000, 2),
        }
        return Result(question, answers, passages, timings, self.reader.name)

    def document(self, doc_id: str) -> Document:
        return self.collection.documents[doc_id]


def require_text(text: str) -> str:
    """The question without surrounding whitespace; an empty or overlong one is a user error."""
    if not isinstance(text, str) or not text.strip():
        raise EmptyQuestionError("the question is empty: ask something, e.g. python -m qa ask \"Who spoke at the conference?\"")
    text = text.strip()
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLongError(f"the question is {len(text):,} characters long; the limit is "
                                   f"{MAX_QUESTION_CHARS:,}: ask it in fewer words")
    return text


def require_top_k(top_k: int | None) -> int | None:
    """None (the configured value) or a whole number from 1 to MAX_TOP_K."""
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K):
        raise UserError(f"top-k must be a whole number from 1 to {MAX_TOP_K}, got {top_k!r}")
    return top_k
