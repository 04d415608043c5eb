"""A long-lived pipeline for an interactive front end: loads its models in the background,
switches settings per request, keeps loaded readers, and adds or removes articles without
losing what else is indexed."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from index.documents import Document
from index.errors import EmptyCollectionError, UserError
from index.filters import ArticleFilter, parse_date
from index.indexer import UpdateReport, index_documents
from index.loaders import MAX_TITLE_CHARS, SUPPORTED_SUFFIXES, load_documents

from .config import Config
from .pipeline import QAPipeline, reader_for, require_text
from .question_set import Checked, MarkedQuestion, QuestionSetFile, checked, marked, question_set_of
from .readers.base import Reader
from .readers.batching import BatchingReader
from .results import Passage, Result
from .spelling import english_speller


@dataclass(frozen=True)
class ArticleInfo:
    doc_id: str
    title: str
    chunks: int
    characters: int
    date: str | None = None
    source: str | None = None
    url: str | None = None

    @classmethod
    def of(cls, document: Document, chunks: int) -> ArticleInfo:
        meta = document.meta
        return cls(document.id, document.title, chunks, len(document.text), meta.get("date"), meta.get("source"),
                   meta.get("url"))


def edited(document: Document, title: str | None, date: str | None, source: str | None) -> Document:
    """The document with the title, date and source given (blank ones left as they are)."""
    title = " ".join((title or "").split())
    if len(title) > MAX_TITLE_CHARS:
        raise UserError(f"a title may be at most {MAX_TITLE_CHARS} characters long")
    meta = dict(document.meta)
    if (date or "").strip():
        meta["date"] = parse_date(date).isoformat()
    if (source or "").strip():
        meta["source"] = " ".join(source.split())
    return replace(document, title=title or document.title, meta=meta)


def shared(reader: Reader) -> Reader:
    """The reader as many threads share it: the ONNX reader runs one forward pass at a time;
    in float32 the windows of questions that arrive together share it (in int8 that would
    change their answers, so each question has its own)."""
    if not getattr(reader, "batches_windows", False):
        return reader
    return BatchingReader(reader, mix_questions=reader.batches_across_questions)


class StillLoadingError(UserError):
    """The models or the index are not loaded yet."""


class LoadFailedError(UserError):
    """The pipeline could not be opened (a damaged index, a model that does not load)."""


class UnknownArticleError(UserError):
    """A deletion named an article that is not indexed."""


class UnknownQuestionError(UserError):
    """No marked question has that id."""


class ReaderLoadError(UserError):
    """An offered reader failed to load."""


class QAService:
    """The same pipeline the CLI uses, held open. Readers are loaded once per name.

    QAService(config) opens the pipeline at once; with background=True it is opened in a
    thread (started now, or by start_loading() when start=False), so that a server can answer
    its first page while models load: until then every call waits up to `wait_s` seconds and
    then raises StillLoadingError."""

    def __init__(self, config: Config, log: Callable[[str], None] = lambda _: None, *,
                 background: bool = False, start: bool = True, embedder=None, wait_s: float = 120.0):
        self.config = config
        self._spec = config.index_spec  # read on every request: made once
        self.log = log
        self.wait_s = wait_s
        # A long indexing run never holds up a question: questions only ever take the (brief)
        # reader lock, and read whichever pipeline is current; reloads after another program
        # wrote the index take the third.
        self._readers_lock = threading.Lock()
        self._indexing_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._readers: dict[str, Reader] = {}
        self._pipeline: QAPipeline | None = None
        self._load_error: str | None = None
        self._loaded = threading.Event()
        self._embedder = embedder
        self._started = False
        if not background:
            self._started = True
            self._load(catch=False)
        elif start:
            self.start_loading()

    def start_loading(self) -> None:
        """Open the pipeline in a background thread (once)."""
        if not self._started:
            self._started = True
            threading.Thread(target=self._load, name="qa-load", daemon=True).start()

    def _load(self, catch: bool = True) -> None:
        try:
            pipeline = QAPipeline.open(self.config, log=self.log, embedder=self._embedder)
            pipeline = pipeline.with_settings(reader=shared(pipeline.reader))
            pipeline.warm_up()
            if self.config.correct_spelling:
                threading.Thread(target=english_speller, name="qa-speller", daemon=True).start()
            self._readers[self.config.reader] = pipeline.reader
            self._pipeline = pipeline
        except Exception as exc:
            if not catch:
                raise
            self._load_error = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
            self.log(f"error: {self._load_error}")
        finally:
            self._loaded.set()

    @property
    def status(self) -> str:
        """"loading", "ready", or why loading failed."""
        if not self._loaded.is_set():
            return "loading"
        return self._load_error or "ready"

    @property
    def pipeline(self) -> QAPipeline:
        """The pipeline over the index as it is now: when another program (a nightly `qa
        index`) has written a new generation, it is opened before this call returns."""
        if not self._loaded.wait(self.wait_s):
            raise StillLoadingError("the app is still loading its models and index; try again in a few seconds")
        if self._pipeline is None:
            raise LoadFailedError(f"the index or the models could not be opened ({self._load_error}); "
                                  "the operator should check the server log and restart it")
        self._follow_the_index()
        return self._pipeline

    def _follow_the_index(self) -> None:
        location = self._spec.location
        current = location.current_version()
        if current is None or current == self._pipeline.store.generation:
            return  # a store without versions, none yet, or damaged on disk: keep what is loaded
        with self._reload_lock:
            pipeline = self._pipeline
            if current == pipeline.store.generation:
                return  # another request reloaded it meanwhile
            try:
                store = location.open(pipeline.embedder.name, pipeline.embedder.backend)
            except UserError as exc:
                self.log(f"warning: the index changed on disk but could not be opened ({exc}); still answering "
                         "from the index as it was")
                return
            self._pipeline = pipeline.with_settings(store=store)
            self.log(f"index: now answering from {store.generation} (written by another program)")

    def readers_offered(self) -> list[str]:
        """The readers a user may pick: auto, and a QA model the operator configured besides.
        Nothing else is loaded on a user's say-so (no arbitrary folder or hub id)."""
        return ["auto"] if self.config.reader in ("auto", "", None) else ["auto", self.config.reader]

    def calibrated_answer_margin(self) -> float | None:
        """The no-answer margin the shipped reader records (calibrated on text it was not
        trained on); None when it records none or is not a reader folder."""
        from .readers.decoding import ReaderSettings

        if not self.config.qa_model or not Path(self.config.qa_model).is_dir():
            return None
        settings = ReaderSettings.for_model(self.config.qa_model)
        return settings.null_margin if settings.use_null_answer else None

    def reader(self, name: str | None) -> Reader:
        name = name or self.config.reader
        if name not in self.readers_offered():
            raise UserError(f"the reader '{Path(name).name or name}' is not offered here; choose one of the "
                            "readers listed in Settings")
        with self._readers_lock:
            if name not in self._readers:
                try:
                    self._readers[name] = shared(reader_for(self.config.with_overrides(reader=name), self.log))
                except Exception as exc:
                    why = str(exc).split(" (use --reader")[0] if isinstance(exc, UserError) else \
                        f"{type(exc).__name__}: {exc}"
                    raise ReaderLoadError(f"the reader '{name}' could not be loaded ({why}); "
                                          "choose another reader in Settings") from exc
            return self._readers[name]

    def ask(self, question: str, top_k: int | float | None = None, retrieval: str | None = None,
            reader: str | None = None, since: str | None = None, until: str | None = None,
            source: str | None = None, correct: bool | None = None) -> Result:
        """since / until / source: narrow to those articles (ArticleFilter.of reads them).
        correct: correct misspelt words first (None: as configured)."""
        filters = ArticleFilter.of(since, until, source)
        if correct is not None and not isinstance(correct, bool):
            raise UserError(f"correct must be true or false, got {correct!r}")
        pipeline = self.pipeline.with_settings(retrieval=retrieval, reader=self.reader(reader),
                                               correct_spelling=correct)
        return pipeline.ask(question, top_k=top_k, filters=filters)

    def search(self, query: str, top_k: int | float | None = None, retrieval: str | None = None,
               since: str | None = None, until: str | None = None, source: str | None = None) -> list[Passage]:
        filters = ArticleFilter.of(since, until, source)
        return self.pipeline.with_settings(retrieval=retrieval).search(query, top_k, filters=filters)

    def add_articles(self, paths: list[str | Path], log: Callable[[str], None] | None = None,
                     replace_existing: bool = False, show_progress: bool = False, title: str | None = None,
                     date: str | None = None, source: str | None = None) -> UpdateReport:
        """Index these files next to the indexed ones (nothing is removed) and start using them.
        A file whose id (its name without the suffix) is already indexed is added under a new
        id, unless replace_existing. Messages name files, never the folders they came from.
        title / date / source: set on every article added (a title on one article only), over
        what the files say. Raises EmptyCollectionError, leaving the index as it was, when none
        is readable."""
        say = log or self.log
        folders = sorted({str(Path(p).parent) + "/" for p in paths}, key=len, reverse=True)

        def warn(message: str) -> None:
            for folder in folders:
                message = message.replace(folder, "")
            say(message)

        documents = load_documents(paths, warn=warn)
        if not documents:
            raise EmptyCollectionError("none of these files holds readable articles "
                                       f"(supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}); nothing was changed")
        if (title or "").strip() and len(documents) > 1:
            raise UserError(f"a title can be given to one article at a time; these files hold {len(documents)}.")
        documents = [edited(d, title, date, source) for d in documents]
        with self._indexing_lock:
            pipeline = self.pipeline
            # Clashes are checked by the indexer under the writer's lock, against the index as
            # it is on disk: an article another program added meanwhile is never replaced.
            store, report = index_documents(self._spec, documents, embedder=pipeline.embedder,
                                                 add=True, log=warn, show_progress=show_progress,
                                                 rename_clashes=not replace_existing)
            self._pipeline = pipeline.with_settings(store=store)
            return report

    def edit_article(self, doc_id: str, title: str | None = None, date: str | None = None,
                     source: str | None = None) -> UpdateReport:
        """Set or correct an indexed article's title, date or source (those given); its text,
        and so its chunks, stay as they are."""
        if not any((value or "").strip() for value in (title, date, source)):
            raise UserError("type the new title, date or source first")
        with self._indexing_lock:
            pipeline = self.pipeline
            document = pipeline.store.documents.get(doc_id)
            if document is None:
                raise UnknownArticleError(f"no indexed article has the id {doc_id!r}")
            store, report = index_documents(self._spec, [edited(document, title, date, source)],
                                                 embedder=pipeline.embedder, add=True, log=self.log)
            self._pipeline = pipeline.with_settings(store=store)
            return report

    def remove_articles(self, doc_ids: list[str], log: Callable[[str], None] | None = None) -> UpdateReport:
        """Drop these articles from the index through the incremental indexer (nothing else is
        re-embedded). Unknown ids and removing every article are refused, changing nothing."""
        with self._indexing_lock:
            pipeline = self.pipeline
            indexed = set(pipeline.store.documents)
            unknown = sorted(set(doc_ids) - indexed)
            if unknown:
                raise UnknownArticleError(f"no indexed article has the id {', '.join(repr(u) for u in unknown)}")
            if not doc_ids:
                raise UnknownArticleError("choose an article to delete first")
            if indexed <= set(doc_ids):
                raise UserError("an index must keep at least one article; add another before deleting this one")
            store, report = index_documents(self._spec, [], embedder=pipeline.embedder, add=True,
                                                 remove=doc_ids, log=log or self.log)
            self._pipeline = pipeline.with_settings(store=store)
            return report

    def articles(self) -> list[ArticleInfo]:
        """Newest first; articles without a date last."""
        store = self.pipeline.store
        listed = [ArticleInfo.of(doc, store.entries[doc.id].chunks) for doc in store.documents.values()]
        listed.sort(key=lambda a: a.doc_id)
        listed.sort(key=lambda a: a.date or "", reverse=True)  # ISO dates sort as text; undated ("") last
        return listed

    def article(self, doc_id: str) -> ArticleInfo:
        store = self.pipeline.store
        document = store.documents.get(doc_id)
        if document is None:
            raise UnknownArticleError(f"no indexed article has the id {doc_id!r}")
        return ArticleInfo.of(document, store.entries[doc_id].chunks)

    @property
    def question_set(self) -> QuestionSetFile:
        return question_set_of(self.config.store, self.config.index_dir)

    def mark(self, question: str, doc_id: str | None = None, start: int | None = None, end: int | None = None, *,
             text: str | None = None, shown_right: bool = False, by: str | None = None, since: str | None = None,
             until: str | None = None, source: str | None = None) -> MarkedQuestion:
        """Save a question to the collection's question set with its right answer: the
        article's text from `start` to `end` (checked against the article here, whatever the
        client sent, and against `text` when given), or, with no `doc_id`, none: the articles
        do not answer it."""
        document = None
        if doc_id is not None:
            document = self.pipeline.store.documents.get(doc_id)
            if document is None:
                raise UnknownArticleError(f"no indexed article has the id {doc_id!r}")
        record = marked(require_text(question), document, start, end, shown_right=shown_right, by=by, since=since,
                        until=until, source=source)
        if text is not None and record.answer != " ".join(text.split()) and record.answer != text.strip():
            raise UserError(f"the article '{doc_id}' does not hold {text.strip()[:60]!r} at characters "
                            f"{start}-{end}; send the offsets of the text itself")
        return self.question_set.save(record)

    def marked_questions(self) -> tuple[list[Checked], list[str]]:
        """Each saved question as it stands against the articles now, and a sentence for each
        line of the set that could not be read."""
        records, problems = self.question_set.read()
        documents = self.pipeline.store.documents
        return [checked(r, documents) for r in records], problems

    def forget_question(self, question_id: str) -> None:
        if not self.question_set.delete(question_id):
            raise UnknownQuestionError(f"no marked question has the id {question_id!r}")

    def document_text(self, doc_id: str) -> str:
        return self.pipeline.document(doc_id).text
