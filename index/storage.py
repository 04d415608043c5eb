"""Atomic, generational, checksummed storage for an index folder, with one writer at a time.

Each write goes to a fresh staging folder; when every file is on disk, a checksum of each
is recorded (with its size and modification time), the folder is renamed to `gen-NNNNNN`,
and only then is the one-line `CURRENT` file replaced (os.replace is atomic) to point at it. A
crash mid-write leaves the previous generation in force and untouched. Opening checks CURRENT,
that the generation holds exactly the files listed, each a plain file of its recorded size,
and hashes every file under SMALL_FILE_BYTES and every file whose modification time is not
the one recorded (anything written to it since); `qa verify` hashes every byte. So a damaged
index is reported as damaged rather than served, and opening a large index reads only its
small files. Writers take an exclusive lock on
`.lock` (fcntl), so two indexing runs into one folder never overwrite each other's work.

A generation that CURRENT no longer names is kept for RETIRED_GRACE_S after it was replaced
(the times are in `RETIRED.json`), so that a reader which resolved CURRENT just before a
write can still read all of it; at most MAX_RETIRED_KEPT such generations are kept, within
RETIRED_SIZE_FACTOR times the current one's size. A reader slower than that, or behind more
writes, finds its generation gone and opens the new one (collection.read_current).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import IndexBusyError, IndexFormatError, UserError

_GENERATION = re.compile(r"^gen-(\d{6,})$")
CURRENT = "CURRENT"
CHECKSUMS = "CHECKSUMS.json"
LOCK = ".lock"
STAGING_PREFIX = ".gen-"
RETIRED = "RETIRED.json"
RETIRED_GRACE_S = 120.0
MAX_RETIRED_KEPT = 3
RETIRED_SIZE_FACTOR = 2
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
SMALL_FILE_BYTES = 1 << 20


def damaged(root: Path, why: str) -> IndexFormatError:
    return IndexFormatError(f"index damaged in {root}: {why}; rebuild with: "
                            f"python -m qa index PATH... --index-dir {root} --rebuild")


def current_generation(root: Path) -> Path | None:
    """The folder of the generation in force, or None when the folder holds no index.
    A CURRENT that is unreadable, names anything but a generation inside `root`, or
    names one that is missing, is a damaged index."""
    pointer = Path(root) / CURRENT
    if not pointer.is_file():
        return None
    try:
        name = pointer.read_bytes().decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise damaged(root, f"{CURRENT} is not readable text") from None
    if not _GENERATION.match(name):
        raise damaged(root, f"{CURRENT} does not name a generation of this folder")
    folder = Path(root) / name
    if folder.is_symlink():
        raise damaged(root, f"{name} is a link to another folder, not a generation of this index")
    if not folder.is_dir():
        raise damaged(root, f"{CURRENT} names {name}, which is missing")
    return folder


def verify_generation(root: Path, folder: Path, full: bool = False) -> int:
    """Check a generation against the checksums written with it: the list must name exactly
    the files the folder holds, each a plain file (no link) of its size with its digest
    (full=False: hashing only small files and those modified since; see the module's
    docstring). Returns the bytes hashed."""
    try:
        return _verify_files(root, folder, full)
    except OSError as exc:  # a file went while it was read
        raise damaged(root, f"{exc.strerror or exc}: {exc.filename}") from exc


def _verify_files(root: Path, folder: Path, full: bool) -> int:
    try:
        expected = json.loads((folder / CHECKSUMS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise damaged(root, f"{folder.name} has no {CHECKSUMS}") from None
    except (OSError, ValueError):
        raise damaged(root, f"{CHECKSUMS} of {folder.name} is unreadable") from None
    if not isinstance(expected, dict) or not expected or not all(
            isinstance(k, str) and _SHA256.match(_record(v)["sha256"]) for k, v in expected.items()):
        raise damaged(root, f"{CHECKSUMS} of {folder.name} is not a list of files and their SHA-256")
    present = {str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()}
    present.discard(CHECKSUMS)
    if present != set(expected):
        extra, missing = sorted(present - set(expected)), sorted(set(expected) - present)
        raise damaged(root, f"{folder.name} holds other files than its {CHECKSUMS} lists "
                            f"({', '.join(missing + extra)[:200]})")
    hashed = 0
    for relative, value in expected.items():
        record, path = _record(value), folder / relative
        if path.is_symlink() or not path.is_file():
            raise damaged(root, f"{relative} is not a plain file")
        stat = path.stat()
        if record.get("size") not in (None, stat.st_size):
            raise damaged(root, f"{relative} is not the size it was written with")
        if full or stat.st_size < SMALL_FILE_BYTES or record.get("mtime_ns") != stat.st_mtime_ns:
            hashed += stat.st_size
            if file_sha256(path) != record["sha256"]:
                raise damaged(root, f"{relative} does not match its checksum")
    return hashed


def _record(value) -> dict:
    """A file's entry in CHECKSUMS.json: {"sha256", "size", "mtime_ns"}, or (older indexes)
    the digest alone."""
    if isinstance(value, str):
        return {"sha256": value}
    if isinstance(value, dict) and isinstance(value.get("sha256"), str):
        return value
    return {"sha256": ""}


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_writable(root: Path) -> None:
    """Fail before any work when `root` cannot hold an index."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise UserError(f"--index-dir {root} is a file, not a folder: choose a folder for the index")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as exc:
        raise UserError(f"cannot write the index into {root}: {exc.strerror or exc}") from exc


@contextmanager
def writer_lock(root: Path, wait: bool = True, say: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold the folder's writer lock for the block. When another run holds it: wait (saying
    so once), or with wait=False raise IndexBusyError. Stale staging folders of runs that
    died are removed as soon as the lock is held."""
    check_writable(root)
    with open(Path(root) / LOCK, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(handle)
            if not wait:
                raise IndexBusyError(f"another indexing run{holder} is writing to {root}; "
                                     "try again when it has finished (or leave out --no-wait to wait)") from None
            say(f"waiting for another indexing run{holder} to finish writing to {root}...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            remove_stale_staging(root)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def clean_if_idle(root: Path) -> None:
    """Remove staging folders left by killed runs, when no writer is running; never waits."""
    lock = Path(root) / LOCK
    if not lock.is_file():
        return
    try:
        with open(lock, encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            try:
                remove_stale_staging(root)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    except (BlockingIOError, OSError):
        pass


def remove_stale_staging(root: Path) -> None:
    """Staging folders, and generations that CURRENT does not name and no reader may still be
    in (see RETIRED_GRACE_S); the caller holds the lock."""
    try:
        keep = current_generation(root)
    except IndexFormatError:
        return  # leave a damaged folder as it is for the user to look at
    _remove_unused(root, keep.name if keep else None)


def _lock_holder(handle) -> str:
    handle.seek(0)
    pid = handle.read().strip()
    return f" (pid {pid})" if pid.isdigit() else ""


@contextmanager
def new_generation(root: Path) -> Iterator[Path]:
    """Yield an empty folder to write into; commit it when the block ends without error.
    The caller holds `writer_lock(root)`."""
    root.mkdir(parents=True, exist_ok=True)
    number = max((int(m.group(1)) for p in root.iterdir() if (m := _GENERATION.match(p.name))), default=0) + 1
    name = f"gen-{number:06d}"
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{number:06d}-", dir=root))
    try:
        yield staging
        _write_checksums(staging)
        _fsync_tree(staging)
        staging.rename(root / name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    previous = _current_name(root)
    _replace_pointer(root, name)
    if previous:
        _retire(root, previous)
    _remove_unused(root, keep=name)


def _write_checksums(folder: Path) -> None:
    digests = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digests[str(path.relative_to(folder))] = {"sha256": file_sha256(path), "size": stat.st_size,
                                                      "mtime_ns": stat.st_mtime_ns}
    (folder / CHECKSUMS).write_text(json.dumps(digests, indent=1, sort_keys=True), encoding="utf-8")


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a reader, or a crash, sees the old file or the
    new one (a write that fails leaves no temporary file behind)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _replace_pointer(root: Path, name: str) -> None:
    write_atomically(Path(root) / CURRENT, name + "\n")


def _current_name(root: Path) -> str | None:
    try:
        folder = current_generation(root)
    except IndexFormatError:
        return None
    return folder.name if folder else None


def _retired(root: Path) -> dict[str, float]:
    try:
        times = json.loads((Path(root) / RETIRED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in times.items() if isinstance(v, (int, float))} if isinstance(times, dict) else {}


def _write_retired(root: Path, times: dict[str, float]) -> None:
    write_atomically(Path(root) / RETIRED, json.dumps(times))


def _retire(root: Path, name: str) -> None:
    times = _retired(root)
    times[name] = time.time()
    _write_retired(root, times)


def _remove_unused(root: Path, keep: str | None) -> None:
    """Remove staging folders, and generations other than `keep` retired more than
    RETIRED_GRACE_S ago (or never recorded as retired: left by a crash). Of those still in
    their grace, the newest are kept while they number at most MAX_RETIRED_KEPT and take at
    most RETIRED_SIZE_FACTOR times `keep`'s bytes (the last one retired always stays), so a
    burst of writes cannot fill the disk with old generations."""
    times, now = _retired(root), time.time()
    in_grace = sorted((name for name, t in times.items() if now - t <= RETIRED_GRACE_S and name != keep
                       and (Path(root) / name).is_dir()), key=times.get, reverse=True)
    # sizes only when something is in its grace: every open of an index comes through here
    budget = RETIRED_SIZE_FACTOR * _size(Path(root) / keep) if keep and in_grace else 0
    kept: set[str] = set()
    for name in in_grace[:MAX_RETIRED_KEPT]:
        size = _size(Path(root) / name)
        if kept and size > budget:
            break
        kept.add(name)
        budget -= size
    for path in Path(root).iterdir():
        if path.name.startswith(STAGING_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
        elif _GENERATION.match(path.name) and path.name != keep and path.name not in kept:
            if path.is_symlink():
                path.unlink()
            else:
                shutil.rmtree(path, ignore_errors=True)
    remaining = {name: t for name, t in times.items() if (Path(root) / name).exists() and name != keep}
    if remaining != times:
        _write_retired(root, remaining)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
