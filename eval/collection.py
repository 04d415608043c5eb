"""The collection's own question set as an evaluation: the questions marked in use, scored
against the collection they were marked on, and compared with the baseline saved beside them."""
from __future__ import annotations

from collections.abc import Callable

from index.errors import UserError
from qa.pipeline import QAPipeline
from qa.question_set import Checked, QuestionSetFile, checked

from .baseline import DEFAULT_TOLERANCE, BaselineDiff, compare_with_baseline, load_baseline
from .questions import Question
from .runner import EvalRun, evaluate

COLLECTION = "collection"  # `qa eval --questions collection`
NOT_SCORED = {"stale": "its answer is no longer in its article at the saved place, and not there exactly once",
              "gone": "its article is no longer indexed"}


def as_questions(marked: list[Checked]) -> list[Question]:
    """The questions that can be scored, as the evaluation reads them (offsets re-found where they moved)."""
    return [Question(c.question.id, c.question.question, (c.question.answer,) if c.question.answer else (),
                     c.question.doc, {k: v for k in ("since", "until", "source")
                                      if (v := getattr(c.question, k)) is not None})
            for c in marked if c.scored]


def unscored(marked: list[Checked]) -> list[str]:
    """A sentence for each question left out of the score, and why."""
    return [f"not scored: {c.question.id} \"{c.question.question}\": {NOT_SCORED[c.status]}"
            for c in marked if not c.scored]


def run_collection(pipeline: QAPipeline, question_set: QuestionSetFile,
                   progress: Callable[[int, int], None] | None = None) -> tuple[EvalRun, list[str]]:
    """Score the set on the collection `pipeline` answers from; the run, and what was left out (and why)."""
    records, problems = question_set.read()
    marked = [checked(r, pipeline.store.documents) for r in records]
    questions = as_questions(marked)
    if not questions:
        raise UserError("the collection has no marked questions to score yet: mark answers Right or Wrong in the "
                        "page, or import a set with python -m qa questions import FILE")
    return evaluate(pipeline, questions, progress), problems + unscored(marked)


def since_baseline(run: EvalRun, question_set: QuestionSetFile,
                   tolerance: float = DEFAULT_TOLERANCE) -> BaselineDiff | None:
    """How the run differs from the collection's baseline; None when none is saved yet."""
    if not question_set.baseline_path.is_file():
        return None
    return compare_with_baseline(run, load_baseline(question_set.baseline_path), tolerance)
