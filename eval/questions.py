"""Question files: JSON Lines, one {"id", "question", "answers", "doc"} per line, with
optional "since", "until" (YYYY-MM-DD) and "source" that narrow the articles searched."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from index.errors import UserError
from index.filters import ArticleFilter
from index.jsonl import parse_json_lines


class QuestionFileError(UserError):
    """The question file is missing or malformed."""


@dataclass(frozen=True)
class Question:
    """answers: every acceptable form; empty when the articles cannot answer it.
    doc: the id of the article that answers it, or None."""

    id: str
    question: str
    answers: tuple[str, ...]
    doc: str | None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def filters(self) -> ArticleFilter | None:
        """The question's own "since", "until" and "source", if it gives any."""
        return ArticleFilter.of(self.extra.get("since"), self.extra.get("until"), self.extra.get("source"))


def load_questions(path: Path) -> list[Question]:
    if not Path(path).is_file():
        raise QuestionFileError(f"no such question file: {path}")
    questions, seen = [], set()
    for line in parse_json_lines(Path(path).read_text(encoding="utf-8")):
        where = f"{path}:{line.number}"
        if line.error:
            raise QuestionFileError(f"{where}: {line.error}")
        row = line.value
        if not isinstance(row, dict):
            raise QuestionFileError(f"{where}: expected a JSON object")
        missing = [k for k in ("id", "question", "answers") if k not in row]
        if missing:
            raise QuestionFileError(f"{where}: missing {', '.join(missing)}")
        answers = row["answers"]
        if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
            raise QuestionFileError(f"{where}: 'answers' must be a list of non-empty strings")
        if not isinstance(row["question"], str) or not row["question"].strip():
            raise QuestionFileError(f"{where}: 'question' must be a non-empty string")
        qid = str(row["id"])
        if qid in seen:
            raise QuestionFileError(f"{where}: duplicate id '{qid}'")
        seen.add(qid)
        doc = row.get("doc")
        extra = {k: v for k, v in row.items() if k not in ("id", "question", "answers", "doc")}
        question = Question(qid, row["question"], tuple(answers), None if doc is None else str(doc), extra)
        try:
            question.filters  # noqa: B018 (reading them checks them)
        except UserError as exc:
            raise QuestionFileError(f"{where}: {str(exc).replace('--', '')}") from None
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path} holds no questions")
    return questions
