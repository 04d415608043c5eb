"""Train the reader on a lent GPU machine and bring the weights back: pack here, run there,
finish here.

    python -m training.gpu_job pack [--from-base] [TRAIN OPTIONS]   # writes .gpu-bundle/, prints the device call
    (device run, carry [".gpu-bundle"]):  python -m training.gpu_job run --bundle .gpu-bundle --out $OUT/reader
    python -m training.gpu_job finish RETURNED_FOLDER [--ship]      # checks, calibrates, evaluates, ships if better

What travels: the working tree (the shipped reader's encoder is in it) and the bundle: the
base's word embeddings in float16 (the GPU machine lacks the package that holds the base),
its tokenizer and config, the SQuAD files, and the training settings, each file with its
SHA-256, and files over PART_BYTES cut in parts. A run continuing the shipped weights fits
one call (about 56 MB with the tree, the limit is 64 MiB). `--from-base` also carries the
base's encoder (about 21 MB more): its bundle is split in two part folders that travel in
two consecutive calls while the machine stays up (the first stages its part in /tmp).

The reader comes back in files under 16 MiB (save_reader_folder shards them). It was trained
against float16-rounded word embeddings, so `finish` checks the recorded checksum is theirs,
then records the installed base's (they differ by under 1e-3) and the folder loads here.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, fields
from pathlib import Path

from index.embedder import BASE_MODEL_DIR_ENV, BUNDLED_ALIASES, DEFAULT_EMBEDDER, resolve_model_path
from index.errors import UserError
from index.storage import file_sha256
from qa.config import REPO_ROOT, SHIPPED_READER
from qa.readers.decoding import ReaderSettings
from qa.readers.model_folder import READER_META, WORD_EMBEDDINGS, tensor_checksum

from .train_reader import DEV1_FILE, DEV2_FILE, TRAIN_FILE, TrainSettings, build_parser

MANIFEST = "MANIFEST.json"
JOB = "job.json"
PART_BYTES = 15 * 1024 * 1024
CARRY_LIMIT = 64 * 1024 * 1024
RETURN_LIMIT = 16 * 1024 * 1024
BASE_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


class BundleError(UserError):
    """A bundle or a returned folder is incomplete or does not match its checksums."""


# ---------------------------------------------------------------- here: pack

def pack(bundle: Path, settings: TrainSettings, from_base: bool = False, budget: int | None = None,
         part_bytes: int = PART_BYTES) -> list[Path]:
    """Write the bundle for `settings` into `bundle` and return its part folders (one when it
    fits a call beside the tracked tree, else as many as needed, in order). budget: bytes a
    part folder may hold (default: what a call carries beside the tracked tree)."""
    import torch
    from safetensors.torch import load_file, save_file

    if bundle.exists():
        shutil.rmtree(bundle)
    staged = bundle / "staged"
    (staged / "base").mkdir(parents=True)
    (staged / "squad").mkdir()
    base = Path(resolve_model_path(settings.base))
    for name in BASE_FILES:
        if (base / name).is_file():
            shutil.copy2(base / name, staged / "base" / name)
    weights = load_file(str(base / "model.safetensors"))
    keep = weights if from_base else {k: v for k, v in weights.items() if k.endswith("word_embeddings.weight")}
    half = {k: v.to(torch.float16).contiguous() for k, v in keep.items()}
    save_file(half, str(staged / "base" / "model.safetensors"), metadata={"format": "pt"})
    for name in (TRAIN_FILE, DEV2_FILE, DEV1_FILE):
        shutil.copy2(Path(settings.data) / name, staged / "squad" / name)
    job = {"settings": _settings_json(settings), "from_base": from_base,
           "word_embeddings_fp16_checksum": _fp16_checksum(next(v for k, v in weights.items()
                                                                 if k.endswith("word_embeddings.weight")))}
    (staged / JOB).write_text(json.dumps(job, indent=2), encoding="utf-8")
    budget = budget if budget is not None else CARRY_LIMIT - tracked_tree_bytes() - (1 << 20)
    return _split(bundle, staged, budget, part_bytes)


def _split(bundle: Path, staged: Path, budget: int, part_bytes: int) -> list[Path]:
    """Cut the staged files in parts of at most `part_bytes` and deal them into part folders
    of at most `budget` bytes; MANIFEST.json (in the last part) lists every file's parts."""
    if budget <= part_bytes:
        raise BundleError(f"only {budget / 2**20:.0f} MiB of a call's 64 MiB are left beside the tracked tree")
    manifest, pieces = {}, []
    for path in sorted(p for p in staged.rglob("*") if p.is_file()):
        relative = str(path.relative_to(staged))
        data = path.read_bytes()
        names = []
        for n, lo in enumerate(range(0, max(len(data), 1), part_bytes)):
            name = f"{relative}.part{n}"
            pieces.append((name, data[lo:lo + part_bytes]))
            names.append(name)
        manifest[relative] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "parts": names}
    folders, used = [bundle / "part-1"], 0
    for name, data in pieces:
        if used + len(data) > budget:
            folders.append(bundle / f"part-{len(folders) + 1}")
            used = 0
        target = folders[-1] / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        used += len(data)
    (folders[-1] / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    shutil.rmtree(staged)
    return folders


def tracked_tree_bytes() -> int:
    """Bytes of the files git tracks (they travel with every call)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    return sum((REPO_ROOT / name).stat().st_size for name in listed.decode().split("\0") if name and
               (REPO_ROOT / name).is_file())


def device_commands(parts: list[Path], out: str = "$OUT/reader") -> list[str]:
    """The commands to give the device tool, in order, each with `carry` naming its part."""
    stage = "/tmp/qa-gpu-bundle"
    commands = [f"mkdir -p {stage} && cp -r {part.relative_to(REPO_ROOT)}/. {stage}/" for part in parts[:-1]]
    last = parts[-1].relative_to(REPO_ROOT)
    run = f"PYTHONUNBUFFERED=1 python -m training.gpu_job run --bundle {stage} --out {out}"
    commands.append(f"mkdir -p {stage} && cp -r {last}/. {stage}/ && {run}")
    return commands


# ---------------------------------------------------------------- there: run

def assemble(parts_folder: Path) -> Path:
    """Join the parts listed in MANIFEST.json, check each file's SHA-256 and size, and return
    the folder of whole files."""
    manifest_file = parts_folder / MANIFEST
    if not manifest_file.is_file():
        raise BundleError(f"{parts_folder} has no {MANIFEST}: were all parts copied there?")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    whole = parts_folder / "whole"
    for relative, entry in manifest.items():
        missing = [p for p in entry["parts"] if not (parts_folder / p).is_file()]
        if missing:
            raise BundleError(f"{relative} is missing its parts {', '.join(missing)}")
        target = whole / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            for part in entry["parts"]:
                out.write((parts_folder / part).read_bytes())
        if target.stat().st_size != entry["bytes"] or file_sha256(target) != entry["sha256"]:
            raise BundleError(f"{relative} does not match its checksum after joining its parts")
    return whole


def run(bundle: Path, out: Path, device: str | None = None) -> dict:
    """Train as the bundle says, with its base standing in for the installed package."""
    from .train_reader import train

    whole = assemble(bundle)
    job = json.loads((whole / JOB).read_text(encoding="utf-8"))
    values = dict(job["settings"])
    if values["base"] in BUNDLED_ALIASES:
        os.environ[BASE_MODEL_DIR_ENV] = str(whole / "base")  # the name stays: reader.json records it
    else:
        values["base"] = str(whole / "base")
    values.update(data=whole / "squad", out=out, checkpoint_dir=whole / "checkpoint",
                  device=device or _best_device())
    if values.get("init"):
        values["init"] = _init_reader(Path(values["init"]), whole / "init", job["word_embeddings_fp16_checksum"])
    known = {f.name for f in fields(TrainSettings)}
    settings = TrainSettings(**{k: v for k, v in values.items() if k in known})
    return train(settings, command="python -m training.gpu_job run (" + json.dumps(job["settings"]) + ")")


def _init_reader(folder: Path, target: Path, fp16_checksum: str) -> Path:
    """The reader to start from, its word-embedding checksum that of the float16 copy here."""
    target.mkdir(parents=True, exist_ok=True)
    source = REPO_ROOT / folder  # an absolute folder stays as it is
    for path in source.iterdir():
        if path.is_file() and path.name != READER_META:
            shutil.copy2(path, target / path.name)
    meta = json.loads((source / READER_META).read_text())
    meta[WORD_EMBEDDINGS]["checksum"] = fp16_checksum
    (target / READER_META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return target


def _best_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


# ---------------------------------------------------------------- here: finish

def check_returned(folder: Path, base: str = DEFAULT_EMBEDDER) -> dict:
    """Check a reader folder that came back: every weights file it lists is there and under
    the return limit, and it was trained against the float16 copy of the installed base's
    word embeddings; then record the installed base's checksum so that it loads here."""
    meta_file = folder / READER_META
    if not meta_file.is_file():
        raise BundleError(f"{folder} has no {READER_META}: it is not a reader folder")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    for name in meta.get("weights", []) + ["config.json", "tokenizer.json"]:
        path = folder / name
        if not path.is_file():
            raise BundleError(f"{folder} lacks {name}")
        if path.stat().st_size > RETURN_LIMIT:
            raise BundleError(f"{name} is over the 16 MiB a file may have coming back")
    from qa.readers.model_folder import base_word_embeddings

    installed = base_word_embeddings(base)
    if meta[WORD_EMBEDDINGS]["checksum"] not in (_fp16_checksum(installed), tensor_checksum(installed)):
        raise BundleError(f"{folder} was trained on other word embeddings than the installed '{base}' (or a "
                          "float16 copy of them)")
    meta[WORD_EMBEDDINGS]["checksum"] = tensor_checksum(installed)
    meta[WORD_EMBEDDINGS]["base"] = base
    meta_file.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def finish(folder: Path, data: Path, ship: bool = False, limit: int | None = None) -> dict:
    """Check the returned reader, calibrate it, and compare it with the shipped one on held-out
    SQuAD 2.0 and the nine question sets; with `ship`, replace the shipped reader only when
    both improve."""
    from .calibrate_reader import calibrate

    check_returned(folder)
    # calibrated, and compared, in the precision the shipped reader runs in
    precision = ReaderSettings.for_model(str(SHIPPED_READER)).quantize
    calibrate(folder, data, quantize=precision, margin_with_news=True,
              news=(REPO_ROOT / "eval/calibration/questions.jsonl", REPO_ROOT / "eval/calibration/articles"))
    scores = {"candidate": _scores(folder, data, limit), "shipped": _scores(SHIPPED_READER, data, limit)}
    better = all(scores["candidate"][k] > scores["shipped"][k] for k in ("heldout_f1", "nine_sets_em"))
    if ship and better:
        for old in SHIPPED_READER.glob("model*.safetensors"):
            old.unlink()
        for path in folder.iterdir():
            if path.is_file():
                shutil.copy2(path, SHIPPED_READER / path.name)
    return {"scores": scores, "better": better, "shipped": bool(ship and better)}


def _scores(reader_folder: Path, data: Path, limit: int | None) -> dict:
    import random

    from eval.questions import load_questions
    from eval.runner import corpus_index_dir, evaluate
    from eval.squad import predict_squad, read_squad, select_split, squad_metrics
    from index.indexer import index_paths
    from qa.config import BUNDLED_ARTICLES, Config
    from qa.pipeline import QAPipeline
    from qa.readers.factory import AUTO, make_reader

    reader = make_reader(AUTO, str(reader_folder))  # as the app runs it
    heldout = select_split(read_squad(Path(data) / DEV2_FILE), "heldout")
    if limit:
        heldout = random.Random(0).sample(heldout, min(limit, len(heldout)))
    squad = squad_metrics(predict_squad(heldout, reader))
    sets = [(REPO_ROOT / "eval/questions.jsonl", BUNDLED_ARTICLES)] + [
        (folder / "questions.jsonl", folder / "articles") for folder in sorted((REPO_ROOT / "eval/corpora").iterdir())]
    ems = []
    for questions, corpus in sets:
        config = Config()
        config = config.with_overrides(index_dir=corpus_index_dir(corpus, config))
        index_paths(config.index_spec, [corpus])
        ems.append(evaluate(QAPipeline.open(config, reader=reader), load_questions(questions)).metrics["exact_match"])
    return {"heldout_em": squad["exact_match"], "heldout_f1": squad["f1"], "nine_sets_em": sum(ems) / len(ems)}


# ---------------------------------------------------------------- helpers and the command line

def _fp16_checksum(tensor) -> str:
    import torch

    return tensor_checksum(tensor.to(torch.float16).to(torch.float32))


def _settings_json(settings: TrainSettings) -> dict:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(settings).items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.gpu_job", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    packing = verbs.add_parser("pack", parents=[build_parser(add_help=False, required=False)],
                               help="write .gpu-bundle/ for these training options")
    packing.add_argument("--bundle", type=Path, default=REPO_ROOT / ".gpu-bundle")
    packing.add_argument("--from-base", action="store_true", help="train from the bare base (two calls)")
    running = verbs.add_parser("run", help="on the GPU machine: assemble the bundle and train")
    running.add_argument("--bundle", type=Path, required=True)
    running.add_argument("--out", type=Path, required=True)
    running.add_argument("--device", help="default: cuda when there is one")
    finishing = verbs.add_parser("finish", help="here: check, calibrate, evaluate, ship if better")
    finishing.add_argument("returned", type=Path)
    finishing.add_argument("--data", type=Path, default=Path("../shared/squad"))
    finishing.add_argument("--limit", type=int, help="held-out SQuAD questions to score (default: all)")
    finishing.add_argument("--ship", action="store_true", help="replace models/reader when both scores improve")
    args = parser.parse_args(argv)
    try:
        if args.verb == "pack":
            values = {k: v for k, v in vars(args).items() if k not in ("verb", "bundle", "from_base")}
            values.setdefault("out", Path("unused"))
            values["data"] = values.get("data") or Path("../shared/squad")
            values["out"] = values.get("out") or Path("unused")
            if not args.from_base and values.get("init") is None:
                values["init"] = SHIPPED_READER.relative_to(REPO_ROOT)
            settings = TrainSettings(**values)
            parts = pack(args.bundle.resolve(), settings, from_base=args.from_base)
            print(json.dumps({"parts": [str(p.relative_to(REPO_ROOT)) for p in parts],
                              "device_calls": [{"carry": [str(p.relative_to(REPO_ROOT))], "command": c}
                                               for p, c in zip(parts, device_commands(parts))]}, indent=2))
        elif args.verb == "run":
            state = run(args.bundle, args.out, args.device)
            print(json.dumps({"examples_seen": state["seen"], "best": state["best"]}, indent=2))
        else:
            print(json.dumps(finish(args.returned, args.data, args.ship, args.limit), indent=2))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
