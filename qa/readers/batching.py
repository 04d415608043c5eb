"""Questions asked at the same time share forward passes: each question's windows are cut
on its own thread, a single worker puts the windows of every question waiting within a few
milliseconds through the model together (sorted by length, so little of a batch is
padding), and each question is answered on its own thread as soon as its windows are back.

One worker runs the model, so the model's thread pool is never asked for more threads than
the machine has, however many questions arrive. A reader whose answers would change with
the batch (int8 activations are scaled per batch) keeps the worker and the queue, but each
round holds one question's windows only (mix_questions=False).
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..results import Answer, Passage

COLLECT_S = 0.004  # how long the worker waits for more questions once one has arrived
MAX_WINDOWS = 256  # windows put through the model per round, at most


class SplitReader(Protocol):
    """A reader whose reading is split in three (OnnxReader)."""

    name: str

    def warm_up(self) -> None: ...

    def prepare(self, question: str, passages: Sequence[Passage]): ...

    def run(self, windows: Sequence) -> list[tuple[np.ndarray, np.ndarray]]: ...

    def finish(self, prepared, logits, max_answers: int) -> list[Answer]: ...


@dataclass
class _Request:
    windows: Sequence
    done: threading.Event = field(default_factory=threading.Event)
    logits: list | None = None
    error: BaseException | None = None


class BatchingReader:
    """reader: the model to share. collect_s: how long to wait for more questions.
    mix_questions: whether windows of several questions may share a round.
    Safe to call from many threads at once; implements the Reader protocol."""

    def __init__(self, reader: SplitReader, collect_s: float = COLLECT_S, max_windows: int = MAX_WINDOWS,
                 mix_questions: bool = True):
        self.reader = reader
        self.mix_questions = mix_questions
        self.name = reader.name
        self.collect_s = collect_s
        self.max_windows = max_windows
        self._queue: queue.Queue[_Request] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.rounds = 0  # forward rounds run so far (how many questions shared them is rounds vs calls)

    def warm_up(self) -> None:
        self.reader.warm_up()

    def read(self, question: str, passages: Sequence[Passage], max_answers: int = 3) -> list[Answer]:
        prepared = self.reader.prepare(question, passages)
        request = _Request(prepared.windows)
        self._ensure_worker()
        self._queue.put(request)
        request.done.wait()
        if request.error is not None:
            raise request.error
        return self.reader.finish(prepared, request.logits, max_answers)

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._serve, name="qa-reader-batches", daemon=True)
                self._worker.start()

    def _serve(self) -> None:
        while True:
            batch = [self._queue.get()]
            windows = len(batch[0].windows)
            while self.mix_questions and windows < self.max_windows:
                try:
                    request = self._queue.get(timeout=self.collect_s)
                except queue.Empty:
                    break
                batch.append(request)
                windows += len(request.windows)
            self._run(batch)

    def _run(self, batch: list[_Request]) -> None:
        try:
            logits = self.reader.run([w for request in batch for w in request.windows])
        except BaseException as exc:  # every waiting question hears of it, and the worker goes on
            for request in batch:
                request.error = exc
                request.done.set()
            return
        self.rounds += 1
        at = 0
        for request in batch:
            request.logits = logits[at:at + len(request.windows)]
            at += len(request.windows)
            request.done.set()
