"""Run a question set through the pipeline and score it."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.stores import scoped_store
from qa.config import Config
from qa.pipeline import QAPipeline

from .answer_types import answer_type
from .metrics import (
    CONFIDENT_SCORE,
    answer_scores,
    first_relevant_rank,
    mean,
    passage_matches,
    percentile,
    recall_at,
    reciprocal_rank,
)
from .questions import Question

RANK_DEPTH = 10


def corpus_index_dir(corpus: Path, config: Config) -> Path:
    """A cache folder of its own for an evaluation corpus (never the default index)."""
    key = f"{Path(corpus).resolve()}|{config.index_spec.build_key}"
    return Path(config.cache_dir) / "corpora" / hashlib.sha256(key.encode()).hexdigest()[:16]


def corpus_config(corpus: Path, config: Config) -> Config:
    """The configuration an evaluation corpus is indexed and read with: a store of its own
    (never the one the app answers from), named after the same key as its folder."""
    folder = corpus_index_dir(corpus, config)
    return config.with_overrides(index_dir=folder, store=scoped_store(config.store, f"eval_{folder.name}"))


@dataclass(frozen=True)
class EvalRun:
    metrics: dict
    rows: list[dict]
    titles: dict[str, str] = field(default_factory=dict)  # the gold articles' titles, by id, for the report

    @property
    def by_answer_type(self) -> dict[str, dict]:
        """Metrics for each kind of gold answer (eval/answer_types.py; "unanswerable" apart)."""
        return _grouped(self.rows, lambda r: r["answer_type"] if r["answerable"] else "unanswerable")

    @property
    def by_article(self) -> dict[str, dict]:
        """Metrics for each gold article ("none" for unanswerable questions)."""
        return _grouped(self.rows, lambda r: r["gold_doc"] or "none")

    def to_json(self) -> dict:
        return {"metrics": self.metrics, "by_answer_type": self.by_answer_type,
                "by_article": self.by_article, "questions": self.rows}


def _grouped(rows: Sequence[dict], key: Callable[[dict], str]) -> dict[str, dict]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return {name: summarize(members) for name, members in sorted(groups.items())}


def evaluate(pipeline: QAPipeline, questions: Sequence[Question],
             progress: Callable[[int, int], None] | None = None) -> EvalRun:
    rows = []
    for number, question in enumerate(questions, start=1):
        rows.append(_evaluate_one(pipeline, question))
        if progress:
            progress(number, len(questions))
    documents = pipeline.store.documents
    titles = {q.doc: documents[q.doc].title for q in questions if q.doc and q.doc in documents}
    return EvalRun(summarize(rows), rows, titles)


def _evaluate_one(pipeline: QAPipeline, question: Question) -> dict:
    result = pipeline.ask(question.question, rank_depth=RANK_DEPTH, filters=question.filters)
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
        "corrected_question": result.corrected_question,
        "gold": list(question.answers),
        "gold_doc": question.doc,
        "answer_type": answer_type(question.answers[0]) if question.answers else None,
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


QUALITY_METRICS = ("exact_match", "f1", "recall_at_1", "recall_at_5", "recall_at_10", "mrr",
                   "no_answer_accuracy", "no_answer_precision")


def is_correct(row: dict) -> bool:
    """Right answer (exact match) or, for an unanswerable question, no answer."""
    return row["exact_match"] == 1.0


def summarize(rows: Sequence[dict]) -> dict:
    """All metrics of a set of evaluated questions; fractions in [0, 1], latencies in ms."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    abstained = [r for r in rows if r["prediction"] is None]
    confident = [r for r in rows if r["score"] is not None and r["score"] >= CONFIDENT_SCORE]
    latencies = {stage: [r["timings_ms"][stage] for r in rows] for stage in ("retrieve", "read", "total")}
    return {
        "exact_match": mean([r["exact_match"] for r in rows]),
        "f1": mean([r["f1"] for r in rows]),
        "recall_at_1": mean([recall_at(r["gold_rank"], 1) for r in answerable]),
        "recall_at_5": mean([recall_at(r["gold_rank"], 5) for r in answerable]),
        "recall_at_10": mean([recall_at(r["gold_rank"], 10) for r in answerable]),
        "mrr": mean([reciprocal_rank(r["gold_rank"]) for r in answerable]),
        "no_answer_accuracy": mean([float(r["prediction"] is None) for r in unanswerable]),
        "no_answer_precision": mean([float(not r["answerable"]) for r in abstained]) if abstained else 1.0,
        "no_answer_recall": mean([float(r["prediction"] is None) for r in unanswerable]),
        "precision_at_score_0_8": mean([float(is_correct(r)) for r in confident]),
        "answers_at_score_0_8": len(confident),
        "latency_ms_p50": percentile(latencies["total"], 50),
        "latency_ms_p95": percentile(latencies["total"], 95),
        "latency_ms_retrieve_p50": percentile(latencies["retrieve"], 50),
        "latency_ms_retrieve_p95": percentile(latencies["retrieve"], 95),
        "latency_ms_read_p50": percentile(latencies["read"], 50),
        "latency_ms_read_p95": percentile(latencies["read"], 95),
        "n": len(rows),
    }
