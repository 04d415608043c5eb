"""How many passages to read, and whether agreement between passages should rank answers:
python benchmarks/evidence.py [--sets bundled town ...] [--depths 5 8 10] [--json]

For each question set, every question's passages are retrieved once (hybrid, 10 deep) and read
at each depth; the readings are combined into answers (qa/evidence.py) and ranked two ways:
"best" by the best reading's calibrated score (what ships), and "agreement" by
1 - prod(1 - score) over the readings of distinct passages (a noisy-or: an answer read in
three passages outranks one read once a little better). Prints exact match, no-answer
accuracy, precision of answers scored >= 0.8, recall of the gold passage within the depth,
and the read time p50 per question."""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.typos import SETS, question_set  # noqa: E402
from eval.metrics import CONFIDENT_SCORE, answer_scores, mean, passage_matches, percentile  # noqa: E402
from eval.questions import Question, load_questions  # noqa: E402
from eval.runner import corpus_index_dir  # noqa: E402
from eval.squad import SPLITS, read_squad, select_split  # noqa: E402
from index.documents import Document  # noqa: E402
from index.indexer import index_documents, index_paths
from qa.config import Config, quiet_libraries  # noqa: E402
from qa.evidence import combine_evidence  # noqa: E402
from qa.pipeline import READINGS_PER_ANSWER, QAPipeline  # noqa: E402
from qa.spelling import Corrected  # noqa: E402

RANKINGS = ("best", "agreement")


def agreement(answer) -> float:
    by_passage = {}
    for reading in answer.readings:
        key = (reading.doc_id, reading.passage.chunk.start if reading.passage else reading.start)
        by_passage[key] = max(by_passage.get(key, 0.0), reading.score)
    return 1.0 - math.prod(1.0 - s for s in by_passage.values())


def set_pipeline(name: str) -> tuple[QAPipeline, list[Question]]:
    questions_path, corpus = question_set(name)
    config = Config(index_dir=corpus_index_dir(corpus, Config()))
    index_paths(config.index_spec, [corpus])
    return QAPipeline.open(config), load_questions(questions_path)


def squad_pipeline(path: Path, split: str, folder: Path, limit: int | None = None) -> tuple[QAPipeline, list[Question]]:
    """Each paragraph of the SQuAD file's `split` articles an article of its own, and each of
    their questions (the first `limit` of a fixed shuffle) a question of the set (unanswerable
    ones with no answer)."""
    squad = select_split(read_squad(path), split)
    ids = {key: f"p{n:04d}" for n, key in enumerate(dict.fromkeys((q.title, q.paragraph) for q in squad))}
    documents = {ids[q.title, q.paragraph]: Document(ids[q.title, q.paragraph], f"{q.title} ({q.paragraph})",
                                                     q.context, "squad") for q in squad}
    config = Config(index_dir=folder)
    index_documents(config.index_spec, list(documents.values()))
    asked = random.Random(0).sample(squad, min(limit, len(squad))) if limit else squad
    questions = [Question(q.id, q.question, tuple(dict.fromkeys(a for a, _ in q.answers)),
                          ids[q.title, q.paragraph] if q.answers else None) for q in asked]
    return QAPipeline.open(config), questions


def measure(pipeline: QAPipeline, questions: list[Question], depths: list[int], correct: bool = True) -> dict:
    pipeline.warm_up()
    rows = {(depth, ranking): [] for depth in depths for ranking in RANKINGS}
    read_ms = {depth: [] for depth in depths}
    corrected = 0
    for question in questions:
        asked = question.question
        fixed = pipeline.speller.correct(asked, pipeline.store.documents) if correct else Corrected(asked)
        corrected += fixed.changed
        passages = pipeline.retriever.retrieve(fixed.text, max(depths), question.filters)
        for depth in depths:
            started = time.perf_counter()
            readings = pipeline.reader.read(fixed.text, passages[:depth], 3 * READINGS_PER_ANSWER)
            read_ms[depth].append((time.perf_counter() - started) * 1000)
            answers = combine_evidence(readings, limit=len(readings) or 1)
            found = any(passage_matches(p.chunk.text, p.doc_id, question.answers, question.doc)
                        for p in passages[:depth]) if question.answerable else None
            for ranking in RANKINGS:
                ranked = answers if ranking == "best" else sorted(answers, key=agreement, reverse=True)
                best = ranked[0] if ranked else None
                em, _ = answer_scores(best.text if best else None, question.answers)
                rows[depth, ranking].append({"em": em, "answerable": question.answerable, "found": found,
                                             "declined": best is None,
                                             "confident": best is not None and best.score >= CONFIDENT_SCORE})
    result = {}
    for (depth, ranking), scored in rows.items():
        unanswerable = [r for r in scored if not r["answerable"]]
        confident = [r for r in scored if r["confident"]]
        result[f"{depth}/{ranking}"] = {
            "exact_match": mean([r["em"] for r in scored]),
            "no_answer_accuracy": mean([float(r["declined"]) for r in unanswerable]),
            "precision_at_0_8": mean([r["em"] for r in confident]), "answers_at_0_8": len(confident),
            "recall": mean([float(r["found"]) for r in scored if r["answerable"]]),
            "read_ms_p50": percentile(read_ms[depth], 50)}
    result["corrected_questions"] = corrected
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=SETS, choices=SETS)
    parser.add_argument("--depths", nargs="+", type=int, default=[5, 8, 10])
    parser.add_argument("--squad", type=Path, metavar="FILE",
                        help="instead of the sets: each paragraph of this SQuAD file's --split articles an article, "
                             "and their questions the questions (e.g. ../shared/squad/dev-v2.0-a.json.gz)")
    parser.add_argument("--split", default="heldout", choices=SPLITS)
    parser.add_argument("--limit", type=int, metavar="N", help="with --squad: N questions of a fixed shuffle")
    parser.add_argument("--no-correct", dest="correct", action="store_false",
                        help="ask the questions as written (no spelling correction)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    quiet_libraries()
    if args.squad:
        with tempfile.TemporaryDirectory() as tmp:
            results = {f"squad {args.split}": measure(*squad_pipeline(args.squad, args.split, Path(tmp), args.limit),
                                                         args.depths, args.correct)}
    else:
        results = {name: measure(*set_pipeline(name), args.depths, args.correct) for name in args.sets}
    if args.json:
        print(json.dumps(results))
        return 0
    variants = [v for v in next(iter(results.values())) if v != "corrected_questions"]
    print("| set | " + " | ".join(f"EM {v}" for v in variants) + " |")
    print("| --- |" + " --- |" * len(variants))
    for name, row in results.items():
        print(f"| {name} | " + " | ".join(f"{row[v]['exact_match']:.3f}" for v in variants) + " |")
    print()
    print("| variant | mean EM | mean no-answer acc. | mean precision at 0.8 | mean recall | read ms p50 (mean) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for v in variants:
        rows = [results[name][v] for name in results]
        print(f"| {v} | {mean([r['exact_match'] for r in rows]):.3f} | {mean([r['no_answer_accuracy'] for r in rows]):.3f} | "
              f"{mean([r['precision_at_0_8'] for r in rows]):.3f} | {mean([r['recall'] for r in rows]):.3f} | "
              f"{mean([r['read_ms_p50'] for r in rows]):.1f} |")
    print("\nquestions changed by the spelling corrector: " +
          ", ".join(f"{name} {row['corrected_questions']}" for name, row in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
