"""All settings in one place: one object, validated once when made. Defaults work offline on
the bundled articles; QA_* environment variables override them, and command-line options
override those (cli/main.py). docs/configuration.md is generated from this class."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.chunker import ChunkerSettings
from index.dense import DEFAULT_FACTORY
from index.embedder import DEFAULT_EMBEDDER
from index.errors import ConfigError
from index.opener import IndexSpec
from index.stores import FAISS_STORE, check_store, locate

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_ARTICLES = REPO_ROOT / "data" / "articles"
DEFAULT_INDEX_DIR = REPO_ROOT / ".qa-index"
DEFAULT_CACHE_DIR = REPO_ROOT / ".qa-cache"
SHIPPED_READER = REPO_ROOT / "models" / "reader"
MAX_TOP_K = 50
ENVIRONMENT_ONLY = {"secondary_answer_min_score", "cache_dir", "allow_downloads", "auth", "api_token"}


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", frozen=True, extra="forbid")

    index_dir: Path = Field(DEFAULT_INDEX_DIR, description="the index folder (store faiss)")
    store: str = Field(FAISS_STORE, description=(
        "where the chunks are kept and searched: faiss (the index folder), milvus:PATH.db (Milvus Lite in a "
        "local file) or http://HOST:19530 (a Milvus server); a Milvus address may end in #NAME"))
    embedder: str = Field(DEFAULT_EMBEDDER, description="sentence-transformers model id or folder")
    embedder_backend: Literal["auto", "onnx-int8", "torch"] = Field("auto", description=(
        "how the embedder runs: onnx-int8, torch, or auto: what the index was built with; for a new index "
        "onnx-int8 where the model can run on it, else torch"))
    chunk_tokens: int = Field(128, ge=8, description="chunk size in embedder tokens")
    chunk_overlap: int = Field(32, ge=0, description="chunk overlap in embedder tokens")
    faiss_factory: str = Field(DEFAULT_FACTORY, description=(
        'FAISS factory string: "auto" (exact search up to 50,000 chunks, an inverted file over 8-bit vectors '
        'beyond) or any FAISS factory ("Flat" is exact search)'))
    retrieval: Literal["hybrid", "dense", "lexical"] = Field("hybrid", description="retrieval mode")
    top_k: int = Field(5, ge=1, le=MAX_TOP_K, description="passages retrieved and read per question")
    reader: str = Field("auto", description="auto (the shipped reader), or a QA model folder / id")
    qa_model: str | None = Field(str(SHIPPED_READER), validation_alias=AliasChoices("qa_model", "QA_MODEL"),
                                 description="the QA model `reader auto` uses (environment: QA_MODEL)")
    answer_margin: float | None = Field(None, description=(
        'answer only when the best span beats "no answer" by more than this (default: the margin calibrated '
        "with the reader); lower answers more, and more often wrongly"))
    max_answers: int = Field(3, ge=1, le=MAX_TOP_K, description="answers returned per question")
    secondary_answer_min_score: float = Field(0.5, ge=0.0, le=1.0, description=(
        "the page shows answers after the first only when their score reaches this"))
    correct_spelling: bool = Field(True, description=(
        "correct misspelt question words (in neither the articles nor an English dictionary) before answering"))
    cache_dir: Path = Field(DEFAULT_CACHE_DIR, description="where ONNX exports and evaluation indexes are kept")
    allow_downloads: bool = Field(False, description="let a reader named by hub id be downloaded when not cached")
    host: str = Field("127.0.0.1", description="serve: the address to bind")
    port: int = Field(7860, ge=1, le=65535, description="serve: the port")
    max_upload: str = Field("20mb", description="serve: the largest uploaded file")
    allowed_hosts: str | None = Field(None, description=(
        "serve: host names answered, comma-separated, or * (default: the bound address, localhost, 127.0.0.1)"))
    auth: SecretStr | None = Field(None, description="serve: user:password for the page's login and the API")
    api_token: SecretStr | None = Field(None, description="serve: a bearer token services may send to the API")

    @field_validator("store")
    @classmethod
    def _known_store(cls, store: str) -> str:
        return check_store(store)

    @field_validator("auth")
    @classmethod
    def _user_and_password(cls, auth: SecretStr | None) -> SecretStr | None:
        if auth is not None:
            user, sep, password = auth.get_secret_value().partition(":")
            if not sep or not user or not password:
                raise ValueError("must look like user:password")
        return auth

    @field_validator("auth", "api_token", "allowed_hosts", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _chunk_sizes(self) -> Config:
        self.chunker_settings  # noqa: B018 (building it checks the chunk sizes)
        return self

    @property
    def chunker_settings(self) -> ChunkerSettings:
        return ChunkerSettings(self.chunk_tokens, self.chunk_overlap)

    @property
    def index_spec(self) -> IndexSpec:
        """The store to open or write, and how its articles are embedded and chunked."""
        return IndexSpec(locate(self.store, self.index_dir), self.embedder, self.embedder_backend,
                         self.chunker_settings, self.faiss_factory, self.cache_dir)

    @property
    def is_default_index(self) -> bool:
        return self.store == FAISS_STORE and Path(self.index_dir).resolve() == DEFAULT_INDEX_DIR.resolve()

    @property
    def credentials(self) -> tuple[str, str] | None:
        if self.auth is None:
            return None
        user, _, password = self.auth.get_secret_value().partition(":")
        return user, password

    @classmethod
    def load(cls, **overrides) -> Config:
        """Defaults, then the QA_* environment, then `overrides` (None: not given)."""
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})
        except ValidationError as exc:
            raise ConfigError(describe(exc, environment=True)) from None

    def with_overrides(self, **values) -> Config:
        """A copy with every non-None value applied, checked as when made."""
        changes = {k: v for k, v in values.items() if v is not None}
        if not changes:
            return self
        try:
            return self.model_validate({**dict(self), **changes})
        except ValidationError as exc:
            raise ConfigError(describe(exc)) from None


def describe(error: ValidationError, environment: bool = False) -> str:
    """A validation error as one sentence per setting, naming it as the user wrote it."""
    parts = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "settings"
        shown = name.replace("_", "-")
        if environment and os.environ.get(f"QA_{name.upper()}") is not None:
            shown = f"{shown} (QA_{name.upper()})"
        message = problem["msg"].removeprefix("Value error, ")
        value = problem.get("input")
        parts.append(f"{shown}: {message}" + (f", got {value!r}" if isinstance(value, (str, int, float)) else ""))
    return "; ".join(parts)


def configuration_table() -> str:
    """Every setting as a Markdown table: option, environment variable, default, meaning."""
    rows = ["| Setting | Environment | Command line | Default | Meaning |", "|---|---|---|---|---|"]
    for name, field in Config.model_fields.items():
        variable = "QA_MODEL" if name == "qa_model" else f"QA_{name.upper()}"
        default = field.default
        if isinstance(default, (str, Path)) and Path(default).is_relative_to(REPO_ROOT):
            default = Path(default).relative_to(REPO_ROOT)
        flag = "--no-correct" if name == "correct_spelling" else f"--{name.replace('_', '-')}"
        flag = "" if name in ENVIRONMENT_ONLY else f"`{flag}`"
        rows.append(f"| `{name}` | `{variable}` | {flag} | `{default}` | {field.description} |")
    return "\n".join(rows) + "\n"


def quiet_libraries() -> None:
    """Model-loading progress bars and hub warnings are noise on a CLI's stderr. Said through
    the environment, so that transformers is not imported just to quiet it (answering a
    question does not need it)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # pymilvus and Ray talk gRPC; its notes are not ours



if __name__ == "__main__":
    print("# Configuration\n\nEvery setting, from `qa/config.py` (generated: `python -m qa.config > docs/configuration.md`). "
          "The command line overrides the environment, which overrides the default. The command-line "
          "options exist on the commands that use them (`python -m qa COMMAND --help`).\n")
    print(configuration_table(), end="")
