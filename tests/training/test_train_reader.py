"""The reader's training command on a tiny synthetic SQuAD set and a tiny model built here:
it learns to find a planted answer, resumes from its checkpoint, and writes a folder that
loads without its word embeddings."""
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from eval.squad import SquadQuestion, read_squad
from qa.readers.model_folder import READER_META, load_qa_model
from tests.training.conftest import CODES
from training.train_reader import TrainSettings, build_examples, hard_negatives, main, train


def _settings(squad_folder: Path, tiny_base: Path, tmp_path: Path, total: int) -> TrainSettings:
    return TrainSettings(data=squad_folder, out=tmp_path / "reader", checkpoint_dir=tmp_path / "ckpt",
                         base=str(tiny_base), max_length=48, stride=16, batch_size=8, learning_rate=3e-3,
                         warmup_examples=40, total_examples=total, eval_every=10_000, eval_questions=16,
                         checkpoint_every=80, threads=1)


def test_examples_label_the_answer_tokens_or_no_answer(squad_folder, tiny_base):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    settings = TrainSettings(data=squad_folder, out=Path("unused"), max_length=48, stride=16)
    questions = read_squad(squad_folder / "dev-v2.0-a.json.gz")
    examples = build_examples(tokenizer, questions, settings, random.Random(0))
    answerable = [e for e in examples if e.start > 0]
    assert answerable and len(answerable) < len(examples)
    for e in answerable:
        tokens = tokenizer.convert_ids_to_tokens(e.input_ids[e.start:e.end + 1].tolist())
        assert len(tokens) == 1 and tokens[0] in CODES
        assert tokenizer.convert_ids_to_tokens([int(e.input_ids[e.start - 1])]) == ["is"]
        assert e.token_type_ids[e.start] == 1


@pytest.mark.slow
def test_training_learns_to_find_a_planted_answer(squad_folder, tiny_base, tmp_path):
    state = train(_settings(squad_folder, tiny_base, tmp_path, total=4000))
    first, last = state["history"][0], state["history"][-1]
    # An untrained span head picks one of ~15 context tokens: F1 about 0.07.
    assert last["dev1"]["has_answer_f1"] >= 0.9
    model, tokenizer = load_qa_model(str(tmp_path / "reader"))
    meta = json.loads((tmp_path / "reader" / READER_META).read_text())
    assert meta["training"]["examples_seen"] == state["best"]["seen"]
    assert first["seen"] <= last["seen"]


def _interrupt_after(monkeypatch, steps: int) -> None:
    """Stop training with Ctrl-C after `steps` optimizer steps, as a killed run would stop."""
    import training.train_reader as module

    real_loss, calls = module.span_loss, []

    def loss_then_stop(*args, **kwargs):
        calls.append(1)
        if len(calls) > steps:
            raise KeyboardInterrupt
        return real_loss(*args, **kwargs)

    monkeypatch.setattr(module, "span_loss", loss_then_stop)


@pytest.mark.slow
def test_an_interrupted_run_resumes_to_the_same_weights(squad_folder, tiny_base, tmp_path, monkeypatch, capsys):
    import torch

    whole = train(_settings(squad_folder, tiny_base, tmp_path / "whole", total=320))
    with monkeypatch.context() as patch:
        _interrupt_after(patch, 25)  # 200 examples: past the checkpoint at 160, short of the end
        with pytest.raises(KeyboardInterrupt):
            train(_settings(squad_folder, tiny_base, tmp_path / "cut", total=320))
    resumed = train(_settings(squad_folder, tiny_base, tmp_path / "cut", total=320))
    assert f"resumed from {tmp_path / 'cut' / 'ckpt'}" in capsys.readouterr().err
    assert resumed["seen"] == whole["seen"] and resumed["steps"] == whole["steps"]
    one = torch.load(tmp_path / "whole" / "ckpt" / "checkpoint.pt", weights_only=False)["model"]
    two = torch.load(tmp_path / "cut" / "ckpt" / "checkpoint.pt", weights_only=False)["model"]
    assert all(torch.allclose(one[k], two[k], atol=1e-6) for k in one)


def test_resuming_with_other_settings_is_refused(squad_folder, tiny_base, tmp_path):
    from training.train_reader import ResumeMismatchError

    settings = _settings(squad_folder, tiny_base, tmp_path, total=160)
    train(settings)
    checkpoint = (tmp_path / "ckpt" / "checkpoint.pt").read_bytes()
    for change in ({"learning_rate": 1e-3}, {"total_examples": 320}, {"seed": 1}, {"swap_negative_rate": 0.2}):
        with pytest.raises(ResumeMismatchError, match=f"{next(iter(change))} .* -> .*same settings to resume"):
            train(replace(settings, **change))
    assert (tmp_path / "ckpt" / "checkpoint.pt").read_bytes() == checkpoint  # left as it was
    # how fast it runs and where it writes may change
    faster = train(replace(settings, threads=2, precision="bfloat16", out=tmp_path / "elsewhere"))
    assert faster["seen"] >= 160


def test_the_saved_folder_leaves_out_the_word_embeddings_and_restores_them(squad_folder, tiny_base, tmp_path,
                                                                         monkeypatch):
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModel

    monkeypatch.setattr("qa.readers.model_folder.MAX_SHARD_BYTES", 20_000)
    train(_settings(squad_folder, tiny_base, tmp_path, total=80))
    meta = json.loads((tmp_path / "reader" / READER_META).read_text())
    shards = [tmp_path / "reader" / name for name in meta["weights"]]
    assert len(shards) > 1 and sorted(shards) == sorted((tmp_path / "reader").glob("model*.safetensors"))
    for shard in shards:
        assert not any("word_embeddings" in key for key in load_file(str(shard)))
    model, _ = load_qa_model(str(tmp_path / "reader"))
    base = AutoModel.from_pretrained(str(tiny_base))
    assert torch.equal(model.get_input_embeddings().weight, base.get_input_embeddings().weight)


def test_the_command_line_writes_the_reader_folder(squad_folder, tiny_base, tmp_path):
    args = ["--data", str(squad_folder), "--out", str(tmp_path / "out"), "--checkpoint-dir", str(tmp_path / "c"),
            "--base", str(tiny_base), "--max-length", "48", "--stride", "16", "--batch-size", "8",
            "--total-examples", "40", "--eval-questions", "4", "--threads", "1"]
    assert main(args) == 0
    meta = json.loads((tmp_path / "out" / READER_META).read_text())
    assert meta["training"]["command"].startswith("python -m training.train_reader --data")


@pytest.fixture(scope="module")
def bundled_tokenizer():
    """The bundled embedder's tokenizer: the one the shipped reader is trained with."""
    from transformers import AutoTokenizer

    from index.embedder import DEFAULT_EMBEDDER, resolve_model_path

    return AutoTokenizer.from_pretrained(resolve_model_path(DEFAULT_EMBEDDER))


def test_hard_negatives_are_unanswerable_and_keep_the_distractor_in_view(bundled_tokenizer):
    tokenizer = bundled_tokenizer
    context = "The plant opened in Lyon in 1998. It was built by Arcadia Systems for the city."
    other = "Later the firm sold shares to Meridian."
    question = SquadQuestion("q1", "Plants", 0, context, "Who built the plant in Lyon?",
                             (("Arcadia Systems", context.index("Arcadia")),))
    settings = TrainSettings(data=Path("unused"), out=Path("unused"), sentence_negative_rate=1.0,
                             swap_negative_rate=1.0)
    examples = hard_negatives(tokenizer, [question], {"Plants": [context, other]}, settings, random.Random(0))
    texts = [tokenizer.decode(e.input_ids, skip_special_tokens=True) for e in examples]
    assert len(examples) == 2 and all(e.start == e.end == 0 for e in examples)
    cut, swapped = texts
    assert "arcadia" not in cut and "lyon in 1998" in cut
    assert "built the plant in meridian" in swapped and "arcadia systems" in swapped


def test_hard_negatives_swap_a_noun_only_when_asked_to(bundled_tokenizer):
    tokenizer = bundled_tokenizer
    context = "The school has 300 pupils and 20 teachers."
    other = "The council repaired the roads."
    question = SquadQuestion("q1", "School", 0, context, "How many teachers work at the school?",
                             (("20", context.index("20")),))
    article = {"School": [context, other]}
    plain = TrainSettings(data=Path("unused"), out=Path("unused"))
    assert hard_negatives(tokenizer, [question], article, plain, random.Random(0)) == []
    nouns = TrainSettings(data=Path("unused"), out=Path("unused"), noun_swap_negative_rate=1.0)
    examples = hard_negatives(tokenizer, [question], article, nouns, random.Random(0))
    assert len(examples) == 1 and examples[0].start == examples[0].end == 0
    text = tokenizer.decode(examples[0].input_ids, skip_special_tokens=True)
    assert "20 teachers" in text
    assert "how many roads work at the school" in text or "how many teachers work at the council" in text


def test_examples_without_punctuation_are_added_only_when_asked_for(squad_folder, tiny_base):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    questions = read_squad(squad_folder / "train-v1.1.json.gz")[:40]
    plain = TrainSettings(data=squad_folder, out=Path("unused"), max_length=48, stride=16)
    with_rate = TrainSettings(data=squad_folder, out=Path("unused"), max_length=48, stride=16, no_punctuation_rate=1.0)
    base = build_examples(tokenizer, questions, plain, random.Random(0))
    more = build_examples(tokenizer, questions, with_rate, random.Random(0))
    assert len(more) > len(base)  # the others are drawn as before, the new ones come after them
    assert [e.input_ids.tolist() for e in more[:len(base)]] == [e.input_ids.tolist() for e in base]
    dot = tokenizer.convert_tokens_to_ids(".")
    added = more[len(base):]
    assert added and all(dot not in e.input_ids.tolist() for e in added) and all(e.start > 0 for e in added)


def test_a_bfloat16_run_trains_and_an_unknown_precision_is_refused(squad_folder, tiny_base, tmp_path, capsys):
    import torch

    from index.errors import UserError

    settings = _settings(squad_folder, tiny_base, tmp_path, total=160)
    state = train(replace(settings, precision="bfloat16"))
    assert state["seen"] >= 160 and state["history"][-1]["dev1"]["questions"] > 0
    saved = torch.load(tmp_path / "ckpt" / "checkpoint.pt", weights_only=False)["model"]
    assert all(t.dtype != torch.bfloat16 for t in saved.values())  # autocast leaves the weights float32
    with pytest.raises(SystemExit) as exit_:
        main(["--data", str(squad_folder), "--out", str(tmp_path / "x"), "--precision", "float16"])
    assert exit_.value.code == 2 and "invalid choice: 'float16'" in capsys.readouterr().err
    with pytest.raises(UserError, match="precision 'float16': choose one of float32, bfloat16"):
        train(TrainSettings(data=squad_folder, out=tmp_path / "y", precision="float16"))


def test_auto_precision_is_bfloat16_only_on_a_cpu_with_bfloat16_units(monkeypatch):
    import torch

    from training.train_reader import uses_bfloat16

    assert uses_bfloat16("bfloat16", "cpu") and not uses_bfloat16("float32", "cpu")
    for amx, avx512_bf16, expected in ((False, False, False), (True, False, True), (False, True, True)):
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda amx=amx: amx)
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda bf16=avx512_bf16: bf16)
        assert uses_bfloat16("auto", "cpu") is expected
