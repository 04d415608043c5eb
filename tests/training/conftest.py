"""Shared by the training tests: a tiny synthetic SQuAD set and a tiny model built here."""
import gzip
import json
import random
from pathlib import Path

import pytest

CODES = ["alder", "birch", "cedar", "hazel", "larch", "maple", "rowan", "willow"]
FILLER = ["river", "stone", "market", "harbour", "winter", "garden", "tower", "bridge"]
PLACES = ["north", "south", "east", "west"]


def _paragraph(rng: random.Random, place: str, code: str) -> str:
    before = " ".join(rng.choice(FILLER) for _ in range(rng.randint(0, 12)))
    after = " ".join(rng.choice(FILLER) for _ in range(rng.randint(0, 12)))
    return f"{before} the {place} code is {code} . {after}".strip()


def _squad(rng: random.Random, articles: int, impossible: bool) -> dict:
    data = []
    for a in range(articles):
        paragraphs = []
        for p, place in enumerate(PLACES):
            code = rng.choice(CODES)
            context = _paragraph(rng, place, code)
            qas = [{"id": f"{a}-{p}", "question": f"what is the {place} code ?",
                    "answers": [{"text": code, "answer_start": context.index(f"is {code}") + 3}]}]
            if impossible:
                qas.append({"id": f"{a}-{p}-x", "question": f"what is the {place} colour ?", "answers": [],
                            "is_impossible": True})
            paragraphs.append({"context": context, "qas": qas})
        data.append({"title": f"article {a}", "paragraphs": paragraphs})
    return {"data": data}


@pytest.fixture(scope="module")
def squad_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("squad")
    rng = random.Random(1)
    for name, articles, impossible in (("train-v1.1.json.gz", 40, False), ("dev-v2.0-a.json.gz", 8, True),
                                       ("dev-v1.1-a.json.gz", 4, False)):
        with gzip.open(folder / name, "wt", encoding="utf-8") as handle:
            json.dump(_squad(rng, articles, impossible), handle)
    return folder


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny-base")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "what", "is", "the", "code", "colour", ".", "?"]
    vocab = {word: i for i, word in enumerate(words + CODES + FILLER + PLACES)}
    BertTokenizer(vocab=vocab).save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder)
    return folder
