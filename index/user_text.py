"""Text a user or a file hands in, checked or made safe before it is used: questions and
filters must be valid Unicode, and article ids are normalised so that two ids never look
alike while differing, and every id can be named in a URL path and a file name."""
from __future__ import annotations

import hashlib
import re
import unicodedata

from .errors import UserError

MAX_ID_CHARS = 100
# Letters of these scripts look like Latin ones ("cafе" with a Cyrillic е): an id may use
# any one of them, but not one of them beside Latin.
_LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK")


class BadTextError(UserError):
    """Text that is not valid Unicode, or holds characters it must not."""


def require_unicode(text: str, what: str) -> str:
    """`text` unchanged, or BadTextError when it holds a lone surrogate (JSON's "\\ud800", or
    bytes that were not UTF-8 on a command line). The message does not repeat the text."""
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise BadTextError(f"the {what} holds characters that are not valid text (bytes that are not UTF-8, "
                           "or half of a UTF-16 pair); type it again")
    return text


def require_plain_name(text: str, what: str) -> str:
    """Valid Unicode without control characters (a source name, a title)."""
    require_unicode(text, what)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        raise BadTextError(f"the {what} holds control characters; type it without them")
    return text


def article_id(raw: str) -> str:
    """The id an article is indexed under, from a file name or a JSONL id: NFC; control,
    format (zero-width, bidirectional) and other invisible characters removed; slashes and
    backslashes as "-"; no leading dots or spaces; at most MAX_ID_CHARS characters (a longer
    one is cut and ends with a hash of the whole). BadTextError when nothing is left, or when
    Latin letters stand beside Cyrillic or Greek ones, which look alike."""
    require_unicode(raw, "article id")
    text = "".join(ch for ch in unicodedata.normalize("NFC", raw)
                   if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cn"))
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    text = re.sub(r"[/\\]+", "-", text).lstrip(". ")
    if not text:
        raise BadTextError(f"the article id {raw!r} has no visible characters")
    scripts = {unicodedata.name(ch, "").split(" ")[0] for ch in text if ch.isalpha()}
    if "LATIN" in scripts and scripts & set(_LOOKALIKE_SCRIPTS):
        raise BadTextError(f"the article id '{text}' mixes Latin letters with Cyrillic or Greek ones that look "
                           "alike; rename it")
    if len(text) > MAX_ID_CHARS:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        text = f"{text[:MAX_ID_CHARS - 9].rstrip()}-{digest}"
    return text
