"""Baselines: save a run, compare a later run with it, and decide whether it regressed."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import UserError

from .runner import QUALITY_METRICS, EvalRun, is_correct

DEFAULT_TOLERANCE = 0.02
BASELINE_VERSION = 1


class BaselineError(UserError):
    """The baseline file is missing or unreadable."""


def save_baseline(run: EvalRun, path: Path, settings: dict) -> None:
    """Write the metrics and every per-question result, with the settings that produced them."""
    record = {
        "version": BASELINE_VERSION,
        "settings": settings,
        "metrics": run.metrics,
        "questions": [
            {"id": r["id"], "question": r["question"], "correct": is_correct(r), "exact_match": r["exact_match"],
             "f1": r["f1"], "prediction": r["prediction"], "score": r["score"], "gold_rank": r["gold_rank"],
             **({"corrected_question": r["corrected_question"]} if r.get("corrected_question") else {})}
            for r in run.rows
        ],
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load_baseline(path: Path) -> dict:
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BaselineError(f"no baseline file at {path}; write one with --save-baseline {path}") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise BaselineError(f"cannot read the baseline {path} ({exc})") from exc
    if not isinstance(record, dict) or "metrics" not in record or "questions" not in record:
        raise BaselineError(f"{path} is not a baseline written by --save-baseline")
    return record


@dataclass(frozen=True)
class MetricChange:
    name: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass
class BaselineDiff:
    """How a run differs from its baseline. Quality metrics only: latency depends on the machine."""

    changes: list[MetricChange]
    now_wrong: list[dict] = field(default_factory=list)
    now_right: list[dict] = field(default_factory=list)
    new_questions: list[str] = field(default_factory=list)
    # Questions the spelling corrector now changes and did not before: a question set is
    # spelt as its authors meant it, so a new correction is a regression even when the
    # answer happens to stay right.
    newly_corrected: list[dict] = field(default_factory=list)
    tolerance: float = DEFAULT_TOLERANCE

    @property
    def dropped_metrics(self) -> list[MetricChange]:
        return [c for c in self.changes if c.delta < -self.tolerance]

    @property
    def regressed(self) -> bool:
        return bool(self.dropped_metrics or self.now_wrong or self.newly_corrected)

    def summary(self) -> str:
        lines = ["metric                 baseline      now   change"]
        for c in self.changes:
            flag = "  REGRESSED" if c in self.dropped_metrics else "  improved" if c.delta > self.tolerance else ""
            lines.append(f"{c.name:<20} {c.before:>10.3f} {c.after:>8.3f} {c.delta:>+8.3f}{flag}")
        if self.now_right:
            lines.append(f"\nnow right ({len(self.now_right)}):")
            lines += [f"  + {q['id']}: {q['question']}  → {q['prediction']!r}" for q in self.now_right]
        if self.now_wrong:
            lines.append(f"\nnow wrong ({len(self.now_wrong)}):")
            lines += [f"  - {q['id']}: {q['question']}  → {q['prediction']!r} (was {q['was']!r})" for q in self.now_wrong]
        if self.newly_corrected:
            lines.append(f"\nnow changed by the spelling corrector ({len(self.newly_corrected)}):")
            lines += [f"  ~ {q['id']}: {q['question']}  → {q['corrected_question']!r}" for q in self.newly_corrected]
        if self.new_questions:
            lines.append(f"\nnot in the baseline: {', '.join(self.new_questions)}")
        verdict = "REGRESSION" if self.regressed else "no regression"
        lines.append(f"\n{verdict} (tolerance {self.tolerance})")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "regressed": self.regressed,
            "tolerance": self.tolerance,
            "metrics": {c.name: {"baseline": c.before, "now": c.after, "change": c.delta} for c in self.changes},
            "now_wrong": self.now_wrong,
            "now_right": self.now_right,
            "new_questions": self.new_questions,
            "newly_corrected": self.newly_corrected,
        }


def compare_with_baseline(run: EvalRun, baseline: dict, tolerance: float = DEFAULT_TOLERANCE) -> BaselineDiff:
    before = baseline["metrics"]
    changes = [MetricChange(m, float(before[m]), float(run.metrics[m])) for m in QUALITY_METRICS if m in before]
    previous = {q["id"]: q for q in baseline["questions"]}
    diff = BaselineDiff(changes, tolerance=tolerance)
    for row in run.rows:
        old = previous.get(row["id"])
        if old is None:
            diff.new_questions.append(row["id"])
            continue
        right = is_correct(row)
        entry = {"id": row["id"], "question": row["question"], "prediction": row["prediction"],
                 "was": old.get("prediction"), "gold": row["gold"]}
        corrected = row.get("corrected_question")
        if corrected and corrected != old.get("corrected_question"):
            diff.newly_corrected.append({"id": row["id"], "question": row["question"], "corrected_question": corrected})
        if old["correct"] and not right:
            diff.now_wrong.append(entry)
        elif right and not old["correct"]:
            diff.now_right.append(entry)
    return diff
