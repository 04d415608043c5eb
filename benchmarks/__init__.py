"""Benchmarks: `python -m benchmarks` measures every figure README reports, in one run."""
