"""All settings in one place. Defaults work offline on the bundled articles;
environment variables (QA_*) and command-line options override them."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from index.chunker import ChunkerSettings
from index.dense import DEFAULT_FACTORY
from index.embedder import DEFAULT_EMBEDDER, EMBEDDER_BACKENDS
from index.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_ARTICLES = REPO_ROOT / "data" / "articles"
DEFAULT_INDEX_DIR = REPO_ROOT / ".qa-index"
SHIPPED_READER = REPO_ROOT / "models" / "reader"
RETRIEVAL_MODES = ("hybrid", "dense", "lexical")
MAX_TOP_K = 50
MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True)
class Config:
    """index_dir: where the index lives. embedder: sentence-transformers model id or folder.
    embedder_backend: how the embedder runs (index/embedder.py): "onnx-int8", "torch", or
    "auto": what the existing index was built with, else onnx-int8 where the model can run on
    it (index/onnx_embedder.py) and torch where not.
    chunk_tokens / chunk_overlap: chunk size and overlap in embedder tokens.
    faiss_factory: "auto" (exact search up to 50,000 chunks, an inverted file over 8-bit
    vectors beyond: index/dense.py) or any FAISS factory string ("Flat" is exact search).
    retrieval: hybrid, dense or lexical. top_k: passages retrieved per question.
    reader: auto, offline, or a QA model id / folder. qa_model: the model `auto` uses
    (default: the reader shipped in models/reader).
    max_answers: answers returned per question.
    secondary_answer_min_score: the web page shows answers after the first only when their
    (calibrated) score reaches this; the others wait behind "more"."""

    index_dir: Path = DEFAULT_INDEX_DIR
    embedder: str = DEFAULT_EMBEDDER
    embedder_backend: str = "auto"
    chunk_tokens: int = 128
    chunk_overlap: int = 32
    faiss_factory: str = DEFAULT_FACTORY
    retrieval: str = "hybrid"
    top_k: int = 5
    reader: str = "auto"
    qa_model: str | None = str(SHIPPED_READER)
    max_answers: int = 3
    secondary_answer_min_score: float = 0.5

    def __post_init__(self) -> None:
        if self.retrieval not in RETRIEVAL_MODES:
            raise ConfigError(f"retrieval must be one of {', '.join(RETRIEVAL_MODES)}, got '{self.retrieval}'")
        if self.embedder_backend not in ("auto", *EMBEDDER_BACKENDS):
            raise ConfigError(f"the embedder backend must be one of auto, {', '.join(EMBEDDER_BACKENDS)}, "
                              f"got '{self.embedder_backend}'")
        if not 1 <= self.top_k <= MAX_TOP_K:
            raise ConfigError(f"top-k must be from 1 to {MAX_TOP_K}, got {self.top_k}")
        if not 0.0 <= self.secondary_answer_min_score <= 1.0:
            raise ConfigError(f"the secondary answer score must be from 0 to 1, got {self.secondary_answer_min_score}")
        if self.max_answers < 1:
            raise ConfigError(f"max answers must be at least 1, got {self.max_answers}")
        self.chunker_settings  # validates chunk sizes

    @property
    def chunker_settings(self) -> ChunkerSettings:
        return ChunkerSettings(self.chunk_tokens, self.chunk_overlap)

    @property
    def is_default_index(self) -> bool:
        return Path(self.index_dir).resolve() == DEFAULT_INDEX_DIR.resolve()

    def with_overrides(self, **values) -> "Config":
        """A copy with every non-None value applied."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Config":
        """Defaults, overridden by QA_INDEX_DIR, QA_EMBEDDER, QA_RETRIEVAL, QA_READER, QA_MODEL..."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            key = "QA_MODEL" if f.name == "qa_model" else f"QA_{f.name.upper()}"
            if key not in environ:
                continue
            raw = environ[key]
            try:
                values[f.name] = (int(raw) if f.type == "int" else float(raw) if f.type == "float"
                                 else Path(raw) if f.name == "index_dir" else raw)
            except ValueError as exc:
                raise ConfigError(f"{key} must be a {'whole ' if f.type == 'int' else ''}number, got '{raw}'") from exc
        return cls(**values)
