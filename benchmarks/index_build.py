"""Index-build benchmark: python benchmarks/index_build.py [--copies N]

Builds an index of the bundled articles (and of N renamed copies of them, to see how it
scales), then re-indexes with nothing changed and with one article changed. Prints one
table; every figure is wall-clock seconds on this machine, model loading excluded except
in the first row."""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.embedder import SentenceTransformerEmbedder  # noqa: E402
from index.indexer import Indexer  # noqa: E402
from index.loaders import load_documents  # noqa: E402
from qa.cli import _quiet_libraries  # noqa: E402
from qa.config import BUNDLED_ARTICLES  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=20, help="renamed copies of the bundled articles for the scaling row")
    args = parser.parse_args()
    _quiet_libraries()
    rows = []
    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    embedder.warm_up()
    rows.append(("load the embedder", time.perf_counter() - started, ""))

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        articles = tmp / "articles"
        shutil.copytree(BUNDLED_ARTICLES, articles)
        rows += _measure(embedder, articles, tmp / "index", "bundled (5 articles)")
        big = tmp / "big"
        big.mkdir()
        for copy in range(args.copies):
            for path in BUNDLED_ARTICLES.iterdir():
                (big / f"{path.stem}-{copy}{path.suffix}").write_bytes(path.read_bytes())
        rows += _measure(embedder, big, tmp / "big-index", f"{args.copies} copies ({5 * args.copies} articles)")

    print(f"{'step':<56} {'seconds':>8}  notes")
    for step, seconds, note in rows:
        print(f"{step:<56} {seconds:>8.2f}  {note}")
    return 0


def _measure(embedder, folder: Path, root: Path, label: str):
    indexer = Indexer(embedder)
    rows = []
    t = time.perf_counter()
    _, report = indexer.update(root, load_documents([folder], warn=lambda _: None))
    rows.append((f"{label}: first build", time.perf_counter() - t, f"{report.total_chunks} chunks"))
    t = time.perf_counter()
    _, report = indexer.update(root, load_documents([folder], warn=lambda _: None))
    rows.append((f"{label}: re-index, nothing changed", time.perf_counter() - t, f"{report.embedded_chunks} embedded"))
    victim = sorted(folder.iterdir())[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\nOne more sentence was added.", encoding="utf-8")
    t = time.perf_counter()
    _, report = indexer.update(root, load_documents([folder], warn=lambda _: None))
    rows.append((f"{label}: re-index, one article changed", time.perf_counter() - t,
                 f"{report.embedded_chunks} embedded"))
    return rows


if __name__ == "__main__":
    sys.exit(main())
