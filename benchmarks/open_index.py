"""What opening an index costs in checksum work: python benchmarks/open_index.py [--chunks 1000000]

Writes one generation the size of a CHUNKS-passage index (the vectors as float32, a FAISS
file the size of the inverted file over 8-bit vectors that "auto" builds there, a manifest)
into a temporary folder, then times the check opening makes (verify_generation) against the
full check of `qa verify`, alternately, in the same run. The JSON text files of a real index
are left out: both checks hash them alike when they are written (see index/storage.py)."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.storage import current_generation, new_generation, verify_generation, writer_lock  # noqa: E402

DIMENSION = 384


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with writer_lock(root), new_generation(root) as folder:
            vectors = np.random.default_rng(0).standard_normal((args.chunks, DIMENSION), dtype=np.float32)
            np.save(folder / "vectors.npy", vectors)
            (folder / "dense.faiss").write_bytes(bytes(args.chunks * DIMENSION))
            (folder / "manifest.json").write_text("{}")
        folder = current_generation(root)
        times: dict[bool, list[float]] = {True: [], False: []}
        hashed = {}
        for _ in range(args.rounds):
            for full in (True, False):
                started = time.perf_counter()
                hashed[full] = verify_generation(root, folder, full=full)
                times[full].append(time.perf_counter() - started)
        for full, label in ((True, "qa verify (every byte)"), (False, "opening")):
            print(f"{label:>24}: {min(times[full]) * 1000:8.1f} ms, {hashed[full] / 1e6:8,.0f} MB hashed")


if __name__ == "__main__":
    main()
