"""The GPU job, run here on the CPU with a tiny model: the bundle's parts join back into the
files they came from, under the size a call may carry, and a tiny run there comes back as a
reader folder that loads here."""
import json
import shutil
from pathlib import Path

import pytest

from index.storage import file_sha256 as sha256
from qa.readers.model_folder import READER_META, WORD_EMBEDDINGS, load_qa_model
from training.gpu_job import MANIFEST, BundleError, assemble, check_returned, pack, run
from training.train_reader import TrainSettings


def _settings(squad_folder, tiny_base, tmp_path, total=40):
    return TrainSettings(data=squad_folder, out=tmp_path / "unused", base=str(tiny_base), max_length=48, stride=16,
                         batch_size=8, learning_rate=3e-3, warmup_examples=8, total_examples=total,
                         eval_every=10_000, eval_questions=4, checkpoint_every=10_000, threads=1)


def _pack(squad_folder, tiny_base, tmp_path, budget=20_000):
    """A bundle cut small, so that even the tiny one travels in several parts and calls."""
    return pack(tmp_path / "bundle", _settings(squad_folder, tiny_base, tmp_path), from_base=True, budget=budget,
                part_bytes=8_000)


def _on_the_device(parts, tmp_path):
    """What the device calls do: every part copied, in order, into one folder there."""
    staged = tmp_path / "device-stage"
    for part in parts:
        shutil.copytree(part, staged, dirs_exist_ok=True)
    return staged


def test_the_parts_join_back_into_the_files_they_came_from(squad_folder, tiny_base, tmp_path):
    budget = 20_000
    parts = _pack(squad_folder, tiny_base, tmp_path, budget)
    assert len(parts) > 1 and (parts[-1] / MANIFEST).is_file()
    for part in parts:
        assert sum(p.stat().st_size for p in part.rglob("*") if p.is_file() and p.name != MANIFEST) <= budget
    whole = assemble(_on_the_device(parts, tmp_path))
    manifest = json.loads((parts[-1] / MANIFEST).read_text())
    for relative, entry in manifest.items():
        assert sha256(whole / relative) == entry["sha256"]
    assert (whole / "squad" / "train-v1.1.json.gz").read_bytes() == (squad_folder / "train-v1.1.json.gz").read_bytes()
    from safetensors.torch import load_file

    assert {str(t.dtype) for t in load_file(str(whole / "base" / "model.safetensors")).values()} == {"torch.float16"}


def test_a_missing_or_changed_part_is_refused(squad_folder, tiny_base, tmp_path):
    parts = _pack(squad_folder, tiny_base, tmp_path)
    staged = _on_the_device(parts, tmp_path)
    piece = next(p for p in staged.rglob("*.part0") if "squad" in str(p))
    piece.write_bytes(piece.read_bytes()[:-1] + b"x")
    with pytest.raises(BundleError, match="does not match its checksum"):
        assemble(staged)
    piece.unlink()
    with pytest.raises(BundleError, match="missing its parts"):
        assemble(staged)


@pytest.mark.slow
def test_a_tiny_run_comes_back_as_a_reader_that_loads_here(squad_folder, tiny_base, tmp_path):
    parts = _pack(squad_folder, tiny_base, tmp_path)
    out = tmp_path / "returned"
    state = run(_on_the_device(parts, tmp_path), out, device="cpu")
    assert state["seen"] >= 40 and (out / READER_META).is_file()
    meta = check_returned(out, base=str(tiny_base))
    assert meta[WORD_EMBEDDINGS]["base"] == str(tiny_base)
    model, tokenizer = load_qa_model(str(out))  # the installed base's embeddings, checksum and all
    assert model.config.hidden_size == 32 and tokenizer("what is the north code ?")["input_ids"]


def test_a_returned_folder_trained_on_other_embeddings_is_refused(squad_folder, tiny_base, tmp_path):
    folder = tmp_path / "returned"
    folder.mkdir()
    for name in ("config.json", "tokenizer.json"):
        (folder / name).write_text("{}")
    (folder / READER_META).write_text(json.dumps({"weights": [], WORD_EMBEDDINGS: {"base": "x", "checksum": "0" * 16}}))
    with pytest.raises(BundleError, match="other word embeddings"):
        check_returned(folder, base=str(tiny_base))
    (folder / "tokenizer.json").unlink()
    with pytest.raises(BundleError, match="lacks tokenizer.json"):
        check_returned(folder, base=str(tiny_base))


def test_the_shipped_reader_continues_with_the_float16_checksum(tmp_path):
    from qa.config import SHIPPED_READER
    from training.gpu_job import _init_reader

    target = _init_reader(Path("models/reader"), tmp_path / "init", "abcdef0123456789")
    meta = json.loads((target / READER_META).read_text())
    shipped = json.loads((SHIPPED_READER / READER_META).read_text())
    assert meta[WORD_EMBEDDINGS]["checksum"] == "abcdef0123456789" and meta["weights"] == shipped["weights"]
    assert all((target / name).read_bytes() == (SHIPPED_READER / name).read_bytes() for name in shipped["weights"])
