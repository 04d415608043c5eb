"""A long-lived pipeline for an interactive front end: switches settings per request,
keeps loaded readers, and adds articles without losing what is indexed."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from index.indexer import UpdateReport

from .config import Config
from .pipeline import QAPipeline, index_paths
from .readers.base import Reader
from .readers.factory import make_reader
from .results import Passage, Result


@dataclass(frozen=True)
class ArticleInfo:
    doc_id: str
    title: str
    chunks: int
    characters: int


class QAService:
    """The same pipeline the CLI uses, held open. Readers are loaded once per name."""

    def __init__(self, config: Config, log: Callable[[str], None] = lambda _: None):
        self.config = config
        self.log = log
        self._lock = threading.Lock()
        self.pipeline = QAPipeline.open(config, log=log)
        self._readers: dict[str, Reader] = {config.reader: self.pipeline.reader}

    def reader(self, name: str | None) -> Reader:
        name = name or self.config.reader
        with self._lock:
            if name not in self._readers:
                self._readers[name] = make_reader(name, self.config.qa_model, self.pipeline.embedder, self.log)
            return self._readers[name]

    def ask(self, question: str, top_k: int | None = None, retrieval: str | None = None,
            reader: str | None = None) -> Result:
        pipeline = self.pipeline.with_settings(retrieval=retrieval, reader=self.reader(reader))
        return pipeline.ask(question, top_k=top_k)

    def search(self, query: str, top_k: int | None = None, retrieval: str | None = None) -> list[Passage]:
        return self.pipeline.with_settings(retrieval=retrieval).search(query, top_k)

    def add_articles(self, paths: list[str | Path], log: Callable[[str], None] | None = None) -> UpdateReport:
        """Index these files next to the indexed ones (nothing is removed) and start using them.
        Raises EmptyCollectionError, leaving the index as it was, when none is readable."""
        with self._lock:
            collection, report = index_paths(self.config, paths, embedder=self.pipeline.embedder, add=True,
                                             log=log or self.log)
            self.pipeline = self.pipeline.with_settings(collection=collection)
            return report

    def articles(self) -> list[ArticleInfo]:
        manifest = self.pipeline.collection.manifest
        return [
            ArticleInfo(doc.id, doc.title, manifest.documents[doc.id].chunks, len(doc.text))
            for doc in self.pipeline.collection.documents.values()
        ]

    def document_text(self, doc_id: str) -> str:
        return self.pipeline.document(doc_id).text
