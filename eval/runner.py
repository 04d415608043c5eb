"""Run a question set through the pipeline and score it."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from qa.config import REPO_ROOT, Config
from qa.pipeline import QAPipeline
from qa.readers.answer_types import detect_answer_type

from .metrics import (
    answer_scores, first_relevant_rank, mean, passage_matches, percentile, recall_at, reciprocal_rank,
)
from .questions import Question

CORPUS_CACHE = REPO_ROOT / ".qa-cache" / "corpora"
RANK_DEPTH = 10


def corpus_index_dir(corpus: Path, config: Config) -> Path:
    """A cache folder of its own for an evaluation corpus (never the default index)."""
    key = f"{Path(corpus).resolve()}|{config.embedder}|{config.chunk_tokens}|{config.chunk_overlap}|{config.faiss_factory}"
    return CORPUS_CACHE / hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class EvalRun:
    metrics: dict
    rows: list[dict]

    @property
    def by_answer_type(self) -> dict[str, dict]:
        """exact_match, f1 and n for each answer type the questions ask for."""
        groups: dict[str, list[dict]] = {}
        for row in self.rows:
            groups.setdefault(row["answer_type"] if row["answerable"] else "unanswerable", []).append(row)
        return {
            kind: {"n": len(rows), "exact_match": mean([r["exact_match"] for r in rows]),
                   "f1": mean([r["f1"] for r in rows])}
            for kind, rows in sorted(groups.items())
        }


def evaluate(pipeline: QAPipeline, questions: Sequence[Question],
             progress: Callable[[int, int], None] | None = None) -> EvalRun:
    rows = []
    for number, question in enumerate(questions, start=1):
        rows.append(_evaluate_one(pipeline, question))
        if progress:
            progress(number, len(questions))
    return EvalRun(summarize(rows), rows)


def _evaluate_one(pipeline: QAPipeline, question: Question) -> dict:
    result = pipeline.ask(question.question, rank_depth=RANK_DEPTH)
    best = result.answers[0] if result.answers else None
    em, f1 = answer_scores(best.text if best else None, question.answers)
    rank = None
    if question.answerable:
        rank = first_relevant_rank([
            passage_matches(p.chunk.text, p.doc_id, question.answers, question.doc) for p in result.passages
        ])
    return {
        "id": question.id,
        "question": question.question,
        "gold": list(question.answers),
        "gold_doc": question.doc,
        "answer_type": detect_answer_type(question.question).primary,
        "prediction": best.text if best else None,
        "score": best.score if best else None,
        "doc_id": best.doc_id if best else None,
        "start": best.start if best else None,
        "end": best.end if best else None,
        "exact_match": em,
        "f1": f1,
        "gold_rank": rank,
        "answerable": question.answerable,
        "timings_ms": dict(result.timings_ms),
    }


def summarize(rows: Sequence[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    latencies = [r["timings_ms"]["total"] for r in rows]
    return {
        "exact_match": mean([r["exact_match"] for r in rows]),
        "f1": mean([r["f1"] for r in rows]),
        "recall_at_1": mean([recall_at(r["gold_rank"], 1) for r in answerable]),
        "recall_at_5": mean([recall_at(r["gold_rank"], 5) for r in answerable]),
        "mrr": mean([reciprocal_rank(r["gold_rank"]) for r in answerable]),
        "no_answer_accuracy": mean([float(r["prediction"] is None) for r in unanswerable]),
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
        "n": len(rows),
    }
