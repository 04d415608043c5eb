"""The same sentence-transformers model run by ONNX Runtime with int8 weights: about 2x
the texts per second of torch float32 on these CPUs (benchmarks/RESULTS.md), with no
sentence-transformers import at query time.

The int8 model is made once from the installed weights (exported with torch, its BERT
operators fused, weights quantised per output channel) and kept in a cache folder keyed by
the weights file (path, size, modification time: hashing its 90 MB would cost every start
0.15 s); nothing is downloaded. Only models that are a transformer, mean pooling and unit
length (as all-MiniLM-L6-v2) can run this way; others need the torch backend."""
from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .embedder import COUNT_BATCH_TEXTS, resolve_model_path
from .errors import ConfigError
from .onnx_export import cached_export, fuse_bert_operators, onnx_nodes, quantize_int8

BACKEND = "onnx-int8"
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / ".qa-cache"  # qa.config: the cache_dir setting
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_SUPPORTED_MODULES = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
                      "sentence_transformers.models.Normalize"]


class OnnxInt8Embedder:
    """name: a sentence-transformers model folder or the bundled default's name.
    cache_dir: where the int8 model is kept. threads: ONNX Runtime's threads (default: cores).

    Each text runs alone: int8 activations are scaled per run, so in a batch a text's vector
    would depend on its neighbours (and an incremental re-index would differ from a full one).
    Alone it is also faster here than in padded batches."""

    backend = BACKEND

    def __init__(self, name: str, cache_dir: Path | None = None, threads: int | None = None):
        self.name = name
        self.cache_dir = Path(cache_dir or DEFAULT_CACHE_DIR) / "embedders"
        self.threads = threads
        self._session = None
        self._tokenizer = None
        self._counter = None
        self._dimension = 0
        self._max_tokens = 0

    def warm_up(self) -> None:
        if self._session is not None:
            return
        folder = _supported_folder(self.name)
        import onnxruntime
        from tokenizers import Tokenizer

        settings = json.loads((folder / "sentence_bert_config.json").read_text())
        self._max_tokens = int(settings.get("max_seq_length", 256))
        self._dimension = int(json.loads((folder / "config.json").read_text())["hidden_size"])
        self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(self._max_tokens)
        self._tokenizer.no_padding()
        model_file = self._int8_model(folder, onnxruntime.__version__)
        options = onnxruntime.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        # Idle threads would spin for a while after each run, taking the cores from the reader.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])

    @property
    def dimension(self) -> int:
        self.warm_up()
        return self._dimension

    @property
    def max_tokens(self) -> int:
        self.warm_up()
        return self._max_tokens

    def encode(self, texts: Sequence[str], show_progress_bar: bool = False) -> np.ndarray:
        """Unit vectors of `texts`, each text run alone; several texts run side by side, one
        per core (the session is shared: one text's run uses the cores poorly, and in
        parallel they fill them; measured 1.3x the texts per second on 2 cores)."""
        self.warm_up()
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts)) if texts else []
        pooled = self._mean_hidden_states(encodings)
        if show_progress_bar:
            from tqdm import tqdm
            pooled = tqdm(pooled, total=len(encodings), desc="Texts")
        for row, vector in enumerate(pooled):
            vectors[row] = vector / max(float(np.linalg.norm(vector)), 1e-12)
        return vectors

    def _mean_hidden_states(self, encodings: Sequence) -> Iterator[np.ndarray]:
        """In order; a single text (a question) runs here, without starting threads."""
        workers = min(len(encodings), self.threads or len(os.sched_getaffinity(0)))
        if workers <= 1:
            yield from map(self._mean_hidden_state, encodings)
            return
        with ThreadPoolExecutor(workers) as pool:
            yield from pool.map(self._mean_hidden_state, encodings)

    def _mean_hidden_state(self, encoded) -> np.ndarray:
        feed = {
            "input_ids": np.array([encoded.ids], dtype=np.int64),
            "attention_mask": np.array([encoded.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([encoded.type_ids], dtype=np.int64),
        }
        return self._session.run(None, feed)[0][0].mean(axis=0)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        self.warm_up()
        counts: list[int] = []
        for lo in range(0, len(texts), COUNT_BATCH_TEXTS):
            encoded = self._counter.encode_batch(list(texts[lo:lo + COUNT_BATCH_TEXTS]), add_special_tokens=False)
            counts.extend(len(e.ids) for e in encoded)
        return counts

    def _int8_model(self, folder: Path, runtime_version: str) -> Path:
        return cached_export(self.cache_dir, [folder / "model.safetensors"], "model-fused-int8.onnx", runtime_version,
                             lambda target: export_int8(folder, target))


def runs_here(name: str) -> bool:
    """Whether `name` can run on this backend. Reads a few small files only."""
    try:
        _supported_folder(name)
    except (ConfigError, OSError, ValueError):
        return False
    return True


def _supported_folder(name: str) -> Path:
    """The local sentence-transformers folder of `name`, if this backend can run it (ONNX
    Runtime installed; a transformer, mean pooling, unit length); else ConfigError saying why."""
    import importlib.util

    folder = Path(resolve_model_path(name))
    if not (folder / "modules.json").is_file():
        raise ConfigError(f"cannot load embedder '{name}' with the {BACKEND} backend: "
                          f"{folder} is not a local sentence-transformers folder; use --embedder-backend torch")
    if importlib.util.find_spec("onnxruntime") is None:
        raise ConfigError(f"the {BACKEND} embedder needs onnxruntime: "
                          "pip install onnxruntime, or use --embedder-backend torch")
    modules = [m.get("type") for m in json.loads((folder / "modules.json").read_text())]
    pooling_file = folder / "1_Pooling" / "config.json"
    pooling = json.loads(pooling_file.read_text()) if pooling_file.is_file() else {}
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens")
    if modules != _SUPPORTED_MODULES or not mean_only:
        raise ConfigError(f"the {BACKEND} backend runs only a transformer with mean pooling and unit-length "
                          f"vectors; {folder} is {modules}; use --embedder-backend torch")
    return folder


def export_int8(folder: Path, target: Path) -> None:
    """Export the transformer of `folder` to ONNX, fuse its BERT operators, and quantise the
    weights of its matrix products and attention to int8 per output channel (per-tensor
    scales cost ten times as much cosine similarity); atomic. The fused int8 model is about
    1.4x as fast as the unfused one, as close to float32 (mean cosine 0.993 on news text)."""
    import torch
    from transformers import AutoModel

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    model.set_attn_implementation("eager")  # the form the attention fusion recognises
    example = torch.ones((2, 8), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "hidden")}
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        float_file, fused_file = Path(tmp) / "model.onnx", Path(tmp) / "fused.onnx"
        torch.onnx.export(LastHiddenState(model), (example, example, torch.zeros_like(example)), str(float_file),
                          input_names=list(_INPUTS), output_names=["hidden"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
        fuse_bert_operators(float_file, fused_file, model.config.num_attention_heads, model.config.hidden_size)
        quantize_int8(fused_file, target, onnx_nodes(fused_file))


