"""JSON Lines, read and written one way everywhere: articles, question sets, the index's own files."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class JsonLine:
    """One non-blank line: its 1-based number, and its value, or why it is not JSON."""

    number: int
    value: Any = None
    error: str | None = None


def parse_json_lines(text: str) -> Iterator[JsonLine]:
    """Every non-blank line of `text`, parsed; a line that is not JSON carries its error
    instead of a value, so that each caller decides whether to skip it or stop."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield JsonLine(number, json.loads(line))
        except json.JSONDecodeError as exc:
            yield JsonLine(number, error=f"not valid JSON ({exc.msg})")


def read_json_lines(path: Path) -> list[Any]:
    """The values of a UTF-8 JSON Lines file this program wrote; ValueError on a bad line."""
    values = []
    for line in parse_json_lines(Path(path).read_text(encoding="utf-8")):
        if line.error:
            raise ValueError(f"{Path(path).name} line {line.number}: {line.error}")
        values.append(line.value)
    return values


def write_json_lines(path: Path, rows: Iterable[Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
