"""The one way to open an index, and the rule for the embedder that goes with it.

An index remembers how its vectors were computed (the manifest's embedder and backend).
Backend "auto" means: what the existing index was built with; for a new index (or a
rebuild), onnx-int8 where the model can run on it (onnx_embedder.py), else torch.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from .collection import Collection, open_generation, read_current
from .embedder import DEFAULT_BACKEND, DEFAULT_EMBEDDER, EMBEDDER_BACKENDS, Embedder
from .errors import ConfigError, UserError
from .manifest import Manifest
from .milvus_store import FAISS_STORE, MilvusAddress, MilvusCollection, connect, read_settings
from .onnx_embedder import OnnxInt8Embedder, runs_here
from .torch_embedder import SentenceTransformerEmbedder

AUTO = "auto"


def make_embedder(name: str = DEFAULT_EMBEDDER, backend: str = DEFAULT_BACKEND) -> Embedder:
    """The embedder `name` run by `backend` (one of EMBEDDER_BACKENDS); loads nothing yet."""
    if backend == "torch":
        return SentenceTransformerEmbedder(name)
    if backend == "onnx-int8":
        return OnnxInt8Embedder(name)
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
    collection: Collection | MilvusCollection
    embedder: Embedder


def open_index(root: Path, embedder_name: str, backend: str = AUTO, store: str = FAISS_STORE,
               warn=lambda _: None) -> OpenIndex:
    """The index in `root` (CURRENT and the manifest read once), or in the Milvus `store`,
    with the embedder its questions must be embedded by; a different embedder or backend is
    refused."""
    address = MilvusAddress.parse(store) if store != FAISS_STORE else None
    if address is not None:
        collection = MilvusCollection.open(address, embedder_name, None if backend == AUTO else backend)
        if collection.half_written:
            warn(f"{len(collection.half_written)} article(s) in {address} were being written when an indexing run "
                 f"stopped ({', '.join(collection.half_written[:3])}); run python -m qa index again with "
                 f"--store {address} to finish them")
        chosen = resolve_backend(backend, embedder_name, collection.settings.embedder_backend)
        return OpenIndex(collection, make_embedder(embedder_name, chosen))

    def read(folder: Path, manifest: Manifest) -> OpenIndex:
        chosen = resolve_backend(backend, embedder_name, manifest.embedder_backend)
        collection = Collection.from_generation(root, folder, manifest, embedder_name, chosen)
        return OpenIndex(collection, make_embedder(embedder_name, chosen))

    return read_current(root, read)


def load_collection(root: Path, embedder_name: str, backend: str, store: str = FAISS_STORE) -> Collection | MilvusCollection:
    """The index in `root` or in the Milvus `store`, for an embedder already chosen (`backend`
    resolved): another embedder or backend is refused."""
    if store != FAISS_STORE:
        return MilvusCollection.open(MilvusAddress.parse(store), embedder_name, backend)
    return Collection.load(root, embedder_name, backend)


def embedder_for_writing(root: Path, name: str, backend: str = AUTO, rebuild: bool = False,
                         store: str = FAISS_STORE) -> Embedder:
    """The embedder an indexing run into `root` (or the Milvus `store`) uses: with "auto",
    the existing index's backend unless `rebuild`."""
    built_with = None
    if backend == AUTO and not rebuild and store != FAISS_STORE:
        settings = read_settings(connect(MilvusAddress.parse(store)), MilvusAddress.parse(store))
        built_with = settings.embedder_backend if settings is not None else None
    elif backend == AUTO and not rebuild:
        # no index yet, or a damaged one (indexing it says what is wrong): as for a new index
        with contextlib.suppress(UserError):
            built_with = open_generation(root)[1].embedder_backend
    return make_embedder(name, resolve_backend(backend, name, built_with))
