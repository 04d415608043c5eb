"""Synthetic news collections of any size, the same for a given seed: real sentences of the
bundled articles recombined, with names and numbers varied so that no two articles repeat."""
from __future__ import annotations

import random
import re
from pathlib import Path

from index.loaders import load_documents
from index.sentences import split_sentences
from qa.config import BUNDLED_ARTICLES

NAMES = ["Arlen", "Bergström", "Castell", "Dunmore", "Ekwueme", "Farrow", "Gaskell", "Haldane", "Ito",
         "Jovanović", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Pereira"]


def bundled_sentences() -> list[str]:
    texts = [doc.text for doc in load_documents([BUNDLED_ARTICLES], warn=lambda _: None)]
    return [text[start:end] for text in texts for start, end in split_sentences(text) if end - start > 20]


class SentenceMixer:
    def __init__(self, sentences: list[str], rng: random.Random):
        self.sentences, self.rng = sentences, rng

    def sentence(self) -> str:
        rng = self.rng
        sentence = re.sub(r"\d+", lambda m: str(rng.randint(1, 10 ** len(m.group()))), rng.choice(self.sentences))
        return re.sub(r"\b[A-Z][a-z]{3,}\b", lambda m: rng.choice(NAMES) if rng.random() < 0.15 else m.group(),
                      sentence)

    def passage(self, low: int = 2, high: int = 5) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))


def synthetic_passages(size: int, seed: int = 0, sentences: list[str] | None = None) -> list[str]:
    """`size` passages of 2 to 5 sentences (by default of the bundled articles)."""
    mixer = SentenceMixer(sentences or bundled_sentences(), random.Random(seed))
    return [mixer.passage() for _ in range(size)]


def write_synthetic_articles(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` articles (a title line, then 2 to 4 paragraphs of 2 to 5 sentences) as .txt files."""
    mixer = SentenceMixer(bundled_sentences(), random.Random(seed))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        title = mixer.sentence().split(",")[0][:80].rstrip(". ")
        paragraphs = [mixer.passage() for _ in range(mixer.rng.randint(2, 4))]
        path = folder / f"article-{number:05d}.txt"
        path.write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
