"""The shipped kind of reader (a BERT-style question-answering folder) run by ONNX Runtime in
float32: the same windows, logits and answers as the torch reader, without importing torch
or transformers to answer (a `tokenizers` tokenizer cuts the windows).

The ONNX model is exported once from the folder's weights (with torch, from a model loaded
for that alone), its operators fused (fuse_bert_operators), into a cache folder keyed by the
weights files' names, sizes and times and the ONNX Runtime version; nothing is downloaded.
With the setting quantize "int8" the export is then quantised (quantize_reader_int8): about 1.45x
as fast for 0.4 points of F1 (1,000 dev-v1.1-a questions).

Reading is split in three so that questions asked at the same time can share forward
passes (batching.py): `prepare` tokenizes one question's windows, `run` puts any windows
through the model, `finish` turns one question's logits into answers.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import ConfigError
from index.onnx_embedder import DEFAULT_CACHE_DIR
from index.onnx_export import cached_export, fuse_bert_operators, onnx_nodes, quantize_int8

from ..results import Answer, Passage
from .decoding import SPANS_PER_WINDOW, ReaderSettings, answers_from, cut_question, window_spans
from .model_folder import READER_META, read_reader_meta

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class Window:
    """One window of a question and a passage: token ids and types, character offsets into
    the passage text, which tokens are the passage's, and which passage it is from."""

    ids: list[int]
    types: list[int]
    offsets: list[tuple[int, int]]
    context: list[bool]
    passage: int


@dataclass(frozen=True)
class Prepared:
    question: str
    passages: Sequence[Passage]
    windows: list[Window]


def runs_on_onnx(model: str) -> bool:
    """Whether `model` is a folder this reader runs: a reader folder of this project (its
    reader.json, a tokenizer.json, a BERT-style config), with ONNX Runtime installed."""
    import importlib.util

    folder = Path(model)
    if not (folder / READER_META).is_file() or not (folder / "tokenizer.json").is_file():
        return False
    if importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("tokenizers") is None:
        return False
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return config.get("model_type") in ("bert",) and _padding_side(folder) == "right"


class OnnxReader:
    """model: a reader folder (see runs_on_onnx). settings: windows and scoring (default:
    what the folder records). threads: ONNX Runtime's intra-op threads (default: the cores)."""

    name = "onnx"
    batches_windows = True  # prepare / run / finish: questions asked together share passes (batching.py)

    def __init__(self, model: str, settings: ReaderSettings | None = None, cache_dir: Path | None = None,
                 threads: int | None = None):
        self.model_name = model
        self.settings = settings
        self.cache_dir = Path(cache_dir or DEFAULT_CACHE_DIR) / "readers"
        self.threads = threads
        self.model_file: Path | None = None  # the ONNX file it runs, once warmed up
        self._session = None
        self._windows = None  # cuts (question, passage) pairs into windows
        self._counter = None  # counts a question's tokens, untruncated
        self._pad_id = 0

    def warm_up(self) -> None:
        if self._session is not None:
            return
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(self.model_name)
        if not runs_on_onnx(self.model_name):
            raise ConfigError(f"'{self.model_name}' is not a reader folder ONNX Runtime can run; use it with "
                              "the torch reader (--reader FOLDER)")
        settings = self.settings or ReaderSettings.for_model(self.model_name)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.settings = settings.fitted(config.get("max_position_embeddings"),
                                        _tokenizer_setting(folder, "model_max_length"))
        counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        counter.no_truncation()
        counter.no_padding()
        windows = Tokenizer.from_file(str(folder / "tokenizer.json"))
        windows.no_padding()
        windows.enable_truncation(self.settings.max_length, stride=self.settings.stride, strategy="only_second")
        self._pad_id = int(config.get("pad_token_id") or 0)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads or len(os.sched_getaffinity(0))
        options.inter_op_num_threads = 1
        # Threads that spin while waiting for work hold a core another process (or the
        # embedder) needs; on a shared machine that is what made reading collapse.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.model_file = self._onnx_model(folder, onnxruntime.__version__)
        self._counter, self._windows = counter, windows
        self._session = onnxruntime.InferenceSession(str(self.model_file), options,
                                                     providers=["CPUExecutionProvider"])

    def read(self, question: str, passages: Sequence[Passage], max_answers: int = 3) -> list[Answer]:
        prepared = self.prepare(question, passages)
        return self.finish(prepared, self.run(prepared.windows), max_answers)

    def prepare(self, question: str, passages: Sequence[Passage]) -> Prepared:
        """The windows of every passage for this question (the question cut to a third of a
        window, so that every window keeps room for the passage)."""
        self.warm_up()
        question = cut_question(question, self._counter.encode(question, add_special_tokens=False).offsets,
                                self.settings.question_tokens)
        windows = []
        for number, passage in enumerate(passages):
            first = self._windows.encode(question, passage.chunk.text)
            for encoding in [first, *first.overflowing]:
                windows.append(Window(list(encoding.ids), list(encoding.type_ids), list(encoding.offsets),
                                      [sid == 1 for sid in encoding.sequence_ids], number))
        return Prepared(question, passages, windows)

    def run(self, windows: Sequence[Window]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(start logits, end logits) of each window, in order; windows of similar length go
        through the model together, `batch_size` at a time, padded to the longest."""
        self.warm_up()
        results: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(windows)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        size = self.settings.batch_size
        for lo in range(0, len(order), size):
            rows = order[lo:lo + size]
            width = max(len(windows[i].ids) for i in rows)
            ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(windows[i].ids)
                ids[r, :n], types[r, :n], mask[r, :n] = windows[i].ids, windows[i].types, 1
            start, end = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            for r, i in enumerate(rows):
                n = len(windows[i].ids)
                results[i] = (start[r, :n], end[r, :n])
        return results

    def finish(self, prepared: Prepared, logits: Sequence[tuple[np.ndarray, np.ndarray]],
               max_answers: int) -> list[Answer]:
        spans = self.spans_from(prepared, logits, top_n=SPANS_PER_WINDOW)
        return answers_from(spans, prepared.passages, self.settings, max_answers)

    def spans_from(self, prepared: Prepared, logits: Sequence[tuple[np.ndarray, np.ndarray]], top_n: int):
        windows = prepared.windows
        return window_spans([s for s, _ in logits], [e for _, e in logits], [w.offsets for w in windows],
                            [w.context for w in windows], [w.passage for w in windows], self.settings, top_n)

    def spans(self, question: str, passages: Sequence[Passage], top_n: int):
        """As TransformerReader.spans: every window's best spans with its null logit."""
        prepared = self.prepare(question, passages)
        return self.spans_from(prepared, self.run(prepared.windows), top_n)

    @property
    def batches_across_questions(self) -> bool:
        """Whether windows of different questions may share a forward pass without changing
        anyone's answer: in float32 yes; int8 activations are scaled per batch, so a question's
        scores would depend on who else asked at that moment."""
        settings = self.settings or ReaderSettings.for_model(self.model_name)
        return settings.quantize is None

    def _onnx_model(self, folder: Path, runtime_version: str) -> Path:
        weights = (read_reader_meta(folder) or {}).get("weights", [])
        sources = [folder / name for name in sorted(weights)] + [folder / "config.json"]
        float32 = cached_export(self.cache_dir, sources, "model-fused.onnx", runtime_version,
                                lambda target: export_onnx(folder, target))
        if self.settings.quantize is None:
            return float32
        if self.settings.quantize != "int8":
            raise ConfigError(f"unknown quantize setting '{self.settings.quantize}' for '{self.model_name}' "
                              "(int8 or none)")
        return cached_export(self.cache_dir, sources, "model-fused-int8.onnx", runtime_version,
                             lambda target: quantize_reader_int8(float32, target))


def export_onnx(folder: Path, target: Path) -> None:
    """Export the question-answering model in `folder` to ONNX (float32), atomically. The
    model is loaded for this alone: exporting has changed a model it was given before."""
    import torch

    from .model_folder import load_qa_model

    class Logits(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.start_logits, out.end_logits

    model, _ = load_qa_model(str(folder))
    # Written out as plain matrix products, attention takes the shape ONNX Runtime's BERT
    # fusions recognise; the exporter's scaled-dot-product form is left unfused.
    model.set_attn_implementation("eager")
    model.eval()
    example = torch.ones((2, 16), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "start_logits", "end_logits")}
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        exported = Path(tmp) / "exported.onnx"
        torch.onnx.export(Logits(model), (example, example, torch.zeros_like(example)), str(exported),
                          input_names=list(_INPUTS), output_names=["start_logits", "end_logits"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
        fused = Path(tmp) / target.name
        fuse_bert_operators(exported, fused, model.config.num_attention_heads, model.config.hidden_size)
        os.replace(fused, target)


# The feed-forward output projections (1536 -> 384) of each layer: in int8 they cost most of
# the F1 that int8 loses (0.9 points on 1,000 dev-v1.1-a questions, 0.4 with these kept
# float32), at a fifth of the speed gained. The embeddings stay float32 too (FLOAT32_OPERATORS).
FLOAT32_LAYERS = re.compile(r"layer\.\d+/output/dense/")


def quantize_reader_int8(source: Path, target: Path) -> None:
    """`source` in int8 as the embedder is (quantize_int8), FLOAT32_LAYERS kept float32. Atomic."""
    nodes = onnx_nodes(source)
    kept = [node.name for node in nodes if node.op_type == "MatMul" and FLOAT32_LAYERS.search(node.name)]
    if not kept:
        raise ConfigError(f"the exported reader has no layer named like {FLOAT32_LAYERS.pattern}; "
                          "run it without quantize")
    quantize_int8(source, target, nodes, kept)


def _tokenizer_setting(folder: Path, key: str):
    path = folder / "tokenizer_config.json"
    return json.loads(path.read_text(encoding="utf-8")).get(key) if path.is_file() else None


def _padding_side(folder: Path) -> str:
    return _tokenizer_setting(folder, "padding_side") or "right"
