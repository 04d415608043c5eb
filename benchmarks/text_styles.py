"""How the reader's answer/no-answer decision moves with the style of the text:
python benchmarks/text_styles.py [--questions 300] [--reader models/reader]

Each answerable SQuAD 1.1 dev question (a fixed sample of dev-v1.1-a) is read against its own
paragraph as written, and again with the paragraph (and question) rewritten the way informal
text differs from Wikipedia: without punctuation, in lower case, with sentences run together
by "and", and in short lines. The answer is kept only where the rewrite leaves it intact. For
each style: how many questions get an answer, exact match, and the median margin of the best
span over "no answer" (what the decision thresholds). First written for issue 24: why are
answerable questions on informal text declined?"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.metrics import answer_scores  # noqa: E402
from eval.squad import read_squad  # noqa: E402
from index.documents import Chunk  # noqa: E402
from qa.results import Passage  # noqa: E402

SQUAD = Path(__file__).resolve().parents[2] / "shared" / "squad" / "dev-v1.1-a.json.gz"


def no_punctuation(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[.,;:!?\"“”()]", " ", text)).strip()


STYLES = {
    "as written": lambda text: text,
    "lower case": str.lower,
    "no punctuation": no_punctuation,
    "run-on (and)": lambda text: re.sub(r"(?<=[a-z0-9])\. (?=[A-Z])", " and ", text),
    "informal (all three)": lambda text: no_punctuation(re.sub(r"(?<=[a-z0-9])\. (?=[A-Z])", " and ", text)).lower(),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--reader", default=str(Path(__file__).resolve().parent.parent / "models" / "reader"))
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from qa.readers.onnx_reader import OnnxReader

    reader = OnnxReader(args.reader)
    reader.warm_up()
    questions = random.Random(0).sample(read_squad(args.squad), args.questions)
    results = {}
    for style, rewrite in STYLES.items():
        answered, exact, margins, kept = 0, [], [], 0
        for q in questions:
            context, answers = rewrite(q.context), [rewrite(text) for text, _ in q.answers]
            answers = [a for a in answers if a and a in context]
            if not answers:
                continue  # the rewrite broke the answer's text
            kept += 1
            passage = Passage(Chunk(q.title, 0, len(context), context), q.title, 1.0, 1)
            question = rewrite(q.question)
            spans = reader.spans(question, [passage], top_n=1)
            if spans:
                margins.append(max(s.margin for s in spans))
            found = reader.read(question, [passage], 1)
            answered += bool(found)
            exact.append(answer_scores(found[0].text if found else None, answers)[0])
        results[style] = {"questions": kept, "answered": round(answered / kept, 3), "exact_match": round(
            sum(exact) / kept, 3), "median_margin": round(statistics.median(margins), 2)}
    results["null_margin"] = reader.settings.null_margin
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{args.questions} answerable SQuAD 1.1 dev questions, each against its own paragraph; "
          f"an answer needs a margin over {reader.settings.null_margin}")
    for style, row in results.items():
        if isinstance(row, dict):
            print(f"  {style:<22} answered {row['answered']:.0%}  EM {row['exact_match']:.3f}  "
                  f"median margin {row['median_margin']:>5}  ({row['questions']} questions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
