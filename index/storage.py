"""Atomic, generational storage for an index folder.

Each write goes to a fresh `gen-NNNNNN` folder; only when every file is on disk
is the one-line `CURRENT` file replaced (os.replace is atomic) to point at it.
A crash mid-write leaves the previous generation in force and untouched.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_GENERATION = re.compile(r"^gen-(\d{6,})$")
CURRENT = "CURRENT"


def current_generation(root: Path) -> Path | None:
    """The folder of the generation in force, or None when there is no index."""
    pointer = root / CURRENT
    if not pointer.is_file():
        return None
    folder = root / pointer.read_text(encoding="utf-8").strip()
    return folder if folder.is_dir() else None


@contextmanager
def new_generation(root: Path) -> Iterator[Path]:
    """Yield an empty folder to write into; commit it when the block ends without error."""
    root.mkdir(parents=True, exist_ok=True)
    number = max((int(m.group(1)) for p in root.iterdir() if (m := _GENERATION.match(p.name))), default=0) + 1
    name = f"gen-{number:06d}"
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        yield staging
        _fsync_tree(staging)
        staging.rename(root / name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _replace_pointer(root, name)
    _remove_old_generations(root, keep=name)


def _replace_pointer(root: Path, name: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".CURRENT-", dir=root)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, root / CURRENT)


def _remove_old_generations(root: Path, keep: str) -> None:
    for path in root.iterdir():
        if path.name != keep and (_GENERATION.match(path.name) or path.name.startswith(".gen-")):
            shutil.rmtree(path, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
