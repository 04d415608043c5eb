"""Spelling tolerance: python benchmarks/typos.py [--sets bundled town ...] [--seed 0] [--json]

For each question set (the bundled one and eval/corpora/*), a misspelt copy is made with
eval/typos.py (fixed seed: one or two typing errors in content words of each question), and
both copies are asked with spelling correction off and on. Prints exact match and F1 of each,
how many correctly spelt questions the corrector changed, and how many of their answers changed,
with the corrector's own time per question (p50, p95)."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.metrics import percentile  # noqa: E402
from eval.questions import load_questions  # noqa: E402
from eval.runner import corpus_index_dir, evaluate  # noqa: E402
from eval.typos import write_typo_copy  # noqa: E402
from index.indexer import index_paths
from qa.config import BUNDLED_ARTICLES, REPO_ROOT, Config, quiet_libraries  # noqa: E402
from qa.pipeline import QAPipeline  # noqa: E402

SETS = ["bundled", "general", "town", "events", "final", "holdout", "blind", "fresh", "sealed", "dated"]


def question_set(name: str) -> tuple[Path, Path]:
    if name == "bundled":
        return REPO_ROOT / "eval" / "questions.jsonl", BUNDLED_ARTICLES
    folder = REPO_ROOT / "eval" / "corpora" / name
    return folder / "questions.jsonl", folder / "articles"


def measure(name: str, seed: int, tmp: Path) -> dict:
    questions_path, corpus = question_set(name)
    config = Config(index_dir=corpus_index_dir(corpus, Config()))
    index_paths(config.index_spec, [corpus])
    pipeline = QAPipeline.open(config)
    pipeline.warm_up()
    typo_path = tmp / f"{name}.jsonl"
    misspelt = write_typo_copy(questions_path, typo_path, seed)
    runs = {}
    for copy, path in (("clean", questions_path), ("typos", typo_path)):
        questions = load_questions(path)
        for correct in (False, True):
            runs[copy, correct] = evaluate(pipeline.with_settings(correct_spelling=correct), questions)
    clean_off, clean_on = runs["clean", False].rows, runs["clean", True].rows
    row = {"questions": len(clean_off), "misspelt": misspelt,
           "clean_changed": sum(r["corrected_question"] is not None for r in clean_on),
           "clean_answers_changed": sum(a["prediction"] != b["prediction"] for a, b in zip(clean_off, clean_on)),
           "typos_corrected": sum(r["corrected_question"] is not None for r in runs["typos", True].rows),
           "correct_ms_p50": percentile([r["timings_ms"]["correct"] for r in runs["typos", True].rows], 50),
           "correct_ms_p95": percentile([r["timings_ms"]["correct"] for r in runs["typos", True].rows], 95)}
    for (copy, correct), run in runs.items():
        key = f"{copy}_{'corrected' if correct else 'as_typed'}"
        row[key] = {"exact_match": run.metrics["exact_match"], "f1": run.metrics["f1"],
                    "no_answer_accuracy": run.metrics["no_answer_accuracy"], "recall_at_5": run.metrics["recall_at_5"]}
    row["changed_questions"] = [{"question": r["question"], "corrected": r["corrected_question"]}
                                for r in clean_on if r["corrected_question"] is not None]
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=SETS, choices=SETS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    quiet_libraries()
    with tempfile.TemporaryDirectory() as tmp:
        results = {name: measure(name, args.seed, Path(tmp)) for name in args.sets}
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0
    print("| set | questions | EM clean | EM clean, corrected | EM typos | EM typos, corrected | "
          "clean questions changed | clean answers changed | corrector ms p50 / p95 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, row in results.items():
        em = {key: row[key]["exact_match"] for key in ("clean_as_typed", "clean_corrected", "typos_as_typed",
                                                        "typos_corrected")}
        print(f"| {name} | {row['questions']} | {em['clean_as_typed']:.3f} | {em['clean_corrected']:.3f} | "
              f"{em['typos_as_typed']:.3f} | {em['typos_corrected']:.3f} | {row['clean_changed']} | "
              f"{row['clean_answers_changed']} | {row['correct_ms_p50']:.2f} / {row['correct_ms_p95']:.2f} |")
    for name, row in results.items():
        for changed in row["changed_questions"]:
            print(f"{name}: {changed['question']!r} -> {changed['corrected']!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
