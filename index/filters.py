"""Article metadata a search can be narrowed by (date, source), read from what a file says,
and the filter itself: which articles it keeps.

A date is kept as an ISO date string ("2024-03-03") in Document.meta["date"]; a source as the
publication's name in meta["source"]; the article's address in meta["url"]."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .errors import UserError
from .user_text import require_plain_name, require_unicode

_MONTHS = {name: n for n, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_MONTH_DAY_YEAR = re.compile(rf"^{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$", re.I)
_DAY_MONTH_YEAR = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})$", re.I)


class BadDateError(UserError):
    """A date that cannot be read."""


def parse_date(text: str) -> dt.date:
    """An ISO 8601 date or date-time ("2024-03-03", "2024-03-03T09:30:00Z"), or a written one
    ("March 3, 2024", "3 March 2024"). BadDateError otherwise."""
    value = " ".join(str(text).split())
    try:
        if match := _ISO.match(value):
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _MONTH_DAY_YEAR.match(value):
            return dt.date(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)))
        if match := _DAY_MONTH_YEAR.match(value):
            return dt.date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
    except ValueError:
        pass
    raise BadDateError(f"'{text}' is not a date this program reads (use YYYY-MM-DD, or e.g. March 3, 2024)")


_LABELLED_DATE = re.compile(r"^(?:date|published|posted|updated)\s*:\s*(.+?)\s*$", re.I)
_DATELINE = re.compile(rf"^[A-Z][A-Z .'’-]+,\s+({_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
                       r"(?:\s*\(([^)]{2,40})\))?\s*[-–—]", re.I)


def dateline(text: str) -> tuple[str | None, str | None]:
    """(date, source) written at the top of a plain-text article where it is clear: a line
    "Date: 2024-03-03" (or Published, Posted, Updated) among the first five, or a wire
    dateline "LONDON, March 3, 2024 (Reuters) -". Raw text, to be parsed by parse_date."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:5]
    for line in lines:
        if match := _LABELLED_DATE.match(line):
            return match.group(1), None
        if match := _DATELINE.match(line):
            return match.group(1), match.group(3)
    return None, None


def article_meta(date: object, source: object, url: object, where: str, warn) -> dict:
    """The meta fields for what a file gave (None or empty: not given). A date that cannot be
    read is a warning naming the file, and the article goes in without one."""
    meta: dict[str, str] = {}
    if date not in (None, ""):
        try:
            meta["date"] = parse_date(str(date)).isoformat()
        except BadDateError:
            warn(f"{where}: the date '{date}' could not be read; indexed without a date")
    for key, value in (("source", source), ("url", url)):
        if isinstance(value, str) and value.strip():
            meta[key] = " ".join(value.split())
    return meta


@dataclass(frozen=True)
class ArticleFilter:
    """Keep articles dated from `since` to `until` (inclusive) and from `source` (any case).
    An article without a date is kept by no date filter."""

    since: dt.date | None = None
    until: dt.date | None = None
    source: str | None = None

    @classmethod
    def of(cls, since: str | None = None, until: str | None = None, source: str | None = None) -> ArticleFilter | None:
        """From user input (None or "" for each not given); None when nothing narrows."""
        for value, what in ((since, "since date"), (until, "until date")):
            if isinstance(value, str):
                require_unicode(value, what)
        if isinstance(source, str):
            require_plain_name(source, "source filter")
        since_date = _user_date(since, "since")
        until_date = _user_date(until, "until")
        if since_date and until_date and since_date > until_date:
            raise BadDateError(f"since ({since_date}) is after until ({until_date}): no article could match")
        source = " ".join(source.split()) if isinstance(source, str) and source.strip() else None
        if since_date is None and until_date is None and source is None:
            return None
        return cls(since_date, until_date, source)

    def keeps(self, meta: dict) -> bool:
        if self.source is not None and str(meta.get("source", "")).casefold() != self.source.casefold():
            return False
        if self.since is None and self.until is None:
            return True
        if not meta.get("date"):
            return False
        day = dt.date.fromisoformat(meta["date"])
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def describe(self) -> str:
        parts = [f"since {self.since}" if self.since else "", f"until {self.until}" if self.until else "",
                 f"from {self.source}" if self.source else ""]
        return ", ".join(p for p in parts if p)


def _user_date(value: str | None, name: str) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_date(value)
    except BadDateError:
        # Worded for the page's field, the API's and the command line's option alike.
        raise BadDateError(f"{name}: '{value}' is not a date; use YYYY-MM-DD, e.g. 2024-03-03") from None

