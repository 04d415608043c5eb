import json
import random

from eval.questions import load_questions
from eval.typos import content_words, misspelt, write_typo_copy
from qa.spelling import english_words


def test_a_typo_is_one_edit_that_spells_no_english_word_and_keeps_the_first_letter():
    rng = random.Random(1)
    for word in ("conference", "academicians", "province", "attended"):
        for _ in range(20):
            typo = misspelt(word, rng)
            assert typo and typo[0] == word[0] and typo.lower() not in english_words()
            assert abs(len(typo) - len(word)) <= 1


def test_only_content_words_are_misspelt():
    spans = content_words("How many of the 27 academicians were from Qingdao?")
    assert ["How many of the 27 academicians were from Qingdao?"[a:b] for a, b in spans] == ["academicians", "Qingdao"]


def test_the_copy_is_the_same_for_the_same_seed_and_keeps_ids_answers_and_the_original(tmp_path):
    source = tmp_path / "q.jsonl"
    rows = [{"id": f"q{i}", "question": f"Which conference did the delegation attend in year {i}?", "answers": ["X"],
             "doc": "d"} for i in range(30)]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    changed = write_typo_copy(source, tmp_path / "a.jsonl", seed=3)
    write_typo_copy(source, tmp_path / "b.jsonl", seed=3)
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()
    copied = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert changed == sum("typos" in r for r in copied) >= 25
    for original, copy in zip(rows, copied):
        assert copy["id"] == original["id"] and copy["answers"] == original["answers"]
        if "typos" in copy:
            assert copy["spelt_right"] == original["question"] != copy["question"]
            assert 1 <= len(copy["typos"]) <= 2
    assert len(load_questions(tmp_path / "a.jsonl")) == 30
