"""All settings in one place. Defaults work offline on the bundled articles;
environment variables (QA_*) and command-line options override them."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from index.chunker import ChunkerSettings
from index.dense import DEFAULT_FACTORY
from index.embedder import DEFAULT_EMBEDDER
from index.errors import ConfigError
from index.milvus_store import FAISS_STORE

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_ARTICLES = REPO_ROOT / "data" / "articles"
DEFAULT_INDEX_DIR = REPO_ROOT / ".qa-index"
SHIPPED_READER = REPO_ROOT / "models" / "reader"
BOOLEAN_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
                 "off": False}


@dataclass(frozen=True)
class Config:
    """index_dir: where the index lives (store "faiss"). store: "faiss" (the index folder), or
    a Milvus store that holds the chunks instead: "milvus:PATH.db" (Milvus Lite, a local
    file) or "http://HOST:19530" (a server), optionally ending in "#NAME" (index/milvus_store.py).
    embedder: sentence-transformers model id or folder.
    embedder_backend: how the embedder runs (index/embedder.py): "onnx-int8", "torch", or
    "auto": what the existing index was built with, else onnx-int8 where the model can run on
    it (index/onnx_embedder.py) and torch where not.
    chunk_tokens / chunk_overlap: chunk size and overlap in embedder tokens.
    faiss_factory: "auto" (exact search up to 50,000 chunks, an inverted file over 8-bit
    vectors beyond: index/dense.py) or any FAISS factory string ("Flat" is exact search).
    retrieval: hybrid, dense or lexical (qa.retrieval.RETRIEVAL_MODES). top_k: passages retrieved per question.
    reader: auto, or a QA model id / folder. qa_model: the model `auto` uses (default: the
    reader shipped in models/reader).
    answer_margin: how far the best span's logit must beat "no answer" for the reader to
    answer (None: the margin calibrated with the reader, in its reader.json). Lower answers
    more questions and is wrong more often; higher declines more. The right value depends on
    the collection and its questions (README, "How sure must the reader be"). Checked where
    the reader is made (qa.readers.factory), since `eval --squad` makes one without a pipeline.
    max_answers: answers returned per question.
    The values are checked once, where they are used: qa.pipeline.check_config.
    secondary_answer_min_score: the web page shows answers after the first only when their
    (calibrated) score reaches this; the others wait behind "more".
    correct_spelling: correct misspelt question words before retrieval and reading
    (qa/spelling.py); the result says what was asked instead."""

    index_dir: Path = DEFAULT_INDEX_DIR
    store: str = FAISS_STORE
    embedder: str = DEFAULT_EMBEDDER
    embedder_backend: str = "auto"
    chunk_tokens: int = 128
    chunk_overlap: int = 32
    faiss_factory: str = DEFAULT_FACTORY
    retrieval: str = "hybrid"
    top_k: int = 5
    reader: str = "auto"
    qa_model: str | None = str(SHIPPED_READER)
    answer_margin: float | None = None
    max_answers: int = 3
    secondary_answer_min_score: float = 0.5
    correct_spelling: bool = True

    @property
    def chunker_settings(self) -> ChunkerSettings:
        return ChunkerSettings(self.chunk_tokens, self.chunk_overlap)

    @property
    def is_default_index(self) -> bool:
        return Path(self.index_dir).resolve() == DEFAULT_INDEX_DIR.resolve()

    def with_overrides(self, **values) -> Config:
        """A copy with every non-None value applied."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Config:
        """Defaults, overridden by QA_INDEX_DIR, QA_EMBEDDER, QA_RETRIEVAL, QA_READER, QA_MODEL..."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            key = "QA_MODEL" if f.name == "qa_model" else f"QA_{f.name.upper()}"
            if key not in environ:
                continue
            raw = environ[key]
            kind = f.type.removesuffix(" | None")
            if kind == "bool":
                if raw.strip().lower() not in BOOLEAN_WORDS:
                    raise ConfigError(f"{key} must be one of {', '.join(BOOLEAN_WORDS)}, got '{raw}'")
                values[f.name] = BOOLEAN_WORDS[raw.strip().lower()]
                continue
            try:
                values[f.name] = (int(raw) if kind == "int" else float(raw) if kind == "float"
                                 else Path(raw) if f.name == "index_dir" else raw)
            except ValueError as exc:
                raise ConfigError(f"{key} must be a {'whole ' if kind == 'int' else ''}number, got '{raw}'") from exc
        return cls(**values)


def quiet_libraries() -> None:
    """Model-loading progress bars and hub warnings are noise on a CLI's stderr. Said through
    the environment, so that transformers is not imported just to quiet it (answering a
    question does not need it)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # pymilvus and Ray talk gRPC; its notes are not ours
