"""Fine-tune an encoder for extractive QA with a null answer (the SQuAD 2.0 way: the
[CLS] position means "no answer"), and write the reader folder the app ships.

    python -m training.train_reader --data ../shared/squad --out models/reader

Read top to bottom: settings, examples, the loop. Examples are windows of about the
length the pipeline reads (question plus a 128-token chunk), built from
- SQuAD 1.1 train: one window holding the answer, chosen at random among those that do,
  and sometimes a window of the same paragraph that does not (no answer);
- the question against another paragraph of its article (no answer): what the reader
  gets when retrieval misses;
- the training articles of SQuAD 2.0 dev, real unanswerable questions included;
- optionally, harder negatives made from the answerable questions (see train_negatives).
Word embeddings stay frozen (they are loaded from the base package, not shipped). The run
is seeded, checkpoints every `checkpoint_every` examples and resumes from there; every
`eval_every` examples it scores a fixed sample of held-out questions and writes the
reader folder when the score improves.
"""
from __future__ import annotations

import argparse
import json
import random
import shlex
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from eval.squad import SquadQuestion, article_splits, predict_squad, read_squad, squad_metrics
from index.embedder import DEFAULT_EMBEDDER, resolve_model_path
from index.errors import UserError
from training.augment import without_punctuation
from training.train_negatives import swap_entity, swap_noun, without_answer_sentence

TRAIN_FILE = "train-v1.1.json.gz"
DEV2_FILE = "dev-v2.0-a.json.gz"
DEV1_FILE = "dev-v1.1-a.json.gz"
CHECKPOINT = "checkpoint.pt"
# Settings that may change between a run and its resumption: where things go and how fast
# it runs. Every other setting shapes the examples, the schedule or the weights.
RESUMABLE_CHANGES = frozenset({"out", "checkpoint_dir", "threads", "device", "precision", "checkpoint_every"})
# bfloat16: the forward pass under autocast (weights, gradients and optimizer state stay
# float32). On a CPU with AMX (Sapphire Rapids and later) a step takes about 0.6x the time;
# without bfloat16 units it is emulated and slower. auto: bfloat16 where the device has them.
PRECISIONS = ("float32", "bfloat16", "auto")


class ResumeMismatchError(UserError):
    """A checkpoint was written by a run with other settings than the ones given now."""


@dataclass
class TrainSettings:
    data: Path
    out: Path
    checkpoint_dir: Path = Path(".qa-cache/train-reader")
    base: str = DEFAULT_EMBEDDER
    init: Path | None = None          # start from these reader weights instead of the bare base
    max_length: int = 160             # question + window, in tokens
    stride: int = 64
    max_question_tokens: int = 40
    batch_size: int = 16
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    warmup_examples: int = 2_000
    total_examples: int = 60_000      # the learning rate decays linearly to 0 here
    other_paragraph_rate: float = 0.3  # share of questions also paired with another paragraph
    window_negative_rate: float = 0.1  # share of questions also given a window without the answer
    sentence_negative_rate: float = 0.0  # share also read against their paragraph minus the answer's sentence
    swap_negative_rate: float = 0.0      # share also asked with a name or number swapped (train_negatives)
    noun_swap_negative_rate: float = 0.0  # share also asked with a common noun swapped (train_negatives)
    no_punctuation_rate: float = 0.0     # share also read with the punctuation taken out (augment.py)
    eval_every: int = 6_000
    eval_questions: int = 300          # per evaluation file, a fixed sample
    checkpoint_every: int = 1_000
    seed: int = 0
    device: str = "cpu"
    precision: str = "float32"         # one of PRECISIONS
    threads: int | None = None
    limit_questions: int | None = None  # use only this many training questions (tests, smoke runs)


@dataclass
class TrainExample:
    input_ids: np.ndarray
    token_type_ids: np.ndarray
    start: int  # 0 (the [CLS] position) when the window holds no answer
    end: int


# ---------------------------------------------------------------- examples

def windows(tokenizer, questions: Sequence[SquadQuestion], contexts: Sequence[str], settings: TrainSettings,
            answers: Sequence[tuple[int, int] | None]) -> Iterator[tuple[int, list[TrainExample]]]:
    """Every window of each (question, context) pair, labelled with the answer's token span
    where the window holds the whole answer, else with (0, 0). Yields (pair index, windows)."""
    for lo in range(0, len(questions), 512):
        batch_q = [q.question for q in questions[lo:lo + 512]]
        batch_c = list(contexts[lo:lo + 512])
        encoded = tokenizer(batch_q, batch_c, truncation="only_second", max_length=settings.max_length,
                            stride=settings.stride, return_overflowing_tokens=True, return_offsets_mapping=True)
        grouped: dict[int, list[TrainExample]] = {}
        for w, pair in enumerate(encoded["overflow_to_sample_mapping"]):
            sequence_ids = encoded.sequence_ids(w)
            offsets = encoded["offset_mapping"][w]
            context = [i for i, s in enumerate(sequence_ids) if s == 1]
            start = end = 0
            answer = answers[lo + pair]
            if answer is not None and context:
                a_start, a_end = answer
                if offsets[context[0]][0] <= a_start and offsets[context[-1]][1] >= a_end:
                    start = next(i for i in context if offsets[i][1] > a_start)
                    end = next(i for i in reversed(context) if offsets[i][0] < a_end)
            ids = np.asarray(encoded["input_ids"][w], dtype=np.int32)
            types = np.asarray(encoded["token_type_ids"][w], dtype=np.int8)
            grouped.setdefault(pair, []).append(TrainExample(ids, types, start, end))
        for pair in sorted(grouped):
            yield lo + pair, grouped[pair]


def answer_chars(question: SquadQuestion) -> tuple[int, int]:
    """The character span of an answerable question's first answer in its paragraph."""
    text, start = question.answers[0]
    return start, start + len(text)


def build_examples(tokenizer, questions: Sequence[SquadQuestion], settings: TrainSettings,
                   rng: random.Random) -> list[TrainExample]:
    """The training examples for these questions, as described at the top of the module."""
    short = [q for q in questions if len(tokenizer.tokenize(q.question)) <= settings.max_question_tokens]
    by_article: dict[str, list[str]] = {}
    for q in short:
        paragraphs = by_article.setdefault(q.title, [])
        if q.context not in paragraphs:
            paragraphs.append(q.context)
    answers = [None if q.is_impossible else answer_chars(q) for q in short]
    examples: list[TrainExample] = []
    for index, found in windows(tokenizer, short, [q.context for q in short], settings, answers):
        positive = [w for w in found if w.start > 0]
        negative = [w for w in found if w.start == 0]
        if short[index].is_impossible:
            examples.append(rng.choice(found))
            continue
        if positive:
            examples.append(rng.choice(positive))
        if negative and rng.random() < settings.window_negative_rate:
            examples.append(rng.choice(negative))

    # The question against another paragraph of its article, unless that paragraph
    # happens to hold the answer's text too.
    others, other_contexts = [], []
    for q in short:
        if q.is_impossible or rng.random() >= settings.other_paragraph_rate:
            continue
        candidates = [p for p in by_article[q.title] if p != q.context and q.answers[0][0] not in p]
        if candidates:
            others.append(q)
            other_contexts.append(rng.choice(candidates))
    for _, found in windows(tokenizer, others, other_contexts, settings, [None] * len(others)):
        examples.append(rng.choice(found))
    examples += hard_negatives(tokenizer, short, by_article, settings, rng)
    if settings.no_punctuation_rate:  # drawn only when used, so that earlier runs draw as before
        informal = [q for q in (without_punctuation(q) for q in short if not q.is_impossible
                                and rng.random() < settings.no_punctuation_rate) if q is not None]
        for _, found in windows(tokenizer, informal, [q.context for q in informal], settings,
                                    [answer_chars(q) for q in informal]):
            examples.append(rng.choice([w for w in found if w.start > 0] or found))
    return examples


def hard_negatives(tokenizer, questions: Sequence[SquadQuestion], by_article: dict[str, list[str]],
                   settings: TrainSettings, rng: random.Random) -> list[TrainExample]:
    """Unanswerable examples that look answerable: the question against its paragraph without
    the answer's sentence, and the question with a name, number or noun swapped, read against
    the window where the real answer is (so the distractor is in view)."""
    cut_questions, cut_contexts, swapped, swapped_answers = [], [], [], []
    for q in questions:
        if q.is_impossible:
            continue
        if rng.random() < settings.sentence_negative_rate:
            context = without_answer_sentence(q.context, q.answers)
            if context is not None:
                cut_questions.append(q)
                cut_contexts.append(context)
        if rng.random() < settings.swap_negative_rate:
            question = swap_entity(q.question, q.context, by_article[q.title], rng)
            if question is not None:
                swapped.append(replace(q, question=question))
                swapped_answers.append(answer_chars(q))
        # asked only when used, so that runs without it draw the same examples as before it existed
        if settings.noun_swap_negative_rate and rng.random() < settings.noun_swap_negative_rate:
            question = swap_noun(q.question, q.context, by_article[q.title], rng)
            if question is not None:
                swapped.append(replace(q, question=question))
                swapped_answers.append(answer_chars(q))
    examples = [rng.choice(found) for _, found in
                windows(tokenizer, cut_questions, cut_contexts, settings, [None] * len(cut_questions))]
    for _, found in windows(tokenizer, swapped, [q.context for q in swapped], settings, swapped_answers):
        chosen = rng.choice([w for w in found if w.start > 0] or found)
        examples.append(TrainExample(chosen.input_ids, chosen.token_type_ids, 0, 0))
    return examples


def batches(examples: Sequence[TrainExample], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """Batches of example indices for one epoch: shuffled, then sorted by length within
    groups of 50 batches so that little of a batch is padding, then the batches shuffled."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(examples)))
    rng.shuffle(order)
    group = batch_size * 50
    result = []
    for lo in range(0, len(order), group):
        part = sorted(order[lo:lo + group], key=lambda i: len(examples[i].input_ids))
        result.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(result)
    return result


def collate(examples: Sequence[TrainExample], pad_id: int):
    import torch

    length = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), length), pad_id, dtype=torch.long)
    types = torch.zeros((len(examples), length), dtype=torch.long)
    mask = torch.zeros((len(examples), length), dtype=torch.long)
    for row, e in enumerate(examples):
        n = len(e.input_ids)
        ids[row, :n] = torch.from_numpy(e.input_ids.astype(np.int64))
        types[row, :n] = torch.from_numpy(e.token_type_ids.astype(np.int64))
        mask[row, :n] = 1
    starts = torch.tensor([e.start for e in examples])
    ends = torch.tensor([e.end for e in examples])
    return ids, types, mask, starts, ends


# ---------------------------------------------------------------- model and loss

def span_loss(start_logits, end_logits, token_type_ids, attention_mask, starts, ends):
    """Cross-entropy of the gold start and end over the positions an answer may take: the
    context tokens and [CLS] (no answer)."""
    import torch

    allowed = (token_type_ids == 1) & (attention_mask == 1)
    allowed[:, 0] = True
    fill = torch.finfo(start_logits.dtype).min
    start_logits = start_logits.masked_fill(~allowed, fill)
    end_logits = end_logits.masked_fill(~allowed, fill)
    ce = torch.nn.functional.cross_entropy
    return (ce(start_logits, starts) + ce(end_logits, ends)) / 2


def load_start_model(settings: TrainSettings):
    """(model, tokenizer): the reader folder given by --init, or the base encoder with a new span head."""
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    if settings.init is not None:
        from qa.readers.model_folder import load_qa_model

        return load_qa_model(str(settings.init))
    path = resolve_model_path(settings.base)
    local = Path(path).exists()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local)
    # float32 whatever the file holds (a base carried in float16 to a GPU machine, say)
    model = AutoModelForQuestionAnswering.from_pretrained(path, local_files_only=local, dtype=torch.float32)
    return model, tokenizer


def uses_bfloat16(precision: str, device: str) -> bool:
    """Whether the forward pass runs in bfloat16: asked for, or "auto" on a device with
    bfloat16 units (a GPU that supports it, a CPU with AMX or AVX-512 BF16)."""
    import torch

    if precision != "auto":
        return precision == "bfloat16"
    if torch.device(device).type == "cuda":
        return torch.cuda.is_bf16_supported()
    # private helpers of torch.cpu (present in the pinned torch); a torch without them says no
    has = [getattr(torch.cpu, name, lambda: False)() for name in ("_is_amx_tile_supported",
                                                                  "_is_avx512_bf16_supported")]
    return torch.device(device).type == "cpu" and any(has)


def learning_rate(settings: TrainSettings, seen: int) -> float:
    if seen < settings.warmup_examples:
        return settings.learning_rate * (seen + 1) / settings.warmup_examples
    remaining = max(0.0, 1 - (seen - settings.warmup_examples) / max(1, settings.total_examples - settings.warmup_examples))
    return settings.learning_rate * remaining


def evaluate(model, tokenizer, samples: dict[str, list[SquadQuestion]]) -> dict[str, dict[str, float]]:
    """SQuAD metrics on each named sample, read by the app's own reader code."""
    from qa.readers.transformer import TransformerReader

    reader = TransformerReader.from_loaded(model, tokenizer, threshold=0.0)
    model.eval()
    results = {name: squad_metrics(predict_squad(questions, reader)) for name, questions in samples.items()}
    model.train()
    return results


def selection_score(metrics: dict[str, dict[str, float]]) -> float:
    """What "better" means when choosing weights: the mean F1 over the evaluation samples."""
    return sum(m["f1"] for m in metrics.values()) / len(metrics)


# ---------------------------------------------------------------- the run

def train(settings: TrainSettings, command: str = "") -> dict:
    import torch
    from tqdm import tqdm

    from qa.readers.model_folder import save_reader_folder

    if settings.precision not in PRECISIONS:
        raise UserError(f"precision {settings.precision!r}: choose one of {', '.join(PRECISIONS)}")
    bfloat16 = uses_bfloat16(settings.precision, settings.device)

    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    if settings.threads:
        torch.set_num_threads(settings.threads)

    data = Path(settings.data)
    train_questions = read_squad(data / TRAIN_FILE)
    dev2 = read_squad(data / DEV2_FILE)
    parts = article_splits(q.title for q in dev2)
    train_questions += [q for q in dev2 if parts[q.title] == "train"]
    if settings.limit_questions:
        train_questions = random.Random(settings.seed).sample(train_questions, min(settings.limit_questions,
                                                                                   len(train_questions)))
    samples = evaluation_samples(data, parts, dev2, settings)

    model, tokenizer = load_start_model(settings)
    model.get_input_embeddings().weight.requires_grad_(False)
    model.to(settings.device)
    model.train()
    examples = build_examples(tokenizer, train_questions, settings, random.Random(settings.seed))
    print(f"{len(examples):,} training examples from {len(train_questions):,} questions "
          f"({sum(e.start == 0 for e in examples):,} without an answer); forward pass in "
          f"{'bfloat16' if bfloat16 else 'float32'}", file=sys.stderr)

    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": settings.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=settings.learning_rate)

    state = {"seen": 0, "epoch": 0, "batch": 0, "steps": 0, "best": None, "history": []}
    checkpoint_path = Path(settings.checkpoint_dir) / CHECKPOINT
    if checkpoint_path.is_file():
        saved = torch.load(checkpoint_path, map_location=settings.device, weights_only=False)
        check_resumable(saved.get("settings", {}), settings, checkpoint_path)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        state = saved["state"]
        torch.set_rng_state(saved["torch_rng"])
        print(f"resumed from {checkpoint_path} at {state['seen']:,} examples", file=sys.stderr)

    def save_checkpoint() -> None:
        checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = checkpoint_path.with_suffix(".tmp")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state,
                    "torch_rng": torch.get_rng_state(), "settings": _jsonable(asdict(settings))}, tmp)
        tmp.replace(checkpoint_path)

    def evaluate_and_keep() -> None:
        metrics = evaluate(model, tokenizer, samples)
        score = selection_score(metrics)
        state["history"].append({"seen": state["seen"], "score": score, **metrics})
        line = ", ".join(f"{name} EM {m['exact_match']:.3f} F1 {m['f1']:.3f}" for name, m in metrics.items())
        improved = state["best"] is None or score > state["best"]["score"]
        print(f"\n[{state['seen']:,} examples] {line}{' (best so far: saved)' if improved else ''}", file=sys.stderr)
        if improved:
            state["best"] = {"seen": state["seen"], "steps": state["steps"], "score": score, "metrics": metrics}
            save_reader_folder(model, tokenizer, settings.out, settings.base,
                               {"training": {"command": command, "examples_seen": state["seen"],
                                             "steps": state["steps"], "settings": _jsonable(asdict(settings))},
                                "validation": metrics})

    progress = tqdm(total=settings.total_examples, initial=state["seen"], unit="ex", dynamic_ncols=True,
                    mininterval=1 if sys.stderr.isatty() else 30)
    smoothed, started, seen_at_start = None, time.perf_counter(), state["seen"]
    next_checkpoint = state["seen"] + settings.checkpoint_every
    next_eval = (state["seen"] // settings.eval_every + 1) * settings.eval_every
    while state["seen"] < settings.total_examples:
        plan = batches(examples, settings.batch_size, settings.seed, state["epoch"])
        while state["batch"] < len(plan) and state["seen"] < settings.total_examples:
            ids, types, mask, starts, ends = (t.to(settings.device) for t in
                                              collate([examples[i] for i in plan[state["batch"]]],
                                                      tokenizer.pad_token_id))
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(settings, state["seen"])
            with torch.autocast(device_type=torch.device(settings.device).type, dtype=torch.bfloat16,
                                enabled=bfloat16):
                out = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
            loss = span_loss(out.start_logits.float(), out.end_logits.float(), types, mask, starts, ends)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            state["batch"] += 1
            state["steps"] += 1
            state["seen"] += len(starts)
            smoothed = loss.item() if smoothed is None else 0.98 * smoothed + 0.02 * loss.item()
            rate = (state["seen"] - seen_at_start) / (time.perf_counter() - started)
            progress.update(len(starts))
            progress.set_postfix(loss=f"{smoothed:.3f}", ex_s=f"{rate:.1f}", refresh=False)
            if state["seen"] >= next_checkpoint:
                save_checkpoint()
                next_checkpoint += settings.checkpoint_every
            if state["seen"] >= next_eval:
                evaluate_and_keep()
                save_checkpoint()
                next_eval += settings.eval_every
        if state["batch"] >= len(plan):
            state["epoch"] += 1
            state["batch"] = 0
    progress.close()
    if not state["history"] or state["history"][-1]["seen"] != state["seen"]:
        evaluate_and_keep()
    save_checkpoint()
    return state


def evaluation_samples(data: Path, parts: dict[str, str], dev2: list[SquadQuestion],
                       settings: TrainSettings) -> dict[str, list[SquadQuestion]]:
    """Fixed samples to choose weights by: SQuAD 2.0 dev's calibration articles, and SQuAD
    1.1 dev (answerable). The held-out articles are never looked at here."""
    rng = random.Random(settings.seed)
    calibration = [q for q in dev2 if parts[q.title] == "calibration"]
    dev1 = read_squad(data / DEV1_FILE)
    n = settings.eval_questions
    return {"dev2-calibration": rng.sample(calibration, min(n, len(calibration))),
            "dev1": rng.sample(dev1, min(n, len(dev1)))}


def check_resumable(saved: dict, settings: TrainSettings, checkpoint: Path) -> None:
    """Refuse to continue a checkpoint whose run had other settings (another learning rate,
    schedule, seed, data or negatives): its optimizer state and position belong to that run.
    A setting the checkpoint does not record had its default then."""
    defaults = _jsonable(asdict(TrainSettings(data=Path("."), out=Path("."))))
    now = _jsonable(asdict(settings))
    differ = [f"{key} {saved.get(key, defaults[key])!r} -> {value!r}" for key, value in now.items()
              if key not in RESUMABLE_CHANGES and saved.get(key, defaults[key]) != value]
    if differ:
        raise ResumeMismatchError(
            f"{checkpoint} was written by a run with other settings ({'; '.join(differ)}): run it with the "
            "same settings to resume, or give another --checkpoint-dir to start a new run")


def _jsonable(values: dict) -> dict:
    return {k: str(v) if isinstance(v, Path) else v for k, v in values.items()}


def build_parser(add_help: bool = True, required: bool = True) -> argparse.ArgumentParser:
    """The training options; training/gpu_job.py takes the same (add_help, required off)."""
    defaults = TrainSettings(data=Path("."), out=Path("."))
    parser = argparse.ArgumentParser(prog="python -m training.train_reader", description=__doc__.splitlines()[0],
                                     add_help=add_help)
    parser.add_argument("--data", type=Path, required=required,
                        help=f"folder with {TRAIN_FILE}, {DEV2_FILE}, {DEV1_FILE}")
    parser.add_argument("--out", type=Path, required=required, help="reader folder to write (best weights so far)")
    parser.add_argument("--checkpoint-dir", type=Path, default=defaults.checkpoint_dir,
                        help=f"where to checkpoint and resume from (default: {defaults.checkpoint_dir})")
    parser.add_argument("--init", type=Path, help="start from this reader folder (e.g. models/reader) to train on")
    parser.add_argument("--base", default=defaults.base, help=f"encoder to start from (default: {defaults.base})")
    for name in ("max_length", "stride", "batch_size", "warmup_examples", "total_examples", "eval_every",
                 "eval_questions", "checkpoint_every", "seed", "threads", "limit_questions"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    for name in ("learning_rate", "other_paragraph_rate", "window_negative_rate", "sentence_negative_rate",
                 "swap_negative_rate", "noun_swap_negative_rate", "no_punctuation_rate"):
        parser.add_argument("--" + name.replace("_", "-"), type=float, default=getattr(defaults, name))
    parser.add_argument("--device", default=defaults.device, help="torch device, e.g. cpu or cuda")
    parser.add_argument("--precision", choices=PRECISIONS, default=defaults.precision,
                        help="bfloat16 runs the forward pass under autocast (fast on CPUs with AMX and on GPUs); "
                             "auto picks it where the device has bfloat16 units; may change when a run resumes "
                             "(default: %(default)s)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = vars(build_parser().parse_args(argv))
    settings = TrainSettings(**args)
    try:
        state = train(settings, command="python -m training.train_reader " + shlex.join(argv))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"examples_seen": state["seen"], "best": state["best"]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
