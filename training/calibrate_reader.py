"""Choose a trained reader's no-answer margin and fit its confidence scores, on SQuAD
articles set aside for this (never on the sets the figures are reported on), and record
both in the reader folder's reader.json.

    python -m training.calibrate_reader --data ../shared/squad --reader models/reader

Each calibration question is read the way the app reads: against its own paragraph and
`passages - 1` other paragraphs of the same article (what retrieval returns around it).
The margin is the best span's logit minus its window's "no answer" logit; the question is
answered when the margin exceeds the chosen threshold, which is the one that maximises
exact match. Scores are then P(right | margin) from a logistic fit on the answered ones.

With `--questions` and `--corpus`, a question set on news articles kept for this (never one
the figures are reported on) is read through the app's own retrieval too and carries
`--news-weight` of the score fit, so that a score means the same on news as on Wikipedia.
The margin stays SQuAD's unless `--margin-with-news`: then it maximises the same weighted
mix of exact match on both (SQuAD 2.0's unanswerable questions were written to look
answerable, news questions mostly are answerable: each alone pulls the margin its own way).

The questions are read by the reader the app runs for that folder: ONNX Runtime for this
project's reader folders (float32, or int8 with `--quantize int8`), else torch.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from eval.metrics import answer_scores
from eval.questions import Question, load_questions
from eval.squad import SquadQuestion, question_chunk, read_squad, select_split
from qa.readers.decoding import ReaderSettings
from qa.readers.factory import reader_for_folder
from qa.readers.model_folder import READER_META
from qa.readers.onnx_reader import OnnxReader
from qa.readers.transformer import TransformerReader
from qa.results import Passage

SpanReader = TransformerReader | OnnxReader  # what calibration needs of a reader: spans()

DEV2_FILE = "dev-v2.0-a.json.gz"


@dataclass(frozen=True)
class Reading:
    """The best span a question got, its margin over no answer, and whether it is right."""

    margin: float
    exact: float
    f1: float
    impossible: bool
    weight: float = 1.0


def read_with_neighbours(reader: SpanReader, questions: Sequence[SquadQuestion], passages: int,
                         seed: int = 0) -> list[Reading]:
    rng = random.Random(seed)
    paragraphs: dict[str, dict[int, SquadQuestion]] = {}
    for q in questions:
        paragraphs.setdefault(q.title, {}).setdefault(q.paragraph, q)
    readings = []
    for q in questions:
        others = [p for i, p in paragraphs[q.title].items() if i != q.paragraph]
        chosen = [q] + rng.sample(others, min(passages - 1, len(others)))
        readings.append(best_reading(reader, q.question, [Passage(question_chunk(p), p.title, 1.0, rank)
                                                          for rank, p in enumerate(chosen, 1)],
                                     [a for a, _ in q.answers], q.is_impossible))
    return readings


def best_reading(reader: SpanReader, question: str, passages: Sequence[Passage],
                 answers: Sequence[str], impossible: bool) -> Reading:
    """The best span the reader finds in these passages, scored against the gold answers."""
    found = reader.spans(question, passages, top_n=1)
    if not found:
        return Reading(float("-inf"), 0.0, 0.0, impossible)
    best = max(found, key=lambda s: s.margin)
    exact, f1 = answer_scores(passages[best.passage].chunk.text[best.span.start:best.span.end], list(answers))
    return Reading(best.margin, exact, f1, impossible)


def weighted(readings: Sequence[Reading], total: float, no_answer_share: float | None = None) -> list[Reading]:
    """The readings weighted to sum to `total`, the unanswerable ones to `no_answer_share`
    of it (None: as many as they are)."""
    if not readings:
        return []
    impossible = sum(r.impossible for r in readings)
    if no_answer_share is None or impossible in (0, len(readings)):
        each = {True: total / len(readings), False: total / len(readings)}
    else:
        each = {True: no_answer_share * total / impossible,
                False: (1 - no_answer_share) * total / (len(readings) - impossible)}
    return [replace(r, weight=each[r.impossible]) for r in readings]


def best_margin(readings: Sequence[Reading], no_answer_share: float | None = None) -> tuple[float, float]:
    """(threshold, exact match): answering only above the threshold; no answer is right
    exactly for the unanswerable questions. Each reading counts its weight; no_answer_share:
    first reweigh them as if this share of them were unanswerable."""
    if no_answer_share is not None:
        readings = weighted(readings, len(readings), no_answer_share)
    total = sum(r.weight for r in readings)
    ordered = sorted(readings, key=lambda r: -r.margin)
    correct = sum(r.weight for r in readings if r.impossible)  # everything left unanswered
    best = (ordered[0].margin + 1.0 if ordered else 0.0, correct)
    for i, r in enumerate(ordered):
        correct += r.weight * (r.exact - float(r.impossible))
        next_margin = ordered[i + 1].margin if i + 1 < len(ordered) else r.margin - 1.0
        if correct > best[1] and next_margin < r.margin:
            best = ((r.margin + next_margin) / 2, correct)
    return best[0], best[1] / total if total else 0.0


def fit_logistic(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None,
                 iterations: int = 50) -> tuple[float, float]:
    """(scale, bias) of P(y=1) = sigmoid(scale * x + bias), by weighted Newton's method
    with a little ridge so that a separable sample still gives finite values.
    weights: how much each sample counts (None: equally; they are scaled to average 1)."""
    w = np.zeros(2)
    features = np.stack([x, np.ones_like(x)], axis=1)
    counts = np.ones_like(x) if weights is None else weights * (len(x) / max(float(np.sum(weights)), 1e-12))
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-features @ w))
        gradient = features.T @ (counts * (p - y)) + 1e-3 * w
        hessian = (features * (counts * p * (1 - p))[:, None]).T @ features + 1e-3 * np.eye(2)
        w -= np.linalg.solve(hessian, gradient)
    return float(w[0]), float(w[1])


def read_through_retrieval(reader: SpanReader, questions: Sequence[Question],
                           retrieve: Callable[[str, int], list[Passage]], passages: int) -> list[Reading]:
    """Each question read against the `passages` best passages retrieval finds for it."""
    return [best_reading(reader, q.question, retrieve(q.question, passages), q.answers, not q.answerable)
            for q in questions]


def news_readings(reader: SpanReader, questions_file: Path, corpus: Path, passages: int) -> list[Reading]:
    """The question set read as the app reads it: the corpus indexed into its own cache
    (as `qa eval --corpus` does), then hybrid retrieval of the top passages."""
    from eval.runner import corpus_index_dir
    from index.indexer import index_paths
    from index.opener import embedder_for_writing
    from qa.config import Config
    from qa.pipeline import QAPipeline

    questions = load_questions(questions_file)
    config = Config()
    config = config.with_overrides(index_dir=corpus_index_dir(corpus, config))
    # one embedder for indexing and for the questions
    embedder = embedder_for_writing(config.index_spec)
    index_paths(config.index_spec, [corpus], embedder=embedder)
    pipeline = QAPipeline.open(config, embedder=embedder, reader=reader)
    return read_through_retrieval(reader, questions, pipeline.search, passages)


def calibrate(reader_folder: Path, data: Path, passages: int = 5, limit: int | None = None,
              quantize: str | None = None, no_answer_share: float | None = None,
              news: tuple[Path, Path] | None = None, news_weight: float = 0.5,
              margin_with_news: bool = False) -> dict:
    """news: (question file, articles folder) of a news set kept for calibration;
    news_weight: its share of the weight in the score fit (the SQuAD questions have the rest);
    margin_with_news: the margin is chosen on both too, with the same weights."""
    meta_path = Path(reader_folder) / READER_META
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    trained = meta.get("training", {}).get("settings", {})  # read in windows like those it was trained on
    window = ReaderSettings(max_length=trained.get("max_length", 160), stride=trained.get("stride", 64),
                            quantize=quantize)
    reader = reader_for_folder(str(reader_folder), window)  # as the app runs it
    questions = select_split(read_squad(Path(data) / DEV2_FILE), "calibration")
    if limit:
        questions = random.Random(0).sample(questions, min(limit, len(questions)))
    squad = weighted(read_with_neighbours(reader, questions, passages), 1.0 - (news_weight if news else 0.0),
                     no_answer_share)
    on_news = weighted(news_readings(reader, news[0], news[1], passages), news_weight) if news else []
    threshold, _ = best_margin(squad + on_news if margin_with_news else squad)
    exact = exact_match_at(squad, threshold)
    answered = [r for r in squad + on_news if r.margin > threshold]
    scale, bias = fit_logistic(np.array([r.margin for r in answered]), np.array([r.exact for r in answered]),
                               np.array([r.weight for r in answered]))
    settings = replace(window, null_margin=round(threshold, 4), score_scale=round(scale, 4),
                       score_bias=round(bias, 4), threshold=0.0)
    record = {"split": "calibration", "questions": len(squad), "passages_per_question": passages,
              "no_answer_share": no_answer_share, "margin_with_news": margin_with_news,
              "reader": type(reader).__name__,
              "exact_match_at_threshold": round(exact, 4), "answered": sum(r.margin > threshold for r in squad)}
    if news:
        record["news"] = {"questions_file": str(news[0]), "corpus": str(news[1]), "questions": len(on_news),
                          "score_fit_weight": news_weight,
                          "exact_match_at_threshold": round(exact_match_at(on_news, threshold), 4),
                          "answered": sum(r.margin > threshold for r in on_news),
                          "best_threshold_for_these_alone": [round(v, 4) for v in best_margin(on_news)]}
    meta["inference"] = asdict(settings)
    meta["calibration"] = record
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return {"inference": asdict(settings), "calibration": record}


def exact_match_at(readings: Sequence[Reading], threshold: float) -> float:
    """Weighted exact match when answering only above `threshold`."""
    total = sum(r.weight for r in readings)
    right = sum(r.weight * (r.exact if r.margin > threshold else float(r.impossible)) for r in readings)
    return right / total if total else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.calibrate_reader", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help=f"folder with {DEV2_FILE}")
    parser.add_argument("--reader", type=Path, required=True, help="reader folder to calibrate (reader.json is updated)")
    parser.add_argument("--passages", type=int, default=5, help="paragraphs read per question (default: 5)")
    parser.add_argument("--limit", type=int, help="only this many calibration questions")
    parser.add_argument("--quantize", choices=("int8",), help="calibrate, and run, the reader with int8 weights")
    parser.add_argument("--no-answer-share", type=float,
                        help="choose the margin as if this share of questions had no answer (SQuAD 2.0 "
                             "dev has about half; default: the data's own share)")
    parser.add_argument("--questions", type=Path,
                        help="a question file on news articles kept for calibration (with --corpus)")
    parser.add_argument("--corpus", type=Path, help="the folder of articles those questions are about")
    parser.add_argument("--news-weight", type=float, default=0.5,
                        help="share of the score fit the news questions carry (default: 0.5)")
    parser.add_argument("--margin-with-news", action="store_true",
                        help="choose the no-answer margin on the news questions too, weighted as in the score fit")
    args = parser.parse_args(argv)
    if args.no_answer_share is not None and not 0 < args.no_answer_share < 1:
        parser.error("--no-answer-share must be between 0 and 1")
    if (args.questions is None) != (args.corpus is None):
        parser.error("--questions and --corpus go together")
    if args.questions is not None:
        if not args.questions.is_file():
            parser.error(f"no such question file: {args.questions}")
        if not args.corpus.is_dir():
            parser.error(f"no such folder of articles: {args.corpus}")
    news = (args.questions, args.corpus) if args.questions is not None else None
    if not 0 < args.news_weight < 1:
        parser.error("--news-weight must be between 0 and 1")
    if args.margin_with_news and news is None:
        parser.error("--margin-with-news needs --questions and --corpus")
    print(json.dumps(calibrate(args.reader, args.data, args.passages, args.limit, args.quantize,
                               args.no_answer_share, news, args.news_weight, args.margin_with_news), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
