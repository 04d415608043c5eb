"""Large-file benchmark: python benchmarks/large_file.py [--mb 2 50]

Writes one text file of each size made of the bundled articles' sentences in a seeded
random order, indexes it with `python -m qa index` in a fresh process, and prints the wall
time and the peak resident memory of that process (model loading included)."""
from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.sentences import split_sentences  # noqa: E402
from qa.config import BUNDLED_ARTICLES  # noqa: E402


def synthetic_text(megabytes: float, seed: int = 0) -> str:
    sentences = []
    for path in sorted(BUNDLED_ARTICLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sentences += [text[s:e] for s, e in split_sentences(text)]
    rng = random.Random(seed)
    parts, size = ["A long report"], 0
    while size < megabytes * 1_000_000:
        paragraph = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 8)))
        parts.append(paragraph)
        size += len(paragraph.encode("utf-8")) + 2
    return "\n\n".join(parts)


def measure(path: Path, index_dir: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one indexing process."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qa", "index", str(path), "--index-dir", str(index_dir)],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    return seconds, peak_kb / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[2.0, 50.0], help="file sizes in MB")
    args = parser.parse_args()
    print(f"{'file':>8} {'seconds':>9} {'peak RSS MB':>12}")
    for megabytes in sorted(args.mb):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "large.txt"
            path.write_text(synthetic_text(megabytes), encoding="utf-8")
            seconds, peak = measure(path, Path(tmp) / "index")
            print(f"{megabytes:>6.0f}MB {seconds:>9.1f} {peak:>12.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
