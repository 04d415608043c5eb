"""Indexing: articles into the store an IndexSpec names, incrementally (only new or changed
articles are chunked and embedded: updates.py plans, the store's writer writes)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from .documents import Document
from .embedder import Embedder
from .errors import EmptyCollectionError
from .loaders import SUPPORTED_SUFFIXES, load_documents
from .opener import IndexSpec, embedder_for_writing
from .updates import UpdateReport


def index_paths(spec: IndexSpec, paths: list[str | Path], *, log: Callable[[str], None] = lambda _: None,
                **options) -> tuple[object, UpdateReport]:
    """Load the articles under `paths` and bring the store `spec` names up to date (options:
    see index_documents)."""
    spec.location.check_writable()
    unreadable: list[Path] = []
    documents = load_documents(paths, warn=lambda message: log(f"warning: {message}"), unreadable=unreadable)
    if not documents:
        names = ", ".join(str(p) for p in paths)
        raise EmptyCollectionError(
            f"no readable articles in {names} (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}); "
            "nothing was changed"
        )
    return index_documents(spec, documents, log=log, unreadable=unreadable, **options)


def index_documents(spec: IndexSpec, documents: list[Document], *, embedder: Embedder | None = None,
                    add: bool = False, remove: Iterable[str] = (), rebuild: bool = False,
                    log: Callable[[str], None] = lambda _: None, show_progress: bool = False, wait: bool = True,
                    unreadable: Iterable[Path] = (), rename_clashes: bool = False) -> tuple[object, UpdateReport]:
    """Bring the store `spec` names up to date with these documents; returns the store as
    written and what changed.

    add: keep indexed documents that are not among `documents` (otherwise they are dropped).
    remove: ids of indexed documents to drop. wait: wait for another run writing to the same
    store (else fail at once). unreadable, rename_clashes: see FaissWriter.update.
    """
    embedder = embedder or embedder_for_writing(spec, rebuild)
    writer = spec.location.writer(embedder, spec.chunking, spec.faiss_factory, show_progress)
    return writer.update(documents, remove_missing=not add, remove=remove, rebuild=rebuild, wait=wait, say=log,
                         unreadable=unreadable, rename_clashes=rename_clashes)
