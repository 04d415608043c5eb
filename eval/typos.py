"""Misspelt copies of question sets: one or two content words of each question get one typing
error each (a letter dropped, doubled, swapped with its neighbour, or replaced by a key next
to it), the way people mistype. Fixed by the seed, so that the same command writes the same
file.

Edits that happen to spell another English word ("form" for "from") are not made: those are
real-word errors, which no dictionary-based corrector can see.

    python -m eval.typos eval/questions.jsonl /tmp/typos.jsonl --seed 0
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from qa.spelling import WORD, english_words

from .questions import load_questions

# Keys next to each other on a QWERTY keyboard.
NEIGHBOURS = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok", "o": "ipl",
    "p": "ol", "a": "qsz", "s": "adwx", "d": "sfec", "f": "dgrv", "g": "fhtb", "h": "gjyn", "j": "hkum",
    "k": "jli", "l": "ko", "z": "asx", "x": "zcs", "c": "xvd", "v": "cbf", "b": "vng", "n": "bmh", "m": "nj",
}
STOPWORDS = frozenset("""about after also been before being could does from have into many more most much other over
said some such than that their them then there these they this those through under until very were what when where
which while whom whose will with would your""".split())
EDITS = ("drop", "double", "swap", "neighbour")
CONTENT_WORD_CHARS = 4


def misspelt(word: str, rng: random.Random) -> str | None:
    """The word with one typing error that spells no English word, or None if the tries found none.
    The first letter is kept, as it nearly always is in real typos."""
    known = english_words()
    for _ in range(20):
        edit = rng.choice(EDITS)
        i = rng.randrange(1, len(word))
        if edit == "drop":
            typo = word[:i] + word[i + 1:]
        elif edit == "double":
            typo = word[:i] + word[i] + word[i:]
        elif edit == "swap":
            if i == len(word) - 1 or word[i] == word[i + 1]:
                continue
            typo = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        else:
            keys = NEIGHBOURS.get(word[i].lower())
            if not keys:
                continue
            key = rng.choice(keys)
            typo = word[:i] + (key.upper() if word[i].isupper() else key) + word[i + 1:]
        if typo.lower() != word.lower() and typo.lower() not in known:
            return typo
    return None


def content_words(question: str) -> list[tuple[int, int]]:
    """Where the question's content words are: alphabetic, at least CONTENT_WORD_CHARS letters, not a stopword."""
    return [(m.start(), m.end()) for m in WORD.finditer(question)
            if m.group().isalpha() and len(m.group()) >= CONTENT_WORD_CHARS and m.group().lower() not in STOPWORDS]


def with_typos(question: str, rng: random.Random) -> tuple[str, list[list[str]]]:
    """The question with typos in one or two of its content words, and the [word, typo] pairs."""
    spans = content_words(question)
    if not spans:
        return question, []
    chosen = sorted(rng.sample(spans, min(len(spans), rng.choice((1, 2)))), reverse=True)
    changes = []
    for start, end in chosen:
        word = question[start:end]
        typo = misspelt(word, rng)
        if typo is not None:
            question = question[:start] + typo + question[end:]
            changes.append([word, typo])
    return question, changes[::-1]


def write_typo_copy(source: Path, target: Path, seed: int = 0) -> int:
    """Write a copy of the question file `source` with misspelt questions; the number changed."""
    rng = random.Random(seed)
    load_questions(source)  # a malformed file is refused before anything is written
    changed, lines = 0, []
    for line in Path(source).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        original = row["question"]
        row["question"], typos = with_typos(original, rng)
        if typos:
            row["typos"] = typos
            row["spelt_right"] = original
            changed += 1
        lines.append(json.dumps(row, ensure_ascii=False))
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.typos", description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path, help="a question file (JSON Lines)")
    parser.add_argument("output", type=Path, help="where to write the misspelt copy")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    changed = write_typo_copy(args.questions, args.output, args.seed)
    print(f"{changed} questions misspelt, written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
