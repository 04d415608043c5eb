"""Ask-latency benchmark: python benchmarks/ask_latency.py [--reader auto] [--rounds 3]

Asks every answerable and unanswerable question of eval/questions.jsonl against the
bundled articles (default settings: hybrid retrieval, top 5 passages), `rounds` times,
after one warm-up question, and prints p50 / p95 of retrieval, reading and the whole ask
in milliseconds, with the machine it ran on. Model loading is excluded."""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.metrics import percentile  # noqa: E402
from eval.questions import load_questions  # noqa: E402
from index.indexer import index_paths
from qa.config import BUNDLED_ARTICLES, REPO_ROOT, Config, quiet_libraries  # noqa: E402
from qa.pipeline import QAPipeline  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", default="auto", help="auto (default: the shipped reader), or a QA model folder")
    parser.add_argument("--rounds", type=int, default=3, help="times each question is asked (default: 3)")
    parser.add_argument("--busy", action="store_true",
                        help="ask every question again beside one busy process (a CPU-bound loop), and report "
                             "the read p50 against the quiet one of the same run")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    quiet_libraries()
    questions = [q.question for q in load_questions(REPO_ROOT / "eval" / "questions.jsonl")]
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(index_dir=Path(tmp) / "index", reader=args.reader)
        index_paths(config.index_spec, [BUNDLED_ARTICLES])
        pipeline = QAPipeline.open(config)
        pipeline.warm_up()
        pipeline.ask(questions[0])
        timings = {"retrieve": [], "read": [], "total": []}
        for _ in range(args.rounds):
            for question in questions:
                result = pipeline.ask(question)
                for key in timings:
                    timings[key].append(result.timings_ms[key])
        busy_read = []
        if args.busy:
            spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                time.sleep(1)
                for _ in range(args.rounds):
                    busy_read += [pipeline.ask(question).timings_ms["read"] for question in questions]
            finally:
                spinner.kill()
    summary = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.processor() or platform.system()}",
        "reader": pipeline.reader.name, "questions": len(questions), "rounds": args.rounds,
        **{f"{key}_ms": {"p50": round(percentile(v, 50), 1), "p95": round(percentile(v, 95), 1)}
           for key, v in timings.items()},
    }
    if busy_read:
        summary["read_ms_beside_a_busy_process"] = {"p50": round(percentile(busy_read, 50), 1),
                                                    "p95": round(percentile(busy_read, 95), 1)}
        summary["read_p50_busy_over_quiet"] = round(percentile(busy_read, 50) / percentile(timings["read"], 50), 2)
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{summary['reader']} reader, {len(questions)} questions x {args.rounds} on {summary['machine']}")
        for key in timings:
            print(f"  {key:<9} p50 {summary[key + '_ms']['p50']:>7.1f} ms   p95 {summary[key + '_ms']['p95']:>7.1f} ms")
        if busy_read:
            busy = summary["read_ms_beside_a_busy_process"]
            print(f"  read beside a busy process: p50 {busy['p50']:.1f} ms, p95 {busy['p95']:.1f} ms "
                  f"({summary['read_p50_busy_over_quiet']}x the quiet p50)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
