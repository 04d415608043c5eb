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
from pathlib import Path
from typing import Any

from index.embedder import resolve_model_path
from index.errors import ConfigError

READER_META = "reader.json"
WEIGHTS = "model.safetensors"
WORD_EMBEDDINGS = "word_embeddings"
# Files coming back from a lent GPU machine may be at most 16 MiB, and small files keep
# every version in git cheap: weights are written in shards under this size.
MAX_SHARD_BYTES = 15 * 1024 * 1024


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
    """Write config, tokenizer, fp16 weights without the word embeddings (in shards of at
    most MAX_SHARD_BYTES), and reader.json, which lists the shards."""
    import torch
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    key = word_embedding_key(model)
    state = {k: v.detach().to(torch.float16).contiguous().cpu() for k, v in model.state_dict().items() if k != key}
    shards: list[dict] = [{}]
    for name, tensor in state.items():
        size = tensor.numel() * tensor.element_size()
        if shards[-1] and sum(t.numel() * t.element_size() for t in shards[-1].values()) + size > MAX_SHARD_BYTES:
            shards.append({})
        shards[-1][name] = tensor
    names = [f"model-{i + 1:02d}-of-{len(shards):02d}.safetensors" for i in range(len(shards))]
    for old in folder.glob("model*.safetensors"):
        if old.name not in names:
            old.unlink()
    for name, shard in zip(names, shards):
        tmp = folder / (name + ".tmp")
        save_file(shard, str(tmp), metadata={"format": "pt"})
        tmp.replace(folder / name)
    embeddings = model.get_input_embeddings().weight
    record = {WORD_EMBEDDINGS: {"base": base, "key": key, "checksum": tensor_checksum(embeddings)},
              "weights": names, **{k: v for k, v in meta.items() if k != "weights"}}
    (folder / READER_META).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def read_reader_meta(folder: Path) -> dict[str, Any] | None:
    path = Path(folder) / READER_META
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def load_qa_model(name: str, allow_downloads: bool = False):
    """(model, tokenizer) for a folder saved by `save_reader_folder`, an ordinary folder, or
    a hub id already in the local Hugging Face cache. The network is used only when
    allow_downloads (the allow_downloads setting), so a missing model fails at once instead of retrying for a minute."""
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    local = Path(name).is_dir()
    meta = read_reader_meta(Path(name)) if local else None
    if meta is None:
        offline = local or not allow_downloads
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=offline)
        model = AutoModelForQuestionAnswering.from_pretrained(name, local_files_only=offline)
        return model, tokenizer
    return _load_without_word_embeddings(Path(name), meta), AutoTokenizer.from_pretrained(name, local_files_only=True)


def _load_without_word_embeddings(folder: Path, meta: dict[str, Any]):
    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForQuestionAnswering

    source = meta[WORD_EMBEDDINGS]
    config = AutoConfig.from_pretrained(folder, local_files_only=True)
    model = AutoModelForQuestionAnswering.from_config(config)
    state = {}
    for name in meta.get("weights", [WEIGHTS]):
        state.update({k: v.to(torch.float32) for k, v in load_file(str(folder / name)).items()})
    embeddings = base_word_embeddings(source["base"])
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


def base_word_embeddings(base: str):
    """The base model's word-embedding matrix as float32: read alone from its safetensors
    file when it has one (fast, nothing else loaded), else from the loaded model."""
    import torch
    from safetensors import safe_open
    from transformers import AutoModel

    path = Path(resolve_model_path(base))
    weights = path / WEIGHTS
    if weights.is_file():
        with safe_open(str(weights), framework="pt") as handle:
            keys = [k for k in handle.keys() if k.endswith("word_embeddings.weight")]  # noqa: SIM118 (not a dict)
            if len(keys) == 1:
                return handle.get_tensor(keys[0]).to(torch.float32)
    model = AutoModel.from_pretrained(str(path) if path.exists() else base, local_files_only=path.exists())
    return model.get_input_embeddings().weight.detach().to(torch.float32)


def export_full_folder(folder: Path, out: Path) -> None:
    """An ordinary Hugging Face folder (word embeddings included) for tools that know only
    that format, such as other QA frameworks."""
    model, tokenizer = load_qa_model(str(folder))
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
