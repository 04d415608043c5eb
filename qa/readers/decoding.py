"""Span decoding both readers share: a window's logits to its best spans, spans to answers with
their sentence, and the reader's settings (windows, no-answer margin, calibration).

transformers 5 has no question-answering pipeline, so windowing and span decoding live here.
Scores are a logistic function of a span's logits, so they compare across windows and
passages (a softmax per window would not). For models trained with a null answer (SQuAD 2.0
style, like the shipped reader) it is the span's margin over the window's [CLS] "no answer"
logit, with the margin and the logistic's scale and bias fitted on held-out data and recorded
in the model folder; for others a score threshold decides.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

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
