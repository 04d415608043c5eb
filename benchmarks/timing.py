"""Timing helpers shared by the benchmark and the peers' script, which runs in another virtual
environment: standard library only."""
from __future__ import annotations

import time


def seconds(function) -> float:
    """Wall-clock seconds of one call."""
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def per_call_ms(function, items) -> list[float]:
    """Milliseconds of `function(item)` for each item, after one warm-up call."""
    function(items[0])
    return [seconds(lambda: function(item)) * 1000 for item in items]
