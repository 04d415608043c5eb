"""The shipped reader's folder: a Hugging Face question-answering model whose word
embeddings are left out and taken from the installed base package instead.

Training keeps the word embeddings frozen, so they are the base model's to the bit; leaving
them out halves the folder. `reader.json` names the base they come from and a checksum of
them, so a different base is refused rather than silently giving wrong answers. A folder
without `reader.json` is an ordinary Hugging Face folder and loads as one.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from index.embedder import resolve_model_path
from index.errors import ConfigError

READER_META = "reader.json"
WEIGHTS = "model.safetensors"
WORD_EMBEDDINGS = "word_embeddings"


def word_embedding_key(model) -> str:
    """The state-dict key of the model's input word embeddings."""
    weight = model.get_input_embeddings().weight
    for key, tensor in model.state_dict().items():
        if tensor is weight or (tensor.data_ptr() == weight.data_ptr() and tensor.shape == weight.shape):
            return key
    raise ValueError("the model's word embeddings are not in its state dict")


def tensor_checksum(tensor) -> str:
    import torch

    data = tensor.detach().to(torch.float32).contiguous().cpu().numpy().tobytes()
    return hashlib.sha256(data).hexdigest()[:16]


def save_reader_folder(model, tokenizer, folder: Path, base: str, meta: dict[str, Any]) -> None:
    """Write config, tokenizer, fp16 weights without the word embeddings, and reader.json."""
    import torch
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    key = word_embedding_key(model)
    state = {k: v.detach().to(torch.float16).contiguous().cpu() for k, v in model.state_dict().items() if k != key}
    tmp = folder / (WEIGHTS + ".tmp")
    save_file(state, str(tmp), metadata={"format": "pt"})
    tmp.replace(folder / WEIGHTS)
    embeddings = model.get_input_embeddings().weight
    record = {WORD_EMBEDDINGS: {"base": base, "key": key, "checksum": tensor_checksum(embeddings)}, **meta}
    (folder / READER_META).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def read_reader_meta(folder: Path) -> dict[str, Any] | None:
    path = Path(folder) / READER_META
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def load_qa_model(name: str):
    """(model, tokenizer) for a folder saved by `save_reader_folder`, an ordinary folder, or
    a hub id already in the local Hugging Face cache. The network is used only when
    QA_ALLOW_DOWNLOADS=1, so a missing model fails at once instead of retrying for a minute."""
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    local = Path(name).is_dir()
    meta = read_reader_meta(Path(name)) if local else None
    if meta is None:
        offline = local or os.environ.get("QA_ALLOW_DOWNLOADS") != "1"
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=offline)
        model = AutoModelForQuestionAnswering.from_pretrained(name, local_files_only=offline)
        return model, tokenizer
    return _load_without_word_embeddings(Path(name), meta), AutoTokenizer.from_pretrained(name, local_files_only=True)


def _load_without_word_embeddings(folder: Path, meta: dict[str, Any]):
    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel, AutoModelForQuestionAnswering

    source = meta[WORD_EMBEDDINGS]
    config = AutoConfig.from_pretrained(folder, local_files_only=True)
    model = AutoModelForQuestionAnswering.from_config(config)
    state = {k: v.to(torch.float32) for k, v in load_file(str(folder / WEIGHTS)).items()}
    base_path = resolve_model_path(source["base"])
    base = AutoModel.from_pretrained(base_path, local_files_only=Path(base_path).exists())
    embeddings = base.get_input_embeddings().weight.detach().to(torch.float32)
    if tensor_checksum(embeddings) != source["checksum"]:
        raise ConfigError(f"the reader in {folder} was trained on other word embeddings than "
                          f"the installed '{source['base']}': reinstall the base model it names")
    state[source["key"]] = embeddings
    missing, unexpected = model.load_state_dict(state, strict=False)
    # Position ids and similar buffers may be absent from older files; weights may not.
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ConfigError(f"the reader in {folder} does not match its config "
                          f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model


def export_full_folder(folder: Path, out: Path) -> None:
    """An ordinary Hugging Face folder (word embeddings included) for tools that know only
    that format, such as other QA frameworks."""
    model, tokenizer = load_qa_model(str(folder))
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
