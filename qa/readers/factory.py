"""Choose a reader from the `--reader` setting."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from index.errors import ConfigError

from .base import Reader
from .decoding import ReaderSettings
from .onnx_reader import OnnxReader, runs_on_onnx
from .transformer import TransformerReader

AUTO = "auto"


def make_reader(spec: str, qa_model: str | None, log: Callable[[str], None] = lambda _: None,
                answer_margin: float | None = None, *, allow_downloads: bool = False,
                cache_dir: Path | None = None) -> Reader:
    """spec: "auto" (the configured `qa_model`, by default the shipped reader, which must be
    on this machine: run by ONNX Runtime when it is a reader folder of this project, else by
    torch), or a QA model id / folder, run by torch and loaded now so that a wrong one fails here.
    answer_margin: replaces the no-answer margin the model records (None: keep it).
    allow_downloads: a hub id not in the local cache may be downloaded. cache_dir: where the
    ONNX export is kept."""
    if spec == AUTO:
        if not qa_model or not is_available_locally(qa_model):
            raise ConfigError(f"the QA model '{qa_model}' that --reader auto uses is not on this machine: "
                              "set --qa-model (or QA_MODEL) to a question-answering model folder")
        log(f"reader: {qa_model}")
        return reader_for_folder(qa_model, _with_margin(qa_model, answer_margin), cache_dir)
    if not is_available_locally(spec) and not allow_downloads:
        raise ConfigError(f"there is no reader '{spec}' on this machine: choose auto (the shipped reader), a "
                          "question-answering model folder, or the id of one in the local Hugging Face cache")
    reader = TransformerReader(spec, _with_margin(spec, answer_margin), allow_downloads=allow_downloads)
    reader.warm_up()
    return reader


def reader_for_folder(model: str, settings: ReaderSettings | None = None,
                      cache_dir: Path | None = None) -> OnnxReader | TransformerReader:
    """The reader the app runs for `model`: ONNX Runtime for this project's reader folders,
    else torch. settings: windows and scoring (default: what the folder records)."""
    return OnnxReader(model, settings, cache_dir) if runs_on_onnx(model) else TransformerReader(model, settings)


def _with_margin(model: str, answer_margin: float | None) -> ReaderSettings | None:
    if answer_margin is None:
        return None
    if not math.isfinite(answer_margin):
        raise ConfigError(f"the answer margin must be a finite number, got {answer_margin}")
    settings = ReaderSettings.for_model(model)
    if not settings.use_null_answer:
        raise ConfigError(f"the reader '{Path(model).name or model}' has no \"no answer\" option, so an answer "
                          "margin does not apply to it")
    return replace(settings, null_margin=answer_margin)


def is_available_locally(model: str) -> bool:
    """True for a model folder, or a hub id already in the local cache. Never uses the network."""
    if Path(model).is_dir():
        return (Path(model) / "config.json").is_file()
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    try:
        return isinstance(try_to_load_from_cache(model, "config.json"), str)
    except Exception:  # a malformed id is simply not available
        return False
