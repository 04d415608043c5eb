"""SQuAD files (JSON, optionally gzip-compressed): reading them, splitting them by article,
and scoring a reader on them the standard way (each question against its own paragraph)."""
from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.documents import Chunk
from index.errors import UserError
from qa.readers.base import Reader
from qa.results import Passage

from .metrics import CONFIDENT_SCORE, answer_scores, mean, percentile

SPLITS = ("all", "train", "calibration", "heldout")


@dataclass(frozen=True)
class SquadQuestion:
    """One question on one paragraph. answers: (text, character start) pairs, empty when
    the question is unanswerable. paragraph: the paragraph's index within its article."""

    id: str
    title: str
    paragraph: int
    context: str
    question: str
    answers: tuple[tuple[str, int], ...]

    @property
    def is_impossible(self) -> bool:
        return not self.answers


def read_squad(path: Path) -> list[SquadQuestion]:
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError as exc:
        raise UserError(f"no SQuAD file at {path}") from exc
    except (OSError, ValueError) as exc:
        raise UserError(f"{path} is not a SQuAD JSON file: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise UserError(f"{path} is not a SQuAD JSON file: no 'data' list at the top")
    questions = []
    for article in data["data"]:
        for p_index, paragraph in enumerate(article.get("paragraphs", [])):
            context = paragraph["context"]
            for qa in paragraph.get("qas", []):
                answers = () if qa.get("is_impossible") else tuple(
                    (a["text"], int(a["answer_start"])) for a in qa.get("answers", []))
                questions.append(SquadQuestion(str(qa["id"]), article.get("title", ""), p_index, context,
                                               qa["question"], answers))
    return questions


def article_splits(titles: Iterable[str]) -> dict[str, str]:
    """Which part each article of a file belongs to, fixed by the titles alone: articles
    ordered by a hash of their title, then dealt in turn: two to training, one to
    calibrating the reader (no-answer threshold, scores), one never used for either
    (the held-out figures)."""
    ordered = sorted(set(titles), key=lambda t: hashlib.sha1(t.encode("utf-8")).hexdigest())
    return {title: ("train", "train", "calibration", "heldout")[i % 4] for i, title in enumerate(ordered)}


def select_split(questions: Sequence[SquadQuestion], split: str) -> list[SquadQuestion]:
    if split not in SPLITS:
        raise UserError(f"split must be one of {', '.join(SPLITS)}, got '{split}'")
    if split == "all":
        return list(questions)
    parts = article_splits(q.title for q in questions)
    return [q for q in questions if parts[q.title] == split]


def question_chunk(question: SquadQuestion) -> Chunk:
    """The question's paragraph as the one chunk a reader gets."""
    doc_id = f"{question.title}#{question.paragraph}"
    return Chunk(doc_id, 0, len(question.context), question.context)


@dataclass(frozen=True)
class SquadPrediction:
    question: SquadQuestion
    answer: str | None
    score: float | None
    exact: float
    f1: float
    latency_ms: float


def predict_squad(questions: Sequence[SquadQuestion], reader: Reader,
                  progress: Callable[[int, int], None] | None = None) -> list[SquadPrediction]:
    """The reader's best answer to each question, given only the question's paragraph, scored."""
    predictions = []
    for i, question in enumerate(questions):
        passage = Passage(question_chunk(question), question.title, 1.0, 1)
        started = time.perf_counter()
        found = reader.read(question.question, [passage], 1)
        elapsed = (time.perf_counter() - started) * 1000
        text, score = (found[0].text, found[0].score) if found else (None, None)
        exact, f1 = answer_scores(text, [a for a, _ in question.answers])
        predictions.append(SquadPrediction(question, text, score, exact, f1, elapsed))
        if progress:
            progress(i + 1, len(questions))
    return predictions


def squad_metrics(predictions: Sequence[SquadPrediction]) -> dict[str, float]:
    """EM and F1 (official normalisation), the same on answerable questions only, how often
    an unanswerable question is left unanswered, how often an answer scored 0.8 or more is
    exactly right (and how many were), and latency."""
    answerable = [p for p in predictions if not p.question.is_impossible]
    unanswerable = [p for p in predictions if p.question.is_impossible]
    latencies = [p.latency_ms for p in predictions]
    confident = [p for p in predictions if p.score is not None and p.score >= CONFIDENT_SCORE]
    return {
        "questions": len(predictions),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "exact_match": mean([p.exact for p in predictions]),
        "f1": mean([p.f1 for p in predictions]),
        "has_answer_exact_match": mean([p.exact for p in answerable]),
        "has_answer_f1": mean([p.f1 for p in answerable]),
        "has_answer_answered": mean([float(p.answer is not None) for p in answerable]),
        "no_answer_accuracy": mean([p.exact for p in unanswerable]),
        "precision_at_score_0_8": mean([p.exact for p in confident]),
        "answers_at_score_0_8": len(confident),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }
