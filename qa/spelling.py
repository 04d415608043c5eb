"""Spelling tolerance for questions. A word that is in neither the collection nor a general
English dictionary, and is close to a word of the collection (preferred) or of the dictionary,
is replaced before retrieval and reading: an uncased WordPiece reader cuts a misspelt word
into pieces that match nothing in the passage, and declines.

Words found in either vocabulary are never touched, nor are numbers, words under three
letters, acronyms and mixed-case names; a capitalised word (a name, most likely) is only ever
corrected to a word of the collection. The collection's vocabulary follows its documents:
adding or removing articles updates the counts of those articles' words only.
"""
from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.documents import Document

MIN_WORD_CHARS = 3
# Edits allowed for a word of up to this many letters: one; longer words: two.
ONE_EDIT_UP_TO_CHARS = 5
MAX_EDITS = 2
WORD = re.compile(r"\w+(?:['’]\w+)*")
POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)


@dataclass(frozen=True)
class Correction:
    """One replaced word: `replacement` stands at [start, end) of the corrected question."""

    original: str
    replacement: str
    start: int
    end: int


@dataclass(frozen=True)
class Corrected:
    text: str
    corrections: tuple[Correction, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.corrections)


def dictionary_path() -> Path:
    """The English frequency dictionary (82,765 words from Google Books n-grams, intersected
    with SCOWL) that symspellpy ships inside its wheel."""
    import symspellpy

    return Path(symspellpy.__file__).parent / "frequency_dictionary_en_82_765.txt"


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    with open(dictionary_path(), encoding="utf-8") as handle:
        return frozenset(line.split(" ", 1)[0] for line in handle if line.strip())


_ENGLISH_LOCK = threading.Lock()


def english_speller():
    """The dictionary's words as a SymSpell index: built on first need (about 4 s), then kept
    for the life of the process (a server builds it in the background as it starts)."""
    with _ENGLISH_LOCK:
        return _english_speller()


@lru_cache(maxsize=1)
def _english_speller():
    from symspellpy import SymSpell

    speller = SymSpell(max_dictionary_edit_distance=MAX_EDITS)
    speller.load_dictionary(str(dictionary_path()), term_index=0, count_index=1)
    return speller


def word_counts(document: Document) -> tuple[Counter[str], Counter[str]]:
    """The document's lower-case alphabetic words (title included; numbers and words with
    digits left out), and those its text writes capitalised somewhere: names, words of one
    ("World Biotechnology Industry Conference"), and words that begin a sentence. One pass
    over the text."""
    words: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for text, with_names in ((document.title, False), (document.text, True)):
        for match in WORD.finditer(text):
            word = POSSESSIVE.sub("", match.group())
            if not word.isalpha():
                continue
            lower = word.lower()
            words[lower] += 1
            if with_names and word[0].isupper():
                names[lower] += 1
    return words, names


def max_edits(word: str) -> int:
    return 1 if len(word) <= ONE_EDIT_UP_TO_CHARS else MAX_EDITS


class CollectionVocabulary:
    """Word counts of a collection's documents (titles included), with a SymSpell index of
    its words built on first need. `follow(documents)` brings both up to date with another
    version of the collection by counting only the documents that were added, changed or
    removed."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.names: Counter[str] = Counter()  # written capitalised somewhere in the text
        # Each document as last counted, with its (words, names) counts.
        self._by_document: dict[str, tuple[Document, tuple[Counter[str], Counter[str]]]] = {}
        self._speller = None

    def knows(self, word: str) -> bool:
        """The word, or the singular of a plural, occurs in the collection."""
        if word in self.counts:
            return True
        singular = word[:-2] if word.endswith("es") and word[:-2] in self.counts else word[:-1]
        return word.endswith("s") and not singular.endswith("s") and singular in self.counts

    def is_name(self, word: str) -> bool:
        return self.names[word] > 0

    def follow(self, documents: Mapping[str, Document]) -> None:
        gone = [doc_id for doc_id in self._by_document if doc_id not in documents]
        for doc_id in gone:
            self._subtract(self._by_document.pop(doc_id)[1])
        for doc_id, document in documents.items():
            known = self._by_document.get(doc_id)
            if known is not None and (known[0] is document or (known[0].text == document.text
                                                              and known[0].title == document.title)):
                continue
            if known is not None:
                self._subtract(known[1])
            counted = word_counts(document)
            self._by_document[doc_id] = (document, counted)
            self._add(counted)

    def _add(self, counted: tuple[Counter[str], Counter[str]]) -> None:
        words, names = counted
        new = [w for w in words if w not in self.counts]
        self.counts.update(words)
        self.names.update(names)
        if self._speller is not None:
            for word in new:
                self._speller.create_dictionary_entry(word, 1)

    def _subtract(self, counted: tuple[Counter[str], Counter[str]]) -> None:
        words, names = counted
        self.counts.subtract(words)
        self.names.subtract(names)
        for name in [n for n in names if self.names[n] <= 0]:
            del self.names[name]
        for word in [w for w in words if self.counts[w] <= 0]:
            del self.counts[word]
            if self._speller is not None:
                self._speller.delete_dictionary_entry(word)

    def closest(self, word: str, names_only: bool = False) -> Suggestion | None:
        """The collection's word nearest to `word` (fewest edits, then most frequent); with
        names_only, among the words the collection also writes capitalised."""
        if self._speller is None:
            from symspellpy import SymSpell

            self._speller = SymSpell(max_dictionary_edit_distance=MAX_EDITS)
            for known in self.counts:
                self._speller.create_dictionary_entry(known, 1)
        return nearest(self._speller, word, self.counts, self.is_name if names_only else None)


@dataclass(frozen=True)
class Suggestion:
    word: str
    edits: int


def nearest(speller, word: str, counts: Mapping[str, int] | None = None, allowed=None) -> Suggestion | None:
    """The nearest other word SymSpell knows: fewest edits, then one with the same first letter,
    then the highest count (`counts`, else the speller's own), then alphabetical, so that the
    choice never depends on order.
    A plural is also looked up as its singular ("cojncillors": "councillor" + "s")."""
    from symspellpy import Verbosity

    def found_for(text: str, suffix: str = "") -> list[tuple[int, bool, int, str]]:
        # Typing errors seldom touch a word's first letter: at equal edits, a word that keeps it wins.
        return [(s.distance, s.term[:1] != word[:1], -(counts[s.term] if counts is not None else s.count),
                 s.term + suffix)
                for s in speller.lookup(text, Verbosity.ALL, max_edit_distance=max_edits(text))
                if s.term + suffix != word and len(s.term) >= MIN_WORD_CHARS
                and (allowed is None or allowed(s.term))]

    found = found_for(word)
    if word.endswith("s") and len(word) > MIN_WORD_CHARS:
        found += found_for(word[:-1], "s")
    if not found:
        return None
    edits, _, _, best = min(found)
    return Suggestion(best, edits)


class SpellingCorrector:
    """Corrects questions against a collection's vocabulary and the English dictionary.
    Thread-safe; `correct` follows whatever documents it is given."""

    def __init__(self) -> None:
        self.vocabulary = CollectionVocabulary()
        self._documents: Mapping[str, Document] | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        english_words()
        english_speller()

    def correct(self, question: str, documents: Mapping[str, Document]) -> Corrected:
        with self._lock:
            if documents is not self._documents:
                self.vocabulary.follow(documents)
                self._documents = documents
            return self._corrected(question)

    def _corrected(self, question: str) -> Corrected:
        parts: list[str] = []
        corrections: list[Correction] = []
        done = 0
        for number, match in enumerate(WORD.finditer(question)):
            replacement = self._replacement(match.group(), first=number == 0)
            if replacement is None:
                continue
            parts.append(question[done:match.start()])
            start = sum(len(p) for p in parts)
            parts.append(replacement)
            corrections.append(Correction(match.group(), replacement, start, start + len(replacement)))
            done = match.end()
        if not corrections:
            return Corrected(question)
        parts.append(question[done:])
        return Corrected("".join(parts), tuple(corrections))

    def _replacement(self, word: str, first: bool) -> str | None:
        suffix = ""
        possessive = POSSESSIVE.search(word)
        if possessive:
            word, suffix = word[:possessive.start()], possessive.group()
        if len(word) < MIN_WORD_CHARS or not word.isalpha():
            return None
        capitalised = word[0].isupper()
        if not (word.islower() or word.istitle()):
            return None  # an acronym or a mixed-case name
        lower = word.lower()
        vocabulary = self.vocabulary
        if vocabulary.knows(lower) or lower in english_words():
            return None
        as_name = capitalised and not first
        found = vocabulary.closest(lower, names_only=as_name)
        if not as_name and (found is None or found.edits > 1):
            # The dictionary only where it is strictly closer: the collection's words come first.
            english = nearest(english_speller(), lower)
            if english is not None and (found is None or english.edits < found.edits):
                found = english
        if found is None:
            return None
        return (found.word.capitalize() if capitalised else found.word) + suffix

