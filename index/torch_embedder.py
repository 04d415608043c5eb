"""The sentence-transformers embedder run by torch in float32; the model loads on first use."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .embedder import COUNT_BATCH_TEXTS, DEFAULT_EMBEDDER, resolve_model_path
from .errors import ConfigError


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
