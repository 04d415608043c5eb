"""The one way to open an index, and the rule for the embedder that goes with it.

An index remembers how its vectors were computed (the manifest's embedder and backend).
Backend "auto" means: what the existing index was built with; for a new index (or a
rebuild), onnx-int8 where the model can run on it (onnx_embedder.py), else torch.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .chunker import ChunkerSettings
from .dense import DEFAULT_FACTORY
from .embedder import DEFAULT_BACKEND, DEFAULT_EMBEDDER, EMBEDDER_BACKENDS, Embedder
from .errors import ConfigError
from .onnx_embedder import OnnxInt8Embedder, runs_here
from .stores import Location, Store
from .torch_embedder import SentenceTransformerEmbedder

AUTO = "auto"


@dataclass(frozen=True)
class IndexSpec:
    """Which store to open or write, and how its articles are embedded and chunked."""

    location: Location
    embedder: str = DEFAULT_EMBEDDER
    backend: str = AUTO
    chunking: ChunkerSettings = ChunkerSettings()
    faiss_factory: str = DEFAULT_FACTORY
    cache_dir: Path | None = None  # where the onnx-int8 embedder keeps its export

    @property
    def build_key(self) -> str:
        """What makes two indexes of the same articles differ (not where they are kept)."""
        chunking = self.chunking
        return "|".join(map(str, (self.embedder, self.backend, chunking.max_tokens, chunking.overlap_tokens,
                                  self.faiss_factory)))


def make_embedder(name: str = DEFAULT_EMBEDDER, backend: str = DEFAULT_BACKEND, cache_dir: Path | None = None) -> Embedder:
    """The embedder `name` run by `backend` (one of EMBEDDER_BACKENDS); loads nothing yet."""
    if backend == "torch":
        return SentenceTransformerEmbedder(name)
    if backend == "onnx-int8":
        return OnnxInt8Embedder(name, cache_dir=cache_dir)
    raise ConfigError(f"embedder backend must be one of {', '.join(EMBEDDER_BACKENDS)}, got '{backend}'")


def resolve_backend(requested: str, name: str, built_with: str | None) -> str:
    """`requested` itself, or for "auto" the backend of the existing index (`built_with`),
    else the best one `name` can run on."""
    if requested != AUTO:
        return requested
    if built_with is not None:
        return built_with
    return DEFAULT_BACKEND if runs_here(name) else "torch"


@dataclass(frozen=True)
class OpenIndex:
    store: Store
    embedder: Embedder


def open_index(spec: IndexSpec, warn=lambda _: None, embedder: Embedder | None = None) -> OpenIndex:
    """The store `spec` names, with the embedder its questions must be embedded by (`embedder`:
    one already loaded); a different embedder or backend is refused. Reads only."""
    if embedder is not None:
        return OpenIndex(spec.location.open(spec.embedder, embedder.backend, warn), embedder)
    store = spec.location.open(spec.embedder, None if spec.backend == AUTO else spec.backend, warn)
    chosen = resolve_backend(spec.backend, spec.embedder, store.built_with.embedder_backend)
    return OpenIndex(store, make_embedder(spec.embedder, chosen, spec.cache_dir))


def embedder_for_writing(spec: IndexSpec, rebuild: bool = False) -> Embedder:
    """The embedder an indexing run into the store uses: with "auto", the existing index's
    backend unless `rebuild`."""
    built_with = spec.location.built_with() if spec.backend == AUTO and not rebuild else None
    return make_embedder(spec.embedder, resolve_backend(spec.backend, spec.embedder, built_with), spec.cache_dir)
