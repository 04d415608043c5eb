"""Choose a trained reader's no-answer margin and fit its confidence scores, on SQuAD
articles set aside for this (never on the sets the figures are reported on), and record
both in the reader folder's reader.json.

    python -m qa.calibrate_reader --data ../shared/squad --reader models/reader

Each calibration question is read the way the app reads: against its own paragraph and
`passages - 1` other paragraphs of the same article (what retrieval returns around it).
The margin is the best span's logit minus its window's "no answer" logit; the question is
answered when the margin exceeds the chosen threshold, which is the one that maximises
exact match. Scores are then P(right | margin) from a logistic fit on the answered ones.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from eval.metrics import answer_scores
from eval.squad import SquadQuestion, question_chunk, read_squad, select_split

from .readers.model_folder import READER_META
from .readers.transformer import ReaderSettings, TransformerReader
from .results import Passage

DEV2_FILE = "dev-v2.0-a.json.gz"


@dataclass(frozen=True)
class Reading:
    """The best span a question got, its margin over no answer, and whether it is right."""

    margin: float
    exact: float
    f1: float
    impossible: bool


def read_with_neighbours(reader: TransformerReader, questions: Sequence[SquadQuestion], passages: int,
                         seed: int = 0) -> list[Reading]:
    rng = random.Random(seed)
    paragraphs: dict[str, dict[int, SquadQuestion]] = {}
    for q in questions:
        paragraphs.setdefault(q.title, {}).setdefault(q.paragraph, q)
    readings = []
    for q in questions:
        others = [p for i, p in paragraphs[q.title].items() if i != q.paragraph]
        chosen = [q] + rng.sample(others, min(passages - 1, len(others)))
        found = reader.spans(q.question, [Passage(question_chunk(p), p.title, 1.0, rank)
                                          for rank, p in enumerate(chosen, 1)], top_n=1)
        if not found:
            readings.append(Reading(float("-inf"), 0.0, 0.0, q.is_impossible))
            continue
        best = max(found, key=lambda s: s.margin)
        text = chosen[best.passage].context[best.span.start:best.span.end]
        exact, f1 = answer_scores(text, [a for a, _ in q.answers])
        readings.append(Reading(best.margin, exact, f1, q.is_impossible))
    return readings


def best_margin(readings: Sequence[Reading], no_answer_share: float | None = None) -> tuple[float, float]:
    """(threshold, exact match): answering only above the threshold; no answer is right
    exactly for the unanswerable questions. no_answer_share: weigh the questions as if
    this share of them were unanswerable (None: as they come)."""
    impossible = sum(r.impossible for r in readings)
    weight = {True: 1.0, False: 1.0}
    if no_answer_share is not None and 0 < impossible < len(readings):
        weight = {True: no_answer_share * len(readings) / impossible,
                  False: (1 - no_answer_share) * len(readings) / (len(readings) - impossible)}
    ordered = sorted(readings, key=lambda r: -r.margin)
    correct = sum(weight[True] for r in readings if r.impossible)  # everything left unanswered
    best = (ordered[0].margin + 1.0 if ordered else 0.0, correct)
    for i, r in enumerate(ordered):
        correct += weight[r.impossible] * (r.exact - float(r.impossible))
        next_margin = ordered[i + 1].margin if i + 1 < len(ordered) else r.margin - 1.0
        if correct > best[1] and next_margin < r.margin:
            best = ((r.margin + next_margin) / 2, correct)
    return best[0], best[1] / max(1, len(readings))


def fit_logistic(x: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """(scale, bias) of P(y=1) = sigmoid(scale * x + bias), by Newton's method with a
    little ridge so that a separable sample still gives finite values."""
    w = np.zeros(2)
    features = np.stack([x, np.ones_like(x)], axis=1)
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-features @ w))
        gradient = features.T @ (p - y) + 1e-3 * w
        hessian = (features * (p * (1 - p))[:, None]).T @ features + 1e-3 * np.eye(2)
        w -= np.linalg.solve(hessian, gradient)
    return float(w[0]), float(w[1])


def calibrate(reader_folder: Path, data: Path, passages: int = 5, limit: int | None = None,
              quantize: str | None = None, no_answer_share: float | None = None) -> dict:
    meta_path = Path(reader_folder) / READER_META
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    trained = meta.get("training", {}).get("settings", {})  # read in windows like those it was trained on
    window = ReaderSettings(max_length=trained.get("max_length", 160), stride=trained.get("stride", 64),
                            quantize=quantize)
    reader = TransformerReader(str(reader_folder), window)
    questions = select_split(read_squad(Path(data) / DEV2_FILE), "calibration")
    if limit:
        questions = random.Random(0).sample(questions, min(limit, len(questions)))
    readings = read_with_neighbours(reader, questions, passages)
    threshold, exact = best_margin(readings, no_answer_share)
    answered = [r for r in readings if r.margin > threshold]
    scale, bias = fit_logistic(np.array([r.margin for r in answered]), np.array([r.exact for r in answered]))
    settings = replace(window, null_margin=round(threshold, 4), score_scale=round(scale, 4),
                       score_bias=round(bias, 4), threshold=0.0)
    record = {"split": "calibration", "questions": len(readings), "passages_per_question": passages,
              "no_answer_share": no_answer_share,
              "exact_match_at_threshold": round(exact, 4), "answered": len(answered)}
    meta["inference"] = asdict(settings)
    meta["calibration"] = record
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return {"inference": asdict(settings), "calibration": record}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.calibrate_reader", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help=f"folder with {DEV2_FILE}")
    parser.add_argument("--reader", type=Path, required=True, help="reader folder to calibrate (reader.json is updated)")
    parser.add_argument("--passages", type=int, default=5, help="paragraphs read per question (default: 5)")
    parser.add_argument("--limit", type=int, help="only this many calibration questions")
    parser.add_argument("--quantize", choices=("int8",), help="calibrate, and run, the reader with int8 weights")
    parser.add_argument("--no-answer-share", type=float,
                        help="choose the margin as if this share of questions had no answer (SQuAD 2.0 "
                             "dev has about half; default: the data's own share)")
    args = parser.parse_args(argv)
    if args.no_answer_share is not None and not 0 < args.no_answer_share < 1:
        parser.error("--no-answer-share must be between 0 and 1")
    print(json.dumps(calibrate(args.reader, args.data, args.passages, args.limit, args.quantize,
                               args.no_answer_share), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
