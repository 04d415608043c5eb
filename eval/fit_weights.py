"""Fit the offline reader's weights to the question sets, and test the fit on a set it did not see.

    python -m eval.fit_weights

Every candidate the reader scores has a feature vector (offline.FEATURES); its score is the
logistic of the weights times those features. This refits the weights by maximum likelihood:
per question, the right candidate (or no answer, for an unanswerable question) against all
the others, with "no answer" at the reader's threshold, and an L2 pull towards the current
weights. Each set is then read with weights fitted on the other sets only, so the figures say
whether fitted weights would beat the current ones on text they were not fitted to.
It writes nothing; adopt fitted weights by hand, in ReaderWeights, only where they do.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from qa.config import REPO_ROOT, Config
from qa.readers.offline import FEATURES, OfflineReader, ReaderWeights

from .metrics import answer_scores
from .questions import Question, load_questions


@dataclass(frozen=True)
class ScoredQuestion:
    """A question's candidates: features (one row each, bias column last) and which are right."""

    features: np.ndarray
    right: np.ndarray
    answerable: bool


def question_sets(root: Path = REPO_ROOT) -> dict[str, tuple[Path, Path | None]]:
    """Name → (questions file, articles folder; None for the bundled articles)."""
    sets: dict[str, tuple[Path, Path | None]] = {"bundled": (root / "eval" / "questions.jsonl", None)}
    for questions in sorted((root / "eval" / "corpora").glob("*/questions.jsonl")):
        sets[questions.parent.name] = (questions, questions.parent / "articles")
    return sets


def collect(pipeline, reader: OfflineReader, questions: Sequence[Question]) -> list[ScoredQuestion]:
    """The reader's candidates for each question, from the pipeline's retrieved passages."""
    scored = []
    for question in questions:
        passages = pipeline.retriever.retrieve(question.question, pipeline.config.top_k)
        rows, right = [], []
        for answer, features in reader.scored_candidates(question.question, passages):
            rows.append(np.append(features, 1.0))
            right.append(question.answerable and answer_scores(answer.text, question.answers)[0] == 1.0)
        scored.append(ScoredQuestion(np.array(rows).reshape(-1, len(FEATURES) + 1),
                                     np.array(right, dtype=bool), question.answerable))
    return scored


def _loss(weights: np.ndarray, questions: Sequence[ScoredQuestion], prior: np.ndarray, strength: float,
          null: float) -> tuple[float, np.ndarray]:
    loss, gradient = 0.0, np.zeros_like(weights)
    for q in questions:
        if q.answerable and not q.right.any():
            continue  # no candidate could be right: nothing to learn from it
        z = q.features @ weights
        top = max(null, z.max(initial=null))
        e, e_null = np.exp(z - top), math.exp(null - top)
        p = e / (e_null + e.sum())
        if q.answerable:
            p_right = p[q.right].sum()
            loss -= math.log(p_right)
            gradient -= p[q.right] @ q.features[q.right] / p_right - p @ q.features
        else:
            loss -= math.log(e_null / (e_null + e.sum()))
            gradient += p @ q.features
    pull = weights - prior
    return loss + strength * pull @ pull, gradient + 2 * strength * pull


def fit(questions: Sequence[ScoredQuestion], prior: np.ndarray, strength: float = 1.0,
        threshold: float = 0.5) -> np.ndarray:
    """Weights (bias last) that make the right candidates most likely, pulled towards `prior`."""
    from scipy.optimize import minimize

    null = math.log(threshold / (1 - threshold))
    result = minimize(_loss, prior.copy(), args=(questions, prior, strength, null), jac=True, method="L-BFGS-B")
    return result.x


def right_answers(weights: np.ndarray, questions: Sequence[ScoredQuestion], threshold: float = 0.5) -> int:
    """Questions answered right with these weights: the best candidate when it clears the
    threshold and is right, or no candidate clearing it for an unanswerable question."""
    null = math.log(threshold / (1 - threshold))
    right = 0
    for q in questions:
        z = q.features @ weights
        answered = len(z) > 0 and z.max() >= null
        right += bool(q.right[z.argmax()]) if answered else not q.answerable
    return right


def current_weights() -> np.ndarray:
    weights = ReaderWeights()
    return np.append(weights.vector(), weights.bias)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.fit_weights", description=__doc__.split("\n\n")[0])
    parser.add_argument("--strength", type=float, default=1.0, help="L2 pull towards the current weights")
    parser.add_argument("--sets", nargs="+", metavar="NAME",
                        help="question sets to use (default: all; 'bundled' and the folders of eval/corpora)")
    args = parser.parse_args(argv)
    sets = question_sets()
    unknown = sorted(set(args.sets or ()) - set(sets))
    if unknown or (args.sets is not None and len(args.sets) < 2):
        parser.error(f"unknown question sets: {', '.join(unknown)} (known: {', '.join(sets)})" if unknown
                     else "at least two sets are needed: each is tested on weights fitted to the others")

    from index.embedder import SentenceTransformerEmbedder
    from qa.cli import _quiet_libraries
    from qa.pipeline import QAPipeline, index_paths

    from .runner import corpus_index_dir

    _quiet_libraries()
    embedder = SentenceTransformerEmbedder()
    reader = OfflineReader(embedder)
    scored = {}
    for name in args.sets or sets:
        questions, articles = sets[name]
        config = Config(reader="offline")
        if articles is not None:
            config = config.with_overrides(index_dir=corpus_index_dir(articles, config))
            index_paths(config, [articles], embedder=embedder)
        pipeline = QAPipeline.open(config, embedder=embedder, reader=reader)
        scored[name] = collect(pipeline, reader, load_questions(questions))

    prior = current_weights()
    totals = [0, 0, 0]
    print(f"{'held-out set':14} {'questions':>9} {'current':>8} {'fitted':>7}")
    for held_out, questions in scored.items():
        training = [q for name, qs in scored.items() if name != held_out for q in qs]
        fitted = fit(training, prior, args.strength, reader.threshold)
        counts = (len(questions), right_answers(prior, questions, reader.threshold),
                  right_answers(fitted, questions, reader.threshold))
        totals = [t + c for t, c in zip(totals, counts)]
        print(f"{held_out:14} {counts[0]:9d} {counts[1]:8d} {counts[2]:7d}")
    print(f"{'all':14} {totals[0]:9d} {totals[1]:8d} {totals[2]:7d}")
    fitted = fit([q for qs in scored.values() for q in qs], prior, args.strength, reader.threshold)
    print("weights fitted on all sets:")
    for name, current, new in zip(list(FEATURES) + ["bias"], prior, fitted):
        print(f"  {name:16} {current:7.2f} -> {new:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
