"""All benchmarks, one report: python -m benchmarks [--quick] [--runs 3] [--out benchmarks/RESULTS.md]

Measures, on this machine, with the median of `--runs` runs where a figure is a duration:
index build throughput against raw SentenceTransformer.encode on the same chunks; incremental
re-index of 1% of a synthetic collection against a full build; retrieval latency at 500
articles; `ask` end to end; the reader on the top 5 passages; cold start and peak memory of
`qa ask` and of the running app; search at 10k, 100k and 1M passages (table and plot); and
Milvus Lite against FAISS, and the Ray build against one process (benchmarks/stores.py).
Haystack and txtai do the same work in their own virtual environment when it exists
(`bash benchmarks/peers-venv.sh` makes it in .bench-venv; `--peers-python` points elsewhere),
and each comparison is a ratio of figures from this one run.
--quick: smaller collections and scale sizes, one run each (minutes, for trying it out)."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.synthetic import write_synthetic_articles  # noqa: E402
from benchmarks.timing import per_call_ms, seconds  # noqa: E402
from eval.metrics import percentile  # noqa: E402
from eval.questions import load_questions  # noqa: E402
from qa.config import BUNDLED_ARTICLES  # noqa: E402

PEERS_PYTHON = REPO / ".bench-venv" / "bin" / "python"
QUESTIONS = REPO / "eval" / "questions.jsonl"
SEED = 0
QUALITY_SETS = ["bundled", "general", "town", "events", "final", "holdout", "blind", "fresh", "sealed"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    import faiss
    import onnxruntime
    import torch

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as info:
        cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "memory_gb": round(memory_gb, 1),
            "python": platform.python_version(), "torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
            "faiss": faiss.__version__, "date": time.strftime("%Y-%m-%d")}


def p50_p95(values: list[float]) -> dict:
    return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2)}


# A child's peak RSS starts at its parent's RSS when it is forked (and survives exec), so the
# measured command is started by a small launcher process, not by this large one.
_LAUNCHER = """import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - started
sys.stdout.buffer.write(done.stdout)
sys.stderr.write(f"{wall} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
sys.exit(done.returncode)"""


def run_child(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds from process start to exit, peak RSS in MB, stdout) of a child process."""
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *command], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}")
    wall, peak_kb = done.stderr.strip().splitlines()[-1].split()
    return float(wall), int(peak_kb) / 1024, done.stdout


# ---------------------------------------------------------------- sections

def index_build(collections: dict[str, Path], runs: int, work: Path) -> tuple[dict, dict[str, list[str]]]:
    """Chunks per second of a full build, per backend, and of raw encode on the same chunks."""
    from index.loaders import load_documents
    from index.opener import make_embedder
    from index.stores.faiss_store import FaissStore
    from index.stores.faiss_writer import FaissWriter
    from index.torch_embedder import SentenceTransformerEmbedder

    raw = SentenceTransformerEmbedder()
    raw.warm_up()
    backends = {"torch": raw, "onnx-int8": make_embedder(backend="onnx-int8")}
    backends["onnx-int8"].warm_up()
    results, chunk_texts = {}, {}
    for name, folder in collections.items():
        documents = load_documents([folder], warn=lambda _: None)
        row: dict = {}
        for backend, embedder in backends.items():
            folder = work / f"{name}-{backend}"
            row[backend] = statistics.median(
                seconds(lambda: FaissWriter(folder, embedder).update(documents, rebuild=True)) for _ in range(runs))
        texts = chunk_texts[name] = [chunk.text for chunk in FaissStore.load(folder).chunks]
        row["raw_encode"] = statistics.median(
            seconds(lambda: raw.model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True))
            for _ in range(runs))
        row["chunks"] = len(texts)
        row["articles"] = len(documents)
        results[name] = row
        log(f"index build {name}: {row}")
    return results, chunk_texts


def incremental(articles: int, work: Path) -> dict:
    """A full build of `articles` synthetic articles, then 1% of them changed and re-indexed."""
    from index.indexer import index_paths
    from qa.config import Config

    folder = work / f"synthetic-{articles}"
    paths = write_synthetic_articles(folder, articles, SEED)
    config = Config(index_dir=work / f"index-{articles}")
    reports = []
    full = seconds(lambda: reports.append(index_paths(config.index_spec, [folder])[1]))
    unchanged = seconds(lambda: index_paths(config.index_spec, [folder]))
    for path in paths[:: 100][: max(1, articles // 100)]:
        path.write_text(path.read_text(encoding="utf-8") + "\nThe report was updated on Friday.\n", encoding="utf-8")
    one_percent = seconds(lambda: reports.append(index_paths(config.index_spec, [folder])[1]))
    report, changed = reports
    result = {"articles": articles, "chunks": report.total_chunks, "full_s": round(full, 1),
              "unchanged_s": round(unchanged, 2), "one_percent_s": round(one_percent, 2),
              "changed_articles": len(changed.changed), "embedded_chunks": changed.embedded_chunks,
              "speedup": round(full / one_percent, 1)}
    log(f"incremental: {result}")
    return result


def retrieval(index_dir: Path, queries: list[str], rounds: int) -> dict:
    from index.opener import open_index
    from qa.config import Config
    from qa.retrieval import make_retriever

    opened = open_index(Config(index_dir=index_dir).index_spec)
    collection, embedder = opened.store, opened.embedder
    result = {}
    for mode in ("hybrid", "dense", "lexical"):
        retriever = make_retriever(mode, collection, embedder)
        result[mode] = p50_p95(per_call_ms(lambda q: retriever.retrieve(q, 5), queries * rounds))
    log(f"retrieval: {result}")
    return result


def reader_cases(index_dir: Path, questions: list[str]) -> tuple[list[dict], object]:
    """Each question with the texts of its top 5 passages (hybrid retrieval), and those passages."""
    from qa.config import Config
    from qa.pipeline import QAPipeline

    pipeline = QAPipeline.open(Config(index_dir=index_dir))
    pipeline.warm_up()
    cases = [(q, pipeline.search(q, 5)) for q in questions]
    return [{"question": q, "passages": [p.chunk.text for p in passages]} for q, passages in cases], \
        (pipeline.reader, cases)


def our_reader_ms(reader, cases, rounds: int) -> dict:
    return p50_p95(per_call_ms(lambda case: reader.read(case[0], case[1], 3), cases * rounds))


def ask_end_to_end(rounds: int) -> dict:
    _, _, out = run_child([sys.executable, "benchmarks/ask_latency.py", "--json", "--rounds", str(rounds)])
    result = json.loads(out)
    log(f"ask: {result}")
    return result


def cold_start(index_dir: Path, question: str, runs: int) -> dict:
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak, _ = run_child([sys.executable, "-m", "qa", "ask", question, "--index-dir", str(index_dir)])
        walls.append(wall)
        peaks.append(peak)
    result = {"wall_s": round(statistics.median(walls), 2), "runs_s": [round(w, 2) for w in walls],
              "peak_rss_mb": round(max(peaks))}
    log(f"cold start: {result}")
    return result


def app_memory(index_dir: Path, questions: list[str]) -> dict:
    from gradio_client import Client

    from benchmarks.serve_load import free_port, start_server, timed_ask

    port = free_port()
    process, first_page = start_server(index_dir, port)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        errors = [error for _, error in (timed_ask(client, q) for q in questions) if error]
        status = Path(f"/proc/{process.pid}/status").read_text()
        peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    finally:
        process.terminate()
        process.wait(30)
    result = {"first_page_s": round(first_page, 2), "questions": len(questions), "errors": len(errors),
              "peak_rss_mb": round(peak / 1024)}
    log(f"app: {result}")
    return result


def embedder_quality(sets: list[str]) -> dict:
    """Retrieval recall@5 and end-to-end exact match of each backend on the question sets."""
    result = {}
    for name in sets:
        if name == "bundled":
            questions, corpus = QUESTIONS, BUNDLED_ARTICLES
        else:
            folder = REPO / "eval" / "corpora" / name
            questions, corpus = folder / "questions.jsonl", folder / "articles"
        row = {}
        for backend in ("torch", "onnx-int8"):
            _, _, out = run_child([sys.executable, "-m", "qa", "eval", "--json", "--questions", str(questions),
                                   "--corpus", str(corpus), "--embedder-backend", backend])
            metrics = json.loads(out)["metrics"]
            row[backend] = {"recall_at_5": metrics["recall_at_5"], "exact_match": metrics["exact_match"]}
        result[name] = row
    log(f"embedder quality: {result}")
    return result


def scale(sizes: list[int], out_dir: Path) -> dict:
    _, _, out = run_child([sys.executable, "benchmarks/scale.py", "--json", "--sizes", *map(str, sizes)])
    result = json.loads(out)
    plot_scaling(result, out_dir / "scaling.png")
    log("scale: done")
    return result


def stores(quick: bool) -> dict:
    """Milvus Lite against FAISS, and the Ray build (benchmarks/stores.py)."""
    command = [sys.executable, "benchmarks/stores.py", "--json"]
    if quick:
        command += ["--sets", *QUALITY_SETS[:1], "--sizes", "10000", "--ray-articles", "100"]
    _, _, out = run_child(command)
    log("stores: done")
    return json.loads(out)


def plot_scaling(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from index.dense import EXACT_UP_TO

    sizes = sorted(int(s) for s in result["sizes"])
    rows = {size: {row["index"]: row for row in result["sizes"][str(size)] if "index" in row} for size in sizes}

    def auto_choice(size: int) -> dict | None:
        return rows[size].get("exact (Flat)" if size <= EXACT_UP_TO else "IVF,SQ8 nprobe=128")

    series = {"auto (what --faiss-factory auto picks)": [auto_choice(size) for size in sizes]}
    for name in ("exact (Flat)", "HNSW32 efSearch=512", "BM25 (bm25s)"):
        series[name] = [rows[size].get(name) for size in sizes]
    figure, (latency, memory) = plt.subplots(1, 2, figsize=(10, 4))
    for name, points in series.items():
        if all(points):
            style = {"linewidth": 3} if name.startswith("auto") else {"linestyle": "--"}
            latency.plot(sizes, [p["search_p50_ms"] for p in points], marker="o", label=name, **style)
            memory.plot(sizes, [p["memory_mb"] for p in points], marker="o", label=name, **style)
    for axis, label in ((latency, "search p50 (ms)"), (memory, "index memory (MB)")):
        axis.set(xscale="log", yscale="log", xlabel="passages", ylabel=label)
        axis.grid(True, which="both", alpha=0.3)
    latency.legend(fontsize=7)
    figure.suptitle("Search at 10k to 1M passages, one query at a time, 2 cores")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def peers(peers_python: Path, job: dict, work: Path) -> dict:
    if not peers_python.exists():
        return {"skipped": f"{peers_python} not found; make it with: bash benchmarks/peers-venv.sh"}
    job_file, out_file = work / "peers-job.json", work / "peers-out.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    subprocess.run([str(peers_python), str(REPO / "benchmarks" / "peers.py"), str(job_file), str(out_file)],
                   cwd=work, check=True)
    result = json.loads(out_file.read_text(encoding="utf-8"))
    log(f"peers: { {k: v.get('error', 'ok') for k, v in result.items()} }")
    return result


# ---------------------------------------------------------------- the run

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small collections, one run (for trying it out)")
    parser.add_argument("--runs", type=int, default=3, help="runs per timed figure; the median is reported")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    parser.add_argument("--peers-python", type=Path, default=PEERS_PYTHON)
    parser.add_argument("--incremental-articles", type=int, default=10_000)
    parser.add_argument("--scale-sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--json", type=Path, help="also write every figure as JSON here")
    parser.add_argument("--report-only", type=Path, metavar="JSON",
                        help="measure nothing: write RESULTS.md and the plot again from a run's --json file")
    args = parser.parse_args()
    if args.report_only:
        from benchmarks.report import write_results

        results = json.loads(args.report_only.read_text(encoding="utf-8"))
        plot_scaling(results["scale"], args.out.parent / "scaling.png")
        write_results(results, args.out)
        return 0
    from qa.config import quiet_libraries

    quiet_libraries()
    if args.quick:
        args.runs, args.incremental_articles, args.scale_sizes = 1, 500, [10_000, 100_000]
    questions = [q.question for q in load_questions(QUESTIONS)]
    results: dict = {"machine": machine(), "runs": args.runs, "quick": args.quick}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(BUNDLED_ARTICLES, work / "bundled")
        write_synthetic_articles(work / "synthetic-500", 500, SEED)
        collections = {"bundled": work / "bundled", "synthetic-500": work / "synthetic-500"}
        results["index_build"], chunk_texts = index_build(collections, args.runs, work)
        results["incremental"] = incremental(args.incremental_articles, work)
        results["retrieval_500"] = retrieval(work / "synthetic-500-onnx-int8", questions, args.runs)
        cases, (reader, our_cases) = reader_cases(work / "bundled-onnx-int8", questions)
        results["reader_ms"] = our_reader_ms(reader, our_cases, args.runs)
        results["reader_name"] = reader.name
        del reader, our_cases
        results["ask"] = ask_end_to_end(args.runs)
        results["cold_start"] = cold_start(work / "bundled-onnx-int8", questions[0], args.runs)
        results["app"] = app_memory(work / "bundled-onnx-int8", questions[:10])
        full_reader = work / "reader-full"
        from qa.config import SHIPPED_READER
        from qa.readers.model_folder import export_full_folder

        export_full_folder(SHIPPED_READER, full_reader)
        settings = json.loads((SHIPPED_READER / "reader.json").read_text())["inference"]
        from index.embedder import DEFAULT_EMBEDDER, resolve_model_path

        job = {"embedder": resolve_model_path(DEFAULT_EMBEDDER), "reader": str(full_reader), "runs": args.runs,
               "collections": chunk_texts, "search_collection": "synthetic-500", "queries": questions * args.runs,
               "reader_cases": cases * args.runs, "reader_max_length": settings["max_length"],
               "reader_stride": settings["stride"]}
        results["peers"] = peers(args.peers_python, job, work)
        results["embedder_quality"] = embedder_quality(QUALITY_SETS[:1] if args.quick else QUALITY_SETS)
        results["scale"] = scale(args.scale_sizes, args.out.parent)
        results["stores"] = stores(args.quick)
    results["wall_s"] = round(time.perf_counter() - started)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    from benchmarks.report import write_results

    write_results(results, args.out)
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
