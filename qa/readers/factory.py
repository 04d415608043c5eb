"""Choose a reader from the `--reader` setting."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from index.embedder import Embedder

from .base import Reader
from .offline import OfflineReader


def make_reader(spec: str, qa_model: str | None, embedder: Embedder | None,
                log: Callable[[str], None]) -> Reader:
    """spec: "offline"; "auto" (the transformer reader if `qa_model` is available locally,
    else offline, saying which); or a QA model id / folder, which must load."""
    if spec == "offline":
        return OfflineReader(embedder)
    if spec == "auto":
        if qa_model and is_available_locally(qa_model):
            from .transformer import TransformerReader

            log(f"reader: transformer ({qa_model})")
            return TransformerReader(qa_model)
        why = f"QA model '{qa_model}' is not available locally" if qa_model else "no QA model configured"
        log(f"reader: offline ({why})")
        return OfflineReader(embedder)
    from .transformer import TransformerReader

    reader = TransformerReader(spec)
    reader.warm_up()
    return reader


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
