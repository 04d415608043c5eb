"""Turn files into Documents, one loader per format.

Each loader returns the text a reader would see; offsets computed later point
into exactly that text. A file that cannot be read is reported through `warn`
and skipped, so one bad file never stops an indexing run.
"""
from __future__ import annotations

import logging
import re
import stat
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .documents import Document
from .errors import InputPathError
from .filters import article_meta, dateline
from .html_pages import read_page
from .jsonl import parse_json_lines
from .sentences import split_sentences
from .user_text import BadTextError, article_id, require_unicode

Warn = Callable[[str], None]

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | {".pdf", ".jsonl"}

MAX_TITLE_CHARS = 120
SHORT_TITLE_CHARS = 48  # an untitled article's title: the first words of its first sentence


class UnreadableFileError(Exception):
    """The file exists but holds no usable text."""


def find_files(paths: Iterable[str | Path], warn: Warn = lambda _: None,
               unreadable: list[Path] | None = None) -> list[Path]:
    """Expand folders (recursively) into supported files, sorted; reject missing paths.
    Inside a folder, a symlink that leads outside it is skipped with a warning: indexing a
    folder never reads files from elsewhere on the machine. A file named directly is read.
    An entry named like an article that is not a plain file is named through `warn` and
    added to `unreadable`."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputPathError(f"no such file or folder: {path}")
        if path.is_dir():
            inside = path.resolve()
            for p in sorted(path.rglob("*")):
                if p.is_dir() and p.is_symlink() and not any(part.startswith(".") for part in p.relative_to(path).parts):
                    warn(f"skipped {p}: a link to a folder (links to folders are not followed)")
                    continue
                if p.suffix.lower() not in SUPPORTED_SUFFIXES or \
                        any(part.startswith(".") for part in p.relative_to(path).parts):
                    continue
                if not _is_plain_file(p):
                    # an article's file replaced by a broken link, a folder or a pipe: named, and
                    # its indexed copy kept by a sync, as for a file that cannot be read
                    warn(f"skipped {p}: {_not_a_file(p)}")
                    if unreadable is not None:
                        unreadable.append(p)
                    continue
                if not p.resolve().is_relative_to(inside):
                    warn(f"skipped {p}: a link to a file outside {path}")
                    continue
                found.append(p)
        else:
            found.append(path)
    return found


def load_documents(paths: Iterable[str | Path], warn: Warn, unreadable: list[Path] | None = None) -> list[Document]:
    """Load every readable document under `paths`; skipped files are named through `warn`,
    and those that exist but could not be read are also added to `unreadable` (so that a
    re-index can keep what it indexed from them before)."""
    documents: dict[str, Document] = {}
    for path in find_files(paths, warn, unreadable):
        try:
            loaded = list(load_file(path, warn))
        except Exception as exc:  # noqa: BLE001 (whatever one file does, the others are still read)
            why = exc if isinstance(exc, UnreadableFileError) else f"could not be read ({type(exc).__name__}: {exc})"
            warn(f"skipped {path}: {why}")
            if unreadable is not None:
                unreadable.append(path)
            continue
        for doc in loaded:
            if doc.id in documents:
                warn(f"skipped {doc.source}: document id '{doc.id}' already used by {documents[doc.id].source}")
                continue
            documents[doc.id] = doc
    return list(documents.values())


def load_file(path: Path, warn: Warn) -> Iterator[Document]:
    """Documents in one file (several for .jsonl). Raises UnreadableFileError."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFileError(f"unsupported file type '{suffix or path.name}'")
    if not _is_plain_file(path):
        raise UnreadableFileError(_not_a_file(path))
    if suffix == ".pdf":
        yield _require_text(load_pdf(path))
    elif suffix == ".jsonl":
        yield from load_jsonl(path, warn)
    else:
        raw = _read_text(path)
        if suffix in HTML_SUFFIXES:
            yield _require_text(load_html(path, raw, warn))
        elif suffix in MARKDOWN_SUFFIXES:
            yield _require_text(load_markdown(path, raw, warn))
        else:
            yield _require_text(load_text(path, raw, warn))


def load_text(path: Path, text: str, warn: Warn = lambda _: None) -> Document:
    date, source = dateline(text)
    meta = {"format": "text", **article_meta(date, source, None, str(path), warn)}
    return Document(_file_id(path), title_from_text(text, path), text, str(path), meta)


def load_markdown(path: Path, text: str, warn: Warn = lambda _: None) -> Document:
    heading = re.search(r"^#\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    title = heading.group(1) if heading else title_from_text(text, path)
    date, source = dateline(text)
    meta = {"format": "markdown", **article_meta(date, source, None, str(path), warn)}
    return Document(_file_id(path), title, text, str(path), meta)


def load_html(path: Path, markup: str, warn: Warn = lambda _: None) -> Document:
    page = read_page(markup)
    meta = article_meta(page.date, page.source, page.url, str(path), warn)
    title = page.title or title_from_text(page.text, path)
    return Document(_file_id(path), title, page.text, str(path), {"format": "html", **meta})


def load_pdf(path: Path) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with _pdf_warnings_naming(path):
            reader = PdfReader(str(path))
            pages = [page.extract_text() or "" for page in reader.pages]
            info_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PyPdfError, ValueError, KeyError, OSError, RecursionError, MemoryError) as exc:
        # LimitReachedError among them: a stream that inflates past pypdf's limits (a "bomb")
        raise UnreadableFileError(f"not a readable PDF ({exc})") from exc
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    title = info_title.strip() or title_from_text(text, path)
    return Document(_file_id(path), title, text, str(path), {"format": "pdf", "pages": len(pages)})


_pdf_being_read = threading.local()
_pdf_log = logging.getLogger(__name__)


class _PdfWarningsNamed(logging.Handler):
    """pypdf's own warnings ("incorrect startxref pointer") do not say which file: while a
    thread reads a PDF, they are logged again naming it; others pass through as they were."""

    def emit(self, record: logging.LogRecord) -> None:
        path = getattr(_pdf_being_read, "path", None)
        if path is None:
            logging.getLogger().handle(record)
        else:
            _pdf_log.log(record.levelno, "%s: %s (pypdf)", path, record.getMessage())


@contextmanager
def _pdf_warnings_naming(path: Path):
    pypdf_log = logging.getLogger("pypdf")
    if not any(isinstance(h, _PdfWarningsNamed) for h in pypdf_log.handlers):
        pypdf_log.addHandler(_PdfWarningsNamed())
        pypdf_log.propagate = False
    _pdf_being_read.path = path
    try:
        yield
    finally:
        _pdf_being_read.path = None


def load_jsonl(path: Path, warn: Warn) -> Iterator[Document]:
    """One article per line: {"id", "title", "text", optional "date" (ISO 8601), "source", "url"}."""
    for line in parse_json_lines(_read_text(path)):
        where = f"{path}:{line.number}"
        if line.error:
            warn(f"skipped {where}: {line.error}")
            continue
        record = line.value
        if not isinstance(record, dict):
            warn(f"skipped {where}: expected a JSON object")
            continue
        doc_id, text = record.get("id"), record.get("text")
        if not isinstance(doc_id, (str, int)) or not str(doc_id).strip():
            warn(f"skipped {where}: missing 'id'")
            continue
        if not isinstance(text, str) or not text.strip():
            warn(f"skipped {where}: missing or empty 'text'")
            continue
        try:
            doc_id = article_id(str(doc_id))
            require_unicode(text, "text")
        except BadTextError as exc:
            warn(f"skipped {where}: {exc}")
            continue
        title = record.get("title")
        meta = {"format": "jsonl", **article_meta(record.get("date"), record.get("source"), record.get("url"),
                                                  where, warn)}
        yield Document(
            str(doc_id),
            title.strip() if isinstance(title, str) and title.strip() else title_from_text(text, path),
            text,
            where,
            meta,
        )


def title_from_text(text: str, path: Path) -> str:
    """A short first line (a headline) is the title; otherwise the first sentence when it is
    short, else the name the lead is about (its longest run of capitalised words, such as
    "2023 China Biotechnology Innovation Conference"), else its first words."""
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first_line and len(first_line) <= MAX_TITLE_CHARS and first_line[-1] not in ".!?:;,":
        return first_line
    sentences = split_sentences(text)
    if not sentences:
        return path.stem
    start, end = sentences[0]
    lead = " ".join(text[start:end].split())
    if len(lead) <= SHORT_TITLE_CHARS:
        return lead
    return name_in_lead(lead) or short_title(lead)


_NAME_WORD = re.compile(r"(?:\d[\w,.-]*|[A-Z][\w'’&.-]*)$")
_NAME_JOINERS = {"of", "and", "for", "the", "de", "on", "in", "&"}
_NOT_NAME_STARTS = {"On", "In", "At", "The", "A", "An", "By", "From", "During", "After", "Before", "Since", "This"}
_MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}


def name_in_lead(sentence: str) -> str | None:
    """The longest run of three or more capitalised words or numbers (joined by "of", "and"
    ...), not counting a leading preposition, article or date: what a lead sentence is about,
    for an article without a headline. None when there is none."""
    words = [w.strip(",;:()\"“”") for w in sentence.split()]
    best: list[str] = []
    run: list[str] = []
    for word in words + [""]:
        if word and (_NAME_WORD.match(word) or (run and word in _NAME_JOINERS)):
            run.append(word)
            continue
        while run and (run[-1] in _NAME_JOINERS):
            run.pop()
        while run and (run[0] in _NOT_NAME_STARTS or run[0] in _NAME_JOINERS or run[0] in _MONTHS):
            if run.pop(0) in _MONTHS and run and run[0][:1].isdigit():
                run.pop(0)  # the day of a date ("October 19th")
        named = [w for w in run if w[:1].isupper() and w not in _MONTHS]
        if len(run) >= 3 and len(named) >= 2 and len(run) > len(best):
            best = run
        run = []
    return " ".join(best) or None


def short_title(sentence: str, limit: int = SHORT_TITLE_CHARS) -> str:
    """A sentence of up to `limit` characters as it is; a longer one cut at the last word
    boundary before it, with an ellipsis."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= limit:
        return sentence
    head = sentence[:limit + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else sentence[:limit]
    return cut.rstrip(" ,;:-–—") + "…"


def _file_id(path: Path) -> str:
    try:
        return article_id(path.stem)
    except BadTextError as exc:
        raise UnreadableFileError(str(exc)) from None


def _is_plain_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _not_a_file(path: Path) -> str:
    if path.is_symlink() and not path.exists():
        return "a link to a file that is not there"
    if path.is_dir():
        return "a folder, not a file"
    return "not a plain file (a pipe, a device or a socket)"


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"cannot read ({exc.strerror})") from exc
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableFileError(f"not valid {encoding} text despite its byte-order mark") from exc
    if b"\x00" in data[:8192]:
        raise UnreadableFileError("looks like a binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_detected(data)


def _decode_detected(data: bytes) -> str:
    """Text in another encoding (cp1252, GB18030, Shift JIS ...), as charset-normalizer
    detects it. Among the single-byte Latin code pages, which short texts cannot tell apart,
    Windows-1252 wins when it fits: it is what Western news files not in UTF-8 are nearly
    always in. Otherwise the detection must be unambiguous: when encodings that fit about as
    well read the bytes as different texts (a short file often fits several), the file is
    refused, named, rather than indexed as a guess."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise UnreadableFileError("not text in UTF-8 or any encoding that could be detected")
    best = min(matches, key=lambda m: m.chaos)
    near = [m for m in matches if m.chaos <= best.chaos + NEAR_TIE_CHAOS]
    latin = next((m for m in near if m.encoding == "cp1252"), None)
    if latin is not None and (_SINGLE_BYTE_LATIN.match(best.encoding) or _latin_letters_only(str(latin))):
        return str(latin)
    readings = {str(m) for m in near}
    if len(readings) > 1:
        names = ", ".join(dict.fromkeys(m.encoding for m in near[:3]))
        raise UnreadableFileError(f"not UTF-8, and too little text to tell its encoding (it reads as {names}); "
                                  "save it as UTF-8")
    return str(best)


def _latin_letters_only(text: str) -> bool:
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha() and not ch.isascii())


# Detected encodings whose "chaos" (charset-normalizer's mess ratio) is within this of the
# best one fit the bytes about as well.
NEAR_TIE_CHAOS = 0.02
_SINGLE_BYTE_LATIN = re.compile(r"^(cp125\d|cp775|cp850|latin_1|iso8859_\d+|mac_.*)$")


def _require_text(document: Document) -> Document:
    if not document.text.strip():
        raise UnreadableFileError("no text in it")
    return document
