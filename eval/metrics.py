"""Answer and retrieval metrics. Answer matching follows the SQuAD evaluation script:
lower-case, drop punctuation and the articles a/an/the, collapse whitespace."""
from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

from qa.evidence import SURE_SCORE

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation) | set("“”‘’–—…")


def normalize_answer(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1_score(prediction: str, gold: str) -> float:
    predicted, expected = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = Counter(predicted) & Counter(expected)
    overlap = sum(common.values())
    if not predicted or not expected:
        return float(predicted == expected)
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def answer_scores(prediction: str | None, golds: Sequence[str]) -> tuple[float, float]:
    """(exact match, F1), best over the gold answers. With no golds the question is
    unanswerable: 1 only when there is no prediction."""
    if not golds:
        return (1.0, 1.0) if prediction is None else (0.0, 0.0)
    if prediction is None:
        return 0.0, 0.0
    return max(exact_match(prediction, g) for g in golds), max(f1_score(prediction, g) for g in golds)


def passage_matches(passage_text: str, passage_doc: str, golds: Sequence[str], gold_doc: str | None) -> bool:
    """A passage counts when it is from the gold document and contains a gold answer."""
    if gold_doc is not None and passage_doc != gold_doc:
        return False
    text = normalize_answer(passage_text)
    return any(normalize_answer(g) and f" {normalize_answer(g)} " in f" {text} " for g in golds)


def first_relevant_rank(relevant: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant passage, or None."""
    return next((i for i, hit in enumerate(relevant, start=1) if hit), None)


def recall_at(rank: int | None, k: int) -> float:
    return float(rank is not None and rank <= k)


def reciprocal_rank(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / rank


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# An answer scored this high should be right at least 9 times in 10: the evaluation reports
# how often it is (precision_at_score_0_8) and how many answers scored that high. The page
# and the CLI show answers under it as "not sure".
CONFIDENT_SCORE = SURE_SCORE
