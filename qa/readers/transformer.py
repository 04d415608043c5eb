"""Extractive reader for any AutoModelForQuestionAnswering model (hub id or folder), run by
torch; windows and spans are decoded as every reader does (decoding.py)."""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from index.errors import ConfigError

from ..results import Answer, Passage
from .decoding import SPANS_PER_WINDOW, ReaderSettings, WindowSpan, answers_from, cut_question, window_spans


class TransformerReader:
    """model: hub id or local folder of an AutoModelForQuestionAnswering model.
    settings: how windows are cut and spans scored (default: what the folder records).
    device: torch device string."""

    name = "torch"
    batches_windows = False

    def __init__(self, model: str, settings: ReaderSettings | None = None, device: str | None = None,
                 allow_downloads: bool = False):
        self.model_name = model
        self.allow_downloads = allow_downloads
        self.settings = settings
        self.device = device
        self._model = None
        self._tokenizer = None
        self._tokenizer_lock = threading.Lock()

    @classmethod
    def from_loaded(cls, model, tokenizer, settings: ReaderSettings | None = None, **overrides) -> TransformerReader:
        """A reader around a model already in memory (training evaluates with this);
        overrides: ReaderSettings fields to change."""
        reader = cls(getattr(model.config, "_name_or_path", "in-memory"), replace(settings or ReaderSettings(), **overrides))
        reader._model, reader._tokenizer = model, tokenizer
        return reader

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from .model_folder import load_qa_model

        try:
            settings = self.settings or ReaderSettings.for_model(self.model_name)
            self._model, self._tokenizer = load_qa_model(self.model_name, self.allow_downloads)
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot load QA model '{self.model_name}': {str(exc).splitlines()[0]} "
                "(use --reader auto, or a folder with a question-answering model)"
            ) from exc
        if not getattr(self._tokenizer, "is_fast", False):
            raise ConfigError(f"QA model '{self.model_name}' needs a fast tokenizer (for character offsets)")
        self._model.eval()
        # A window can never be longer than the model's position embeddings.
        self.settings = settings.fitted(getattr(self._model.config, "max_position_embeddings", None),
                                        getattr(self._tokenizer, "model_max_length", None))
        if self.device:
            self._model.to(self.device)
        if settings.quantize == "int8" and self._model.device.type == "cpu":
            self._model = quantized_int8(self._model)
        elif settings.quantize not in (None, "int8"):
            raise ConfigError(f"unknown quantize setting '{settings.quantize}' for '{self.model_name}' (int8 or none)")

    def read(self, question: str, passages: Sequence[Passage], max_answers: int = 3) -> list[Answer]:
        self.warm_up()
        return answers_from(self.spans(question, passages, top_n=SPANS_PER_WINDOW), passages, self.settings,
                            max_answers)

    def spans(self, question: str, passages: Sequence[Passage], top_n: int) -> list[WindowSpan]:
        """The best `top_n` spans of every window of every passage, unfiltered, with each
        window's null logit: what `read` scores, and what calibration fits scores to.
        All windows of all passages go through the model in as few batches as fit."""
        import torch

        self.warm_up()
        if not passages:
            return []
        settings = self.settings
        tokenizer = self._tokenizer
        pad_right = tokenizer.padding_side == "right"
        # A fast tokenizer's call sets its truncation and padding state on the shared object:
        # two threads calling it at once get each other's (a batch of ragged rows).
        with self._tokenizer_lock:
            offsets = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
            question = cut_question(question, offsets, settings.question_tokens)
            encoded = tokenizer(
                [question] * len(passages) if pad_right else [p.chunk.text for p in passages],
                [p.chunk.text for p in passages] if pad_right else [question] * len(passages),
                truncation="only_second" if pad_right else "only_first",
                max_length=settings.max_length,
                stride=settings.stride,
                return_overflowing_tokens=True,
                return_offsets_mapping=True,
                padding="longest",
                return_tensors="pt",
            )
        window_passage = encoded.pop("overflow_to_sample_mapping").tolist()
        offsets = encoded.pop("offset_mapping").tolist()
        context_side = 1 if pad_right else 0
        masks = [[sid == context_side for sid in encoded.sequence_ids(i)] for i in range(len(offsets))]
        inputs = {k: v for k, v in encoded.items() if k in ("input_ids", "attention_mask", "token_type_ids")}

        starts, ends = [], []
        with torch.inference_mode():
            for lo in range(0, len(offsets), settings.batch_size):
                batch = {k: v[lo:lo + settings.batch_size].to(self._model.device) for k, v in inputs.items()}
                out = self._model(**batch)
                starts.append(out.start_logits.float().cpu().numpy())
                ends.append(out.end_logits.float().cpu().numpy())
        start_logits, end_logits = np.concatenate(starts), np.concatenate(ends)
        return window_spans(start_logits, end_logits, offsets, masks, window_passage, settings, top_n)


def quantized_int8(model):
    """The model with its linear layers' weights in int8 (one scale per output channel),
    activations quantised on the fly, except each layer's feed-forward output projection,
    which stays float32 as in the ONNX reader (onnx_reader.FLOAT32_LAYERS): in int8 it costs
    most of the F1 that int8 loses."""
    import re
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    kept_float32 = re.compile(r"layer\.\d+\.output\.dense$")
    linear = {name: per_channel_dynamic_qconfig for name, module in model.named_modules()
              if isinstance(module, torch.nn.Linear) and not kept_float32.search(name)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch points to torchao, which is not installed here
        return quantize_dynamic(model, linear, dtype=torch.qint8)


