"""Reciprocal rank fusion of several rankings."""
from __future__ import annotations

from collections.abc import Hashable, Sequence

RRF_K = 60


def fuse_rankings(rankings: Sequence[Sequence[Hashable]], k: int = RRF_K) -> list[tuple[Hashable, float]]:
    """Items with their fused score sum(1 / (k + rank)), best first; ties keep first-seen order."""
    scores: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
