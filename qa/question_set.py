"""The collection's own question set: questions people asked and marked in use, each with
the answer they said is right (its article and exact offsets) or "the articles do not answer
this". It lives with the collection (beside the FAISS index, beside a Milvus Lite file), is
written whole and atomically under a lock, and is the JSON Lines the evaluation already reads
({"id", "question", "answers", "doc"} plus the fields below), so it exports and imports as is.

A line that is not a record (a hand edit gone wrong) is named and kept as it was: a save
rewrites it unchanged, so nothing is lost.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from index.documents import Document
from index.errors import UserError
from index.filters import ArticleFilter
from index.jsonl import parse_json_lines
from index.storage import write_atomically, writer_lock
from index.stores import FAISS_STORE, locate

QUESTIONS_FILE = "questions.jsonl"
BASELINE_FILE = "questions.baseline.json"
MAX_ANSWER_CHARS = 400
MARKS = ("right", "corrected", "not_in_articles")


class QuestionSetError(UserError):
    """A mark that cannot be saved as sent, or a question set that cannot be read."""


@dataclass(frozen=True)
class MarkedQuestion:
    """answer, doc, start, end: the right answer and where it is (None, None, None, None:
    the articles do not answer the question). marked: "right" (the answer shown was right),
    "corrected" (the user chose the right one) or "not_in_articles"."""

    id: str
    question: str
    answer: str | None
    doc: str | None
    start: int | None
    end: int | None
    marked: str
    by: str | None = None
    at: str | None = None
    since: str | None = None
    until: str | None = None
    source: str | None = None

    def to_json(self) -> dict:
        record = {"id": self.id, "question": self.question, "answers": [self.answer] if self.answer else [],
                  "doc": self.doc}
        record.update({k: v for k, v in asdict(self).items()
                       if k not in ("id", "question", "answer", "doc") and v is not None})
        return record

    @classmethod
    def from_json(cls, record: object) -> MarkedQuestion:
        """A record as written by to_json (or by hand); QuestionSetError says what is wrong."""
        if not isinstance(record, dict):
            raise QuestionSetError("expected a JSON object")
        question, answers = record.get("question"), record.get("answers", [])
        if not isinstance(question, str) or not question.strip():
            raise QuestionSetError("'question' must be a non-empty string")
        if not isinstance(answers, list) or len(answers) > 1 or not all(isinstance(a, str) and a for a in answers):
            raise QuestionSetError("'answers' must be a list of one answer, or empty (not in the articles)")
        start, end, doc = record.get("start"), record.get("end"), record.get("doc")
        if answers and not (isinstance(doc, str) and isinstance(start, int) and isinstance(end, int)):
            raise QuestionSetError("an answer needs its article ('doc') and its offsets ('start', 'end')")
        marked = record.get("marked", "corrected" if answers else "not_in_articles")
        if marked not in MARKS:
            raise QuestionSetError(f"'marked' must be one of {', '.join(MARKS)}")
        texts = {k: record.get(k) for k in ("by", "at", "since", "until", "source")}
        if any(v is not None and not isinstance(v, str) for v in texts.values()):
            raise QuestionSetError("'by', 'at', 'since', 'until' and 'source' must be strings")
        return cls(id=question_id(question), question=" ".join(question.split()),
                   answer=answers[0] if answers else None, doc=doc if answers else None,
                   start=start if answers else None, end=end if answers else None, marked=marked, **texts)


def question_id(question: str) -> str:
    """The same question (any case or spacing) has the same id, so asking it again replaces its record."""
    return "q-" + hashlib.sha256(" ".join(question.casefold().split()).encode()).hexdigest()[:12]


def marked(question: str, document: Document | None, start: int | None, end: int | None, *,
           shown_right: bool, by: str | None, since: str | None = None, until: str | None = None,
           source: str | None = None) -> MarkedQuestion:
    """A mark as a client sent it, checked against the article: the offsets must lie in it
    and hold a non-blank answer (spaces around a selection are trimmed). No article: the
    articles do not answer the question."""
    question = " ".join(question.split())
    if not question:
        raise QuestionSetError("a marked question needs its question")
    ArticleFilter.of(since, until, source)  # checks them
    filters = {"since": since or None, "until": until or None, "source": source or None}
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if document is None:
        return MarkedQuestion(question_id(question), question, None, None, None, None, "not_in_articles", by or None,
                              at, **filters)
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(document.text)):
        raise QuestionSetError(f"the answer's offsets ({start}, {end}) do not lie in the article '{document.id}'")
    while start < end and document.text[start].isspace():
        start += 1
    while end > start and document.text[end - 1].isspace():
        end -= 1
    if start == end:
        raise QuestionSetError("the selected answer is blank; select the words that answer the question")
    if end - start > MAX_ANSWER_CHARS:
        raise QuestionSetError(f"an answer is a few words (at most {MAX_ANSWER_CHARS} characters); select less")
    return MarkedQuestion(question_id(question), question, document.text[start:end], document.id, start, end,
                          "right" if shown_right else "corrected", by or None, at, **filters)


@dataclass(frozen=True)
class Checked:
    """A saved question as it stands against the articles now. status: "ok"; "moved" (its
    answer was found again, once, elsewhere in its article: `question` has the new offsets);
    "stale" (its answer is no longer in its article, or is there more than once); "gone"
    (its article was deleted); "no answer" (marked as not in the articles)."""

    question: MarkedQuestion
    status: str

    @property
    def scored(self) -> bool:
        return self.status in ("ok", "moved", "no answer")


def checked(question: MarkedQuestion, documents: dict[str, Document]) -> Checked:
    if question.answer is None:
        return Checked(question, "no answer")
    document = documents.get(question.doc)
    if document is None:
        return Checked(question, "gone")
    if document.text[question.start:question.end] == question.answer:
        return Checked(question, "ok")
    first = document.text.find(question.answer)
    if first < 0 or document.text.find(question.answer, first + 1) >= 0:
        return Checked(question, "stale")
    return Checked(replace(question, start=first, end=first + len(question.answer)), "moved")


@dataclass
class QuestionSetFile:
    """The set's JSON Lines file; `lock` serialises writers (and readers that rewrite)."""

    path: Path
    lock: Callable[[], AbstractContextManager]

    @property
    def baseline_path(self) -> Path:
        return self.path.with_name(self.path.name.replace(QUESTIONS_FILE, BASELINE_FILE))

    def read(self) -> tuple[list[MarkedQuestion], list[str]]:
        """The records, and a sentence for each line that is not one (named by its number)."""
        records, problems, _ = self._read()
        return records, problems

    def save(self, question: MarkedQuestion) -> MarkedQuestion:
        """Add `question`, replacing an earlier record of the same question."""
        with self.lock():
            records, _, raw = self._read()
            kept = [r for r in records if r.id != question.id]
            self._write([*kept, question], raw)
        return question

    def save_all(self, questions: list[MarkedQuestion]) -> int:
        """Add every one of `questions` (each replacing its earlier record); how many."""
        with self.lock():
            records, _, raw = self._read()
            new = {q.id: q for q in questions}
            self._write([r for r in records if r.id not in new] + list(new.values()), raw)
        return len(new)

    def delete(self, question_id: str) -> bool:
        with self.lock():
            records, _, raw = self._read()
            kept = [r for r in records if r.id != question_id]
            if len(kept) == len(records):
                return False
            self._write(kept, raw)
        return True

    def _read(self) -> tuple[list[MarkedQuestion], list[str], list[str]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [], [], []
        except (OSError, UnicodeDecodeError) as exc:
            raise QuestionSetError(f"cannot read the question set {self.path.name} ({exc})") from exc
        lines = text.splitlines()
        records: dict[str, MarkedQuestion] = {}
        problems, raw = [], []
        for line in parse_json_lines(text):
            why = line.error
            if why is None:
                try:
                    record = MarkedQuestion.from_json(line.value)
                except QuestionSetError as exc:
                    why = str(exc)
                else:
                    records[record.id] = record  # a question twice (a hand edit): the later one stands
                    continue
            problems.append(f"{self.path.name} line {line.number}: {why}; the line is kept as it is")
            raw.append(lines[line.number - 1])
        return list(records.values()), problems, raw

    def _write(self, records: list[MarkedQuestion], raw: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(r.to_json(), ensure_ascii=False) for r in records] + raw
        write_atomically(self.path, "".join(line + "\n" for line in lines))


def question_set_of(store: str, index_dir: Path) -> QuestionSetFile:
    """The question set of the collection in `store`: beside the FAISS index, under its
    writer's lock, or beside a Milvus Lite file. A Milvus server has no file of ours to keep it beside."""
    if store == FAISS_STORE:
        root = Path(index_dir)
        return QuestionSetFile(root / QUESTIONS_FILE, lambda: writer_lock(root))
    address = locate(store, Path(index_dir)).address
    if not address.is_lite:
        raise QuestionSetError("a collection's question set is kept beside a FAISS index or a Milvus Lite file; "
                               "this store is a Milvus server")
    database = Path(address.uri)
    path = database.with_name(f"{database.name}.{address.name}.{QUESTIONS_FILE}")
    return QuestionSetFile(path, lambda: _file_lock(path.with_name(path.name + ".lock")))


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
