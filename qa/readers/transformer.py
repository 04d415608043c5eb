"""Extractive reader for any AutoModelForQuestionAnswering model (hub id or folder).

transformers 5 has no question-answering pipeline, so windowing and span decoding
live here. Scores are a logistic function of a span's logits, so they compare across
windows and passages (a softmax per window would not). For models trained with a null
answer (SQuAD 2.0 style, like the shipped reader) it is the span's margin over the
window's [CLS] "no answer" logit, with the margin and the logistic's scale and bias fitted
on held-out data and recorded in the model folder; for others a score threshold decides.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from index.errors import ConfigError
from index.sentences import split_sentences

from ..results import Answer, Passage
from .model_folder import read_reader_meta

# The best spans of each window that become readings: enough for every answer a page shows,
# and, unlike a number that grows with the answers asked for, a fixed cost per window (the
# span search is quadratic in it).
SPANS_PER_WINDOW = 6


@dataclass(frozen=True)
class SpanCandidate:
    """A span in one window: character offsets into the passage text and its logit sum."""

    start: int
    end: int
    logit: float


def decode_spans(start_logits: np.ndarray, end_logits: np.ndarray, offsets: Sequence[tuple[int, int]],
                 context_mask: Sequence[bool], max_answer_tokens: int, top_n: int) -> list[SpanCandidate]:
    """Best spans of one window: start and end inside the context, end not before start,
    at most `max_answer_tokens` tokens; best first."""
    context = np.flatnonzero(np.asarray(context_mask, dtype=bool))
    if context.size == 0:
        return []
    starts = context[np.argsort(start_logits[context])[::-1][: max(top_n * 4, 20)]]
    ends = context[np.argsort(end_logits[context])[::-1][: max(top_n * 4, 20)]]
    found: dict[tuple[int, int], SpanCandidate] = {}
    for s in starts:
        for e in ends:
            if e < s or e - s + 1 > max_answer_tokens:
                continue
            char_start, char_end = int(offsets[s][0]), int(offsets[e][1])
            if char_end <= char_start:
                continue
            logit = float(start_logits[s] + end_logits[e])
            key = (char_start, char_end)
            if key not in found or found[key].logit < logit:
                found[key] = SpanCandidate(char_start, char_end, logit)
    return sorted(found.values(), key=lambda c: -c.logit)[:top_n]


def calibrated(value: float, scale: float, bias: float = 0.0) -> float:
    """A logistic map from a span's logit (or its margin over no answer) to a confidence."""
    z = scale * value + bias
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass(frozen=True)
class ReaderSettings:
    """max_length / stride: window size and overlap in tokens (question included).
    max_answer_tokens: the longest span reported. batch_size: windows per forward pass.
    use_null_answer: the model was trained with a null answer at [CLS]; a span is then kept
    only when its logit beats the window's null logit by more than null_margin, and its
    score is calibrated from that margin. Otherwise the score is calibrated from the span's
    logit alone. score = sigmoid(score_scale * x + score_bias); spans scoring under
    threshold are dropped. quantize: "int8" runs the linear layers with int8 weights
    (dynamic quantisation, CPU only; the feed-forward output layers stay float32), None keeps
    float32."""

    max_length: int = 384
    stride: int = 128
    max_answer_tokens: int = 30
    batch_size: int = 16
    use_null_answer: bool = True
    null_margin: float = 0.0
    score_scale: float = 0.1
    score_bias: float = 0.0
    threshold: float = 0.5
    quantize: str | None = None

    def fitted(self, *limits: object) -> ReaderSettings:
        """These settings with windows no longer than any of `limits` (the model's position
        embeddings, the tokenizer's maximum; None or unknown ones ignored), and a stride that
        leaves each window room to move on."""
        max_length = min([self.max_length] + [n for n in limits if isinstance(n, int) and n > 0])
        return replace(self, max_length=max_length, stride=min(self.stride, max_length // 2))

    @property
    def question_tokens(self) -> int:
        """The most tokens of a question a window keeps, so that it has room for the passage."""
        return max(1, self.max_length // 3)

    @classmethod
    def for_model(cls, name: str) -> ReaderSettings:
        """The settings a reader folder records under "inference" in reader.json, else the defaults."""
        meta = read_reader_meta(Path(name)) if Path(name).is_dir() else None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in ((meta or {}).get("inference") or {}).items() if k in known})


class TransformerReader:
    """model: hub id or local folder of an AutoModelForQuestionAnswering model.
    settings: how windows are cut and spans scored (default: what the folder records).
    device: torch device string."""

    name = "transformer"

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


def answers_from(spans: Sequence[WindowSpan], passages: Sequence[Passage], settings: ReaderSettings,
                 max_answers: int) -> list[Answer]:
    """Scored answers from the spans of every window: with a null answer, a span must beat its
    window's by more than the margin; the score is calibrated from that margin (or from the
    span's logit). Best first, each answer once."""
    answers: dict[tuple[str, int, int], Answer] = {}
    for found in spans:
        if settings.use_null_answer:
            if found.margin <= settings.null_margin:
                continue
            score = calibrated(found.margin, settings.score_scale, settings.score_bias)
        else:
            score = calibrated(found.span.logit, settings.score_scale, settings.score_bias)
        if score < settings.threshold:
            continue
        answer = _answer(passages[found.passage], found.span, score)
        key = (answer.doc_id, answer.start, answer.end)
        if key not in answers or answers[key].score < score:
            answers[key] = answer
    return _best_unique(answers.values(), max_answers)


def window_spans(start_logits: np.ndarray, end_logits: np.ndarray, offsets: Sequence, masks: Sequence,
                 window_passage: Sequence[int], settings: ReaderSettings, top_n: int) -> list[WindowSpan]:
    """The best `top_n` spans of each window (row) of logits, with that window's null logit."""
    found = []
    for window, passage_index in enumerate(window_passage):
        null_logit = float(start_logits[window][0] + end_logits[window][0])
        for span in decode_spans(start_logits[window], end_logits[window], offsets[window], masks[window],
                                 settings.max_answer_tokens, top_n=top_n):
            found.append(WindowSpan(passage_index, span, null_logit))
    return found


def cut_question(question: str, offsets: Sequence[tuple[int, int]], max_tokens: int) -> str:
    """The question cut after its first `max_tokens` tokens (`offsets`: its tokens' character
    spans), so that every window keeps room for the passage (a longer one would make
    windowing fail)."""
    return question if len(offsets) <= max_tokens else question[:offsets[max_tokens - 1][1]]


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


@dataclass(frozen=True)
class WindowSpan:
    """A span found in one window of passage number `passage`, with that window's
    "no answer" logit; margin > 0 means the model prefers the span to no answer."""

    passage: int
    span: SpanCandidate
    null_logit: float

    @property
    def margin(self) -> float:
        return self.span.logit - self.null_logit


def _answer(passage: Passage, span: SpanCandidate, score: float) -> Answer:
    chunk = passage.chunk
    sentence_start, sentence_end = span.start, span.end
    for s, e in split_sentences(chunk.text):
        if s <= span.start < e:
            sentence_start, sentence_end = s, max(e, span.end)
            break
    return Answer(
        text=chunk.text[span.start:span.end],
        score=round(score, 4),
        doc_id=chunk.doc_id,
        title=passage.title,
        start=chunk.start + span.start,
        end=chunk.start + span.end,
        context=chunk.text[sentence_start:sentence_end],
        context_start=chunk.start + sentence_start,
        context_end=chunk.start + sentence_end,
        passage=passage,
    )


def _best_unique(answers, limit: int) -> list[Answer]:
    """Best first; a span of an article that overlaps a better one of the same article
    (overlapping chunks or windows, "27" inside "27 academicians") is kept once. The same
    text elsewhere stays: it is more evidence (qa.evidence.combine_evidence)."""
    kept = []
    for answer in sorted(answers, key=lambda a: -a.score):
        if any(k.doc_id == answer.doc_id and k.start < answer.end and answer.start < k.end for k in kept):
            continue
        kept.append(answer)
        if len(kept) == limit:
            break
    return kept
