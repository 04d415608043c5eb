"""python -m qa: index, search, ask, eval, verify, serve. Parses the command line and dispatches to
the layer that does the work; a user's mistake is one line and exit code 2."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from index.embedder import RAY_LOCAL
from index.errors import IndexNotFoundError, UserError
from index.filters import ArticleFilter
from qa.config import BUNDLED_ARTICLES, Config, quiet_libraries
from qa.retrieval import RETRIEVAL_MODES

EXIT_USAGE = 2
_BESIDE_THE_SET = Path("\0beside the set")  # --save-baseline without FILE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qa", description="Ask questions about a collection of news articles.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    _setting(common, "index_dir", type=Path, default=".qa-index in the repository")
    _setting(common, "embedder", default="bundled all-MiniLM-L6-v2")
    _setting(common, "embedder_backend")
    _setting(common, "store", metavar="STORE")
    common.add_argument("--json", action="store_true", help="print one JSON object")

    asking = argparse.ArgumentParser(add_help=False)
    _setting(asking, "retrieval")
    _setting(asking, "top_k", type=int)
    _setting(asking, "reader", default=None)
    _setting(asking, "qa_model", default=None)
    _setting(asking, "answer_margin", type=float, metavar="M", default=None)

    narrowing = argparse.ArgumentParser(add_help=False)
    narrowing.add_argument("--since", metavar="DATE", help="only articles dated on or after DATE (YYYY-MM-DD); "
                                                            "an article without a date is left out")
    narrowing.add_argument("--until", metavar="DATE", help="only articles dated on or before DATE (YYYY-MM-DD)")
    narrowing.add_argument("--source", metavar="NAME", help="only articles from this source (any case)")

    building = argparse.ArgumentParser(add_help=False)
    _setting(building, "chunk_tokens", type=int)
    _setting(building, "chunk_overlap", type=int)
    _setting(building, "faiss_factory")

    index = commands.add_parser("index", parents=[common, building], help="index articles (incremental)",
                                description="Index the articles under PATH... Unchanged articles are not "
                                            "re-embedded; articles no longer there are dropped unless --add.")
    index.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (.txt .md .html .pdf .jsonl)")
    index.add_argument("--add", action="store_true", help="add or update these articles, keep all others")
    index.add_argument("--rebuild", action="store_true", help="ignore the existing index (e.g. to change embedder)")
    index.add_argument("--ray", nargs="?", const=RAY_LOCAL, metavar="ADDRESS",
                       help="embed with Ray Data: on the Ray cluster at ADDRESS (HOST:PORT, ray://HOST:10001 or "
                            "auto), or without one on a local cluster of --ray-workers workers")
    index.add_argument("--ray-workers", type=int, default=2, metavar="N",
                       help="with --ray: embedding workers (default: 2)")
    index.add_argument("--no-wait", action="store_true",
                       help="fail at once if another indexing run is writing to the same folder (default: wait)")

    search = commands.add_parser("search", parents=[common, asking, narrowing], help="find the passages for a query")
    search.add_argument("query")

    ask = commands.add_parser("ask", parents=[common, asking, narrowing], help="answer a question, with citations")
    ask.add_argument("question")
    _setting(ask, "max_answers", type=int)
    _add_no_correct(ask)

    evaluate = commands.add_parser("eval", parents=[common, asking, building], help="score a question set")
    evaluate.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"),
                          help="JSON Lines question file (default: eval/questions.jsonl), or 'collection': the "
                               "questions marked in the page, on the collection they were marked on")
    evaluate.add_argument("--corpus", type=Path, help="evaluate on this folder of articles, indexed into its own cache")
    evaluate.add_argument("--report", type=Path, metavar="DIR", help="write report.md, report.html and plots into DIR")
    evaluate.add_argument("--save-baseline", type=Path, metavar="FILE", nargs="?", const=_BESIDE_THE_SET,
                          help="save metrics and per-question results (with --questions collection, FILE may be "
                               "left out: the baseline is kept beside the set, where `qa gate` reads it)")
    evaluate.add_argument("--baseline", type=Path, metavar="FILE",
                          help="compare with a saved baseline; exit 1 on a regression")
    evaluate.add_argument("--tolerance", type=float, default=None,
                          help="largest allowed drop of a quality metric (default: 0.02)")
    evaluate.add_argument("--allow-regressions", action="store_true",
                          help="report regressions against --baseline but exit 0")
    evaluate.add_argument("--compare", action="store_true",
                          help="evaluate every retrieval mode with the configured reader, as one table")
    _add_no_correct(evaluate)
    evaluate.add_argument("--squad", type=Path, metavar="FILE",
                          help="score the reader on a SQuAD file (.json or .json.gz), each question against "
                               "its own paragraph, instead of a question set")
    evaluate.add_argument("--squad-split", default="all", choices=("all", "train", "calibration", "heldout"),
                          help="with --squad: only these articles of the file (the reader's training split; "
                               "default: all)")
    evaluate.add_argument("--limit", type=int, metavar="N",
                          help="with --squad: the first N questions of a fixed shuffle")
    gate = commands.add_parser("gate", parents=[common, asking],
                               help="score the collection's marked questions against their baseline; exit 1 on a "
                                    "regression",
                               description="Evaluate the questions marked in the page on the collection and compare "
                                           "with the baseline saved by `qa eval --questions collection "
                                           "--save-baseline`: exit 1 when a quality metric drops by more than the "
                                           "tolerance or a question that was right is now wrong, listing them.")
    gate.add_argument("--tolerance", type=float, default=None,
                      help="largest allowed drop of a quality metric (default: 0.02)")
    questions = commands.add_parser("questions", parents=[common],
                                    help="list, export or import the collection's marked questions",
                                    description="The questions marked Right or Wrong in the page, kept with the "
                                                "collection. export and import use the JSON Lines that "
                                                "`qa eval --questions` reads.")
    questions.add_argument("action", choices=("list", "export", "import"))
    questions.add_argument("file", nargs="?", type=Path, metavar="FILE", help="for export and import")
    commands.add_parser("verify", parents=[common], help="check every byte of the index against its checksums",
                        description="Read the whole index and check it against the checksums written with it "
                                    "(opening checks only what is cheap). Exit 1 when it is damaged.")
    serve = commands.add_parser("serve", parents=[common, asking], help="start the web app")
    _add_no_correct(serve)
    _setting(serve, "host")
    _setting(serve, "port", type=int)
    _setting(serve, "max_upload")
    _setting(serve, "allowed_hosts", metavar="HOSTS", default=None)
    return parser


def _setting(parser: argparse.ArgumentParser, name: str, default: object = "", **options) -> None:
    """--NAME for the setting `name`, described as in qa.config (with its default unless
    `default` says otherwise: None leaves it out). Unset, it leaves the setting as configured."""
    field = Config.model_fields[name]
    shown = field.default if default == "" else default
    choices = getattr(field.annotation, "__args__", None) if name in ("embedder_backend", "retrieval") else None
    text = field.description + (f" (default: {shown})" if shown is not None else "")
    parser.add_argument(f"--{name.replace('_', '-')}", help=text, choices=choices, **options)


def _add_no_correct(command: argparse.ArgumentParser) -> None:
    command.add_argument("--no-correct", dest="correct_spelling", action="store_false", default=None,
                         help="answer the question exactly as typed (default: misspelt words that are in "
                              "neither the articles nor an English dictionary are corrected first)")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quiet_libraries()
    try:
        config = _config_from(args)
        return COMMANDS[args.command](args, config)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _config_from(args: argparse.Namespace) -> Config:
    """The settings: defaults, then QA_* variables, then the options given."""
    return Config.load(**{name: getattr(args, name, None) for name in Config.model_fields})


def _log(message: str) -> None:
    print(message, file=sys.stderr)


def run_index(args: argparse.Namespace, config: Config) -> int:
    from index.indexer import index_paths

    embedder = None
    if args.ray is not None:
        embedder = _ray_embedder(args, config)
    try:
        _, report = index_paths(config.index_spec, args.paths, add=args.add, rebuild=args.rebuild, log=_log,
                                         embedder=embedder, wait=not args.no_wait,
                                         show_progress=not args.json and sys.stderr.isatty())
    finally:
        if embedder is not None:
            embedder.close()
    if args.json:
        _print_json({
            "index_dir": str(config.index_dir),
            "store": config.store,
            "documents": report.documents,
            "chunks": report.total_chunks,
            "added": report.added, "changed": report.changed,
            "removed": report.removed, "unchanged": report.unchanged,
            "embedded_chunks": report.embedded_chunks,
        })
    else:
        print(f"indexed {report.summary()} in {config.index_spec.location}")
    return 0


def _ray_embedder(args: argparse.Namespace, config: Config):
    """The embedder an index run uses on Ray. `--ray PATH` (a path where an address may stand:
    argparse cannot tell) is indexed too, on a local cluster."""
    from index.opener import embedder_for_writing
    from index.ray_embedder import RayEmbedder, looks_like_address

    address = args.ray
    if not looks_like_address(address):
        args.paths.append(address)
        address = RAY_LOCAL
    inner = embedder_for_writing(config.index_spec, args.rebuild)
    return RayEmbedder(inner, address, args.ray_workers)


def run_search(args: argparse.Namespace, config: Config) -> int:
    from qa.pipeline import require_text
    from qa.render import passages_text
    from qa.schema import search_json

    require_text(args.query, "search")
    filters = ArticleFilter.of(args.since, args.until, args.source)
    pipeline = _open(config, with_reader=False)
    passages = pipeline.search(args.query, filters=filters)
    if args.json:
        print(json.dumps(search_json(args.query, passages), ensure_ascii=False))
    else:
        print(passages_text(passages))
        if filters is not None and not passages:
            _log(f"(only articles {filters.describe()} were searched; an article without a date is left out "
                 "by a date filter)")
    return 0


def run_ask(args: argparse.Namespace, config: Config) -> int:
    from qa.pipeline import require_text
    from qa.render import result_text
    from qa.schema import result_json

    require_text(args.question)
    filters = ArticleFilter.of(args.since, args.until, args.source)
    pipeline = _open(config)
    pipeline.warm_up()
    result = pipeline.ask(args.question, filters=filters)
    print(json.dumps(result_json(result), ensure_ascii=False) if args.json else result_text(result))
    return 0


def run_eval(args: argparse.Namespace, config: Config) -> int:
    from eval.baseline import DEFAULT_TOLERANCE, compare_with_baseline, load_baseline, save_baseline
    from eval.collection import COLLECTION
    from eval.questions import load_questions
    from eval.report import write_report
    from eval.runner import corpus_config, evaluate
    from index.indexer import index_paths
    from qa.pipeline import QAPipeline

    if args.squad is not None:
        return _run_squad(args, config)
    if str(args.questions) == COLLECTION:
        return _run_collection(args, config)
    if args.save_baseline == _BESIDE_THE_SET:
        raise UserError("--save-baseline needs a FILE (only the collection's set keeps its baseline beside it)")
    questions = load_questions(args.questions)
    baseline = load_baseline(args.baseline) if args.baseline else None  # fail before the long run
    if args.corpus is not None:
        config = corpus_config(args.corpus, config)
        index_paths(config.index_spec, [args.corpus], log=_log)
        pipeline = QAPipeline.open(config, log=_log)
    else:
        pipeline = _open(config)
    pipeline.warm_up()
    if args.compare:
        return _run_comparison(args, pipeline, questions)
    run = evaluate(pipeline, questions, progress=None if args.json else _progress_bar())
    output = run.to_json()
    exit_code = 0
    if args.report:
        write_report(run, args.report, title=f"Evaluation of {args.questions}")
        _log(f"report written to {args.report / 'report.html'}")
    if args.save_baseline:
        save_baseline(run, args.save_baseline, _settings(config, args.questions))
        _log(f"baseline saved to {args.save_baseline}")
    if baseline is not None:
        tolerance = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
        diff = compare_with_baseline(run, baseline, tolerance)
        output["baseline"] = diff.to_json()
        if not args.json:
            print(diff.summary())
        if diff.regressed and not args.allow_regressions:
            exit_code = 1
    if args.json:
        _print_json(output)
    else:
        _print_metrics(run.metrics)
    return exit_code


def _run_collection(args: argparse.Namespace, config: Config, gate: bool = False) -> int:
    """`qa eval --questions collection` and `qa gate`: the marked questions on their collection."""
    from eval.baseline import DEFAULT_TOLERANCE, save_baseline
    from eval.collection import COLLECTION, run_collection, since_baseline
    from eval.report import write_report
    from qa.question_set import question_set_of

    question_set = question_set_of(config.store, config.index_dir)
    if gate and not question_set.baseline_path.is_file():
        raise UserError("the collection has no baseline yet; save one with: "
                        "python -m qa eval --questions collection --save-baseline")
    pipeline = _open(config)
    pipeline.warm_up()
    run, notes = run_collection(pipeline, question_set, progress=None if args.json else _progress_bar())
    for note in notes:
        _log(note)
    output = {**run.to_json(), "not_scored": notes}
    if getattr(args, "report", None):
        write_report(run, args.report, title="Evaluation of the collection's marked questions")
        _log(f"report written to {args.report / 'report.html'}")
    if getattr(args, "save_baseline", None):
        path = question_set.baseline_path if args.save_baseline == _BESIDE_THE_SET else args.save_baseline
        save_baseline(run, path, _settings(config, Path(COLLECTION)))
        _log(f"baseline saved to {path}")
    exit_code = 0
    tolerance = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
    diff = since_baseline(run, question_set, tolerance)
    if diff is not None:
        output["baseline"] = diff.to_json()
        if not args.json:
            print(diff.summary())
        if gate and diff.regressed:
            exit_code = 1
    if args.json:
        _print_json(output)
    elif not gate:
        _print_metrics(run.metrics)
    return exit_code


def run_gate(args: argparse.Namespace, config: Config) -> int:
    return _run_collection(args, config, gate=True)


def run_questions(args: argparse.Namespace, config: Config) -> int:
    """list: each marked question, its answer and where it stands; export FILE / import FILE."""
    from qa.question_set import MarkedQuestion, QuestionSetError, checked, question_set_of

    question_set = question_set_of(config.store, config.index_dir)
    if args.action in ("export", "import") and args.file is None:
        raise UserError(f"questions {args.action} needs a FILE")
    if args.action == "import":
        from index.jsonl import parse_json_lines

        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot read {args.file} ({exc.strerror or exc})") from None
        records = []
        for line in parse_json_lines(text):
            try:
                if line.error:
                    raise QuestionSetError(line.error)
                records.append(MarkedQuestion.from_json(line.value))
            except QuestionSetError as exc:
                raise UserError(f"{args.file}:{line.number}: {exc}; nothing was imported") from None
        count = question_set.save_all(records)
        _log(f"imported {count} question(s) into the collection's set ({question_set.path})")
        return 0
    records, problems = question_set.read()
    for problem in problems:
        _log(problem)
    if args.action == "export":
        args.file.write_text("".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in records),
                             encoding="utf-8")
        _log(f"exported {len(records)} question(s) to {args.file}")
        return 0
    documents = _open(config, with_reader=False).store.documents
    listed = [checked(r, documents) for r in records]
    if args.json:
        _print_json({"questions": [{**c.question.to_json(), "status": c.status} for c in listed],
                     "problems": problems})
        return 0
    for c in listed:
        answer = "(not in the articles)" if c.question.answer is None else f"{c.question.answer!r} in {c.question.doc}"
        print(f"{c.question.id}  {c.status:<9}  {c.question.question}  → {answer}")
    if not listed:
        print("no marked questions yet")
    return 0


def _run_squad(args: argparse.Namespace, config: Config) -> int:
    import random

    from eval.squad import predict_squad, read_squad, select_split, squad_metrics
    from qa.pipeline import reader_for

    if args.limit is not None and args.limit < 1:
        raise UserError(f"--limit must be at least 1, got {args.limit}")
    questions = select_split(read_squad(args.squad), args.squad_split)
    if args.limit is not None:
        questions = random.Random(0).sample(questions, min(args.limit, len(questions)))
    reader = reader_for(config, _log)
    reader.warm_up()
    metrics = squad_metrics(predict_squad(questions, reader, progress=None if args.json else _progress_bar()))
    output = {"squad": str(args.squad), "split": args.squad_split, "reader": getattr(reader, "name", ""),
              "metrics": metrics}
    if args.json:
        _print_json(output)
    else:
        _print_metrics(metrics)
    return 0


def _run_comparison(args: argparse.Namespace, pipeline, questions) -> int:
    """Every retrieval mode with the configured reader, as one table."""
    from eval.runner import evaluate

    reader_name = Path(pipeline.config.qa_model or "").name if pipeline.config.reader == "auto" \
        else pipeline.config.reader
    rows = []
    for mode in RETRIEVAL_MODES:
        run = evaluate(pipeline.with_settings(retrieval=mode), questions)
        rows.append({"retrieval": mode, "reader": reader_name, "metrics": run.metrics})
    if args.json:
        _print_json({"compare": rows})
        return 0
    columns = ("exact_match", "f1", "recall_at_1", "recall_at_5", "mrr", "no_answer_accuracy", "latency_ms_p50")
    print(f"{'retrieval':<9} {'reader':<12} " + " ".join(f"{c[:12]:>12}" for c in columns))
    for row in rows:
        print(f"{row['retrieval']:<9} {row['reader'][:12]:<12} " +
              " ".join(f"{row['metrics'][c]:>12.3f}" for c in columns))
    return 0


def _settings(config: Config, questions: Path) -> dict:
    return {"questions": str(questions), "embedder": config.embedder, "retrieval": config.retrieval,
            "reader": config.reader, "top_k": config.top_k, "chunk_tokens": config.chunk_tokens,
            "chunk_overlap": config.chunk_overlap, "faiss_factory": config.faiss_factory,
            **({"answer_margin": config.answer_margin} if config.answer_margin is not None else {})}


def _progress_bar():
    """A progress callback (done, total) that moves a tqdm bar on a terminal, as indexing
    shows; None (no progress) in a log."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        bar = bar or tqdm(total=total, unit="question", file=sys.stderr)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


def _print_metrics(metrics: dict) -> None:
    for key, value in metrics.items():
        print(f"{key:>26}  {value:.3f}" if isinstance(value, float) else f"{key:>26}  {value}")


def _print_json(value: dict) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=None))


def run_verify(args: argparse.Namespace, config: Config) -> int:
    from index.errors import IndexFormatError

    try:
        said = config.index_spec.location.verify()
    except IndexFormatError as exc:
        print(json.dumps({"ok": False, "error": str(exc)}) if args.json else f"damaged: {exc}")
        return 1
    print(json.dumps({"ok": True, "checked": said}) if args.json else f"ok: {said}")
    return 0


def run_serve(args: argparse.Namespace, config: Config) -> int:
    from ui.server import serve, upload_limit_bytes

    upload_limit_bytes(config.max_upload)  # a malformed --max-upload is a user error before anything loads
    build_default_index(config)
    _log(f"starting on http://{config.host}:{config.port}")
    serve(config, log=_log)
    return 0


def _open(config: Config, with_reader: bool = True):
    """The pipeline over the configured index, building the bundled articles' default index
    first when it is not there yet (the first command on a fresh clone)."""
    from qa.pipeline import QAPipeline

    build_default_index(config)
    return QAPipeline.open(config, log=_log, with_reader=with_reader)


def build_default_index(config: Config) -> None:
    """Index the bundled articles into the default index folder when it holds no index; any
    other index must be built with `qa index`."""
    from index.indexer import index_paths
    from index.stores.faiss_store import open_generation

    if not config.is_default_index:
        return
    try:
        open_generation(config.index_dir)
        return
    except IndexNotFoundError:
        pass
    _log(f"building the index of the bundled articles in {config.index_dir} (first use)…")
    _, report = index_paths(config.index_spec, [BUNDLED_ARTICLES], log=_log)
    _log(f"indexed {report.summary()}")


COMMANDS = {"index": run_index, "search": run_search, "ask": run_ask, "eval": run_eval, "verify": run_verify,
            "serve": run_serve, "gate": run_gate, "questions": run_questions}
