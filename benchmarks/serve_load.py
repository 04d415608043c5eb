"""Web-app load benchmark: python benchmarks/serve_load.py [--questions 50] [--upload-kb 600]

Starts `python -m qa serve` in a fresh process over an index of the bundled articles and
measures, through the same HTTP API a browser or gradio_client uses:
- start: seconds from process start to the first page (HTTP 200), and to the first answer;
- single: median latency of questions asked one at a time (the reference);
- sequential against burst: the same `--questions` questions asked one after another, then
  all at once (`--bursts` times): wall time of each, their ratio, errors, p50 and p95 of the
  burst, and the CPU-bound limit of a burst (questions x the server's CPU seconds per
  question, measured in the sequential run, / cores) with the p95 against it. Twice: through
  the page's API with a gradio_client per question, and through the JSON API (/api/v1/ask)
  with one asyncio httpx client; the clients' own CPU seconds are reported, since here they
  share the server's cores;
- memory: the server's peak resident memory after all of that;
- during upload: a headless Chromium (Debian's, as the browser tests) uploads an article of
  `--upload-kb` kB in the Articles tab; once its progress shows, a question is asked, and its
  latency is compared with the single-question latency. Skipped without /usr/bin/chromium.
Prints a table and the machine it ran on (--json: one JSON object)."""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from eval.metrics import percentile  # noqa: E402
from eval.questions import load_questions  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(index_dir: Path, port: int) -> tuple[subprocess.Popen, float]:
    """The server process and the seconds until it served its first page."""
    import httpx

    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--index-dir", str(index_dir),
                                "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    while True:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)


def timed_ask(client, question: str) -> tuple[float, str | None]:
    """(seconds, error or None) of one /ask call."""
    started = time.perf_counter()
    try:
        client.predict(question, 5, "hybrid", "auto", api_name="/ask")
        return time.perf_counter() - started, None
    except Exception as exc:  # counted, not raised: the benchmark reports errors
        return time.perf_counter() - started, f"{type(exc).__name__}: {exc}"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def concurrent_asks(clients: list, questions: list[str]) -> tuple[list[float], list[str], float]:
    """All questions sent at once, each from its own client (as from separate users):
    their latencies, errors, and the wall time from sending to the last answer."""
    results: list[tuple[float, str | None]] = [(0.0, None)] * len(questions)
    gate = threading.Barrier(len(questions) + 1)

    def run(i: int) -> None:
        gate.wait()
        results[i] = timed_ask(clients[i], questions[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(questions))]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return [r[0] for r in results], [r[1] for r in results if r[1]], time.perf_counter() - started


def json_api_asks(url: str, questions: list[str], at_once: bool) -> tuple[list[float], list[str], float]:
    """The questions through the JSON API (POST /api/v1/ask) with a plain HTTP client, as other
    tools call the app: one after another, or all at once (a task each, one event loop).
    Latencies, errors, and the wall time from the first request to the last answer."""
    import asyncio

    import httpx

    async def ask_all() -> tuple[list[tuple[float, str | None]], float]:
        limits = httpx.Limits(max_connections=len(questions))
        async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:
            async def one(question: str) -> tuple[float, str | None]:
                started = time.perf_counter()
                try:
                    response = await client.post("api/v1/ask", json={"question": question, "top_k": 5})
                    response.raise_for_status()
                    return time.perf_counter() - started, None
                except httpx.HTTPError as exc:
                    return time.perf_counter() - started, f"{type(exc).__name__}: {exc}"

            started = time.perf_counter()
            if at_once:
                results = await asyncio.gather(*(one(q) for q in questions))
            else:
                results = [await one(q) for q in questions]
            return list(results), time.perf_counter() - started

    results, wall = asyncio.run(ask_all())
    return [r[0] for r in results], [r[1] for r in results if r[1]], wall


def burst_figures(sequential_s: float, cpu_per_question: float, bursts: list[tuple[list[float], list[str], float]],
                  client_cpu_per_burst: float, single_p50: float | None = None) -> dict:
    """Sequential against burst: wall times and their ratio, errors, p50 and p95 of the bursts,
    and the p95 against the CPU-bound limit (questions x the server's CPU seconds per question
    in the sequential run / cores)."""
    questions = len(bursts[0][0])
    latencies = [t for burst in bursts for t in burst[0]]
    errors = [e for burst in bursts for e in burst[1]]
    burst_s = statistics.median(burst[2] for burst in bursts)
    limit = questions * cpu_per_question / len(os.sched_getaffinity(0))
    p95 = percentile(latencies, 95)
    figures = {"questions": questions, "bursts": len(bursts), "errors": len(errors),
               "p50_s": round(percentile(latencies, 50), 3), "p95_s": round(p95, 3)}
    if single_p50:
        figures["p95_over_single"] = round(p95 / single_p50, 1)
    return {**figures, "sequential_s": round(sequential_s, 2), "burst_s": round(burst_s, 2),
            "sequential_over_burst": round(sequential_s / burst_s, 2),
            "cpu_s_per_question": round(cpu_per_question, 3), "client_cpu_s_per_burst": round(client_cpu_per_burst, 2),
            "cpu_bound_limit_s": round(limit, 2), "p95_over_cpu_bound_limit": round(p95 / limit, 2),
            "first_error": errors[0] if errors else None}


def ask_during_upload(url: str, upload_kb: int, question: str) -> dict | None:
    """Upload a large article through the page; ask while it is being indexed."""
    if not CHROMIUM.exists():
        return None
    from gradio_client import Client
    from playwright.sync_api import sync_playwright

    client = Client(url, verbose=False)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        article = Path(tmp) / "large-upload.txt"
        lines, size, n = ["A large uploaded report"], 0, 0
        while size < upload_kb * 1000:
            line = f"Entry {n}: the survey team logged reading {n % 89} at station {n % 37} on day {n % 365}."
            lines.append(line)
            size += len(line) + 1
            n += 1
        article.write_text("\n".join(lines), encoding="utf-8")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(url)
        page.get_by_role("tab", name="Articles").click()
        page.locator("#upload input[type=file]").set_input_files(str(article))
        upload_started = time.perf_counter()
        page.locator("#add").click()
        page.wait_for_function("document.body.innerText.includes('embedding')", timeout=300_000)
        seconds, error = timed_ask(client, question)
        still_indexing = "Indexed" not in page.inner_text("#added")
        page.wait_for_function("document.querySelector('#added').innerText.includes('Indexed')", timeout=1_800_000)
        upload_seconds = time.perf_counter() - upload_started
        browser.close()
    return {"upload_kb": upload_kb, "upload_seconds": round(upload_seconds, 1), "question_seconds": round(seconds, 3),
            "asked_while_indexing": still_indexing, "error": error}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=50, help="questions sent at once (default: 50)")
    parser.add_argument("--single", type=int, default=15, help="questions asked one at a time (default: 15)")
    parser.add_argument("--bursts", type=int, default=3, help="bursts of --questions at once (default: 3)")
    parser.add_argument("--upload-kb", type=int, default=600, help="size of the uploaded article (default: 600)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    from gradio_client import Client

    questions = [q.question for q in load_questions(REPO / "eval" / "questions.jsonl")]
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        subprocess.run([sys.executable, "-m", "qa", "index", str(REPO / "data" / "articles"), "--index-dir",
                        str(index_dir)], cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        process, first_page = start_server(index_dir, port)
        try:
            client = Client(url, verbose=False)
            first_answer, error = timed_ask(client, questions[0])
            if error:
                raise SystemExit(f"the first question failed: {error}")
            first_answer += first_page  # from process start
            single = [timed_ask(client, q)[0] for q in questions[1:args.single + 1]]
            single_p50 = statistics.median(single)
            batch = [questions[i % len(questions)] for i in range(args.questions)]
            cpu_before, started = cpu_seconds(process.pid), time.perf_counter()
            for question in batch:
                timed_ask(client, question)
            sequential_s = time.perf_counter() - started
            cpu_per_question = (cpu_seconds(process.pid) - cpu_before) / len(batch)
            bursts, client_cpu = [], 0.0
            for _ in range(args.bursts):
                clients = [Client(url, verbose=False) for _ in batch]
                cpu_before = time.process_time()
                bursts.append(concurrent_asks(clients, batch))
                client_cpu += time.process_time() - cpu_before  # the clients share the cores here
            page_api = burst_figures(sequential_s, cpu_per_question, bursts, client_cpu / args.bursts, single_p50)

            cpu_before = cpu_seconds(process.pid)
            _, failed, sequential_s = json_api_asks(url, batch, at_once=False)
            if failed:
                raise SystemExit(f"a question through the JSON API failed: {failed[0]}")
            cpu_per_question = (cpu_seconds(process.pid) - cpu_before) / len(batch)
            bursts, client_cpu = [], 0.0
            for _ in range(args.bursts):
                cpu_before = time.process_time()
                bursts.append(json_api_asks(url, batch, at_once=True))
                client_cpu += time.process_time() - cpu_before
            json_api = burst_figures(sequential_s, cpu_per_question, bursts, client_cpu / args.bursts)
            rss_mb = peak_rss_mb(process.pid)
            upload = ask_during_upload(url, args.upload_kb, questions[0])
        finally:
            process.terminate()
            process.wait(30)
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "start_first_page_s": round(first_page, 2),
        "start_first_answer_s": round(first_answer, 2),
        "single_p50_s": round(single_p50, 3),
        "concurrent": page_api,
        "concurrent_json_api": json_api,
        "peak_rss_mb": round(rss_mb),
        "during_upload": upload,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"machine: {result['machine']}")
    print(f"start: first page {result['start_first_page_s']} s, first answer {result['start_first_answer_s']} s")
    print(f"single question p50: {result['single_p50_s'] * 1000:.0f} ms")
    for title, c in (("the page's API (gradio_client)", result["concurrent"]),
                     ("the JSON API (httpx)", result["concurrent_json_api"])):
        print(f"{title}: {c['bursts']} bursts of {c['questions']} at once: {c['errors']} errors, p50 {c['p50_s']} s, "
              f"p95 {c['p95_s']} s")
        print(f"  the same {c['questions']} one after another: {c['sequential_s']} s; at once: {c['burst_s']} s "
              f"(sequential / burst {c['sequential_over_burst']}x)")
        print(f"  CPU per question {c['cpu_s_per_question']} s: a burst's CPU-bound limit {c['cpu_bound_limit_s']} s, "
              f"p95 / limit {c['p95_over_cpu_bound_limit']} (the clients, on this machine, took "
              f"{c['client_cpu_s_per_burst']} CPU seconds a burst)")
    print(f"server peak RSS: {result['peak_rss_mb']} MB")
    if upload:
        print(f"during a {upload['upload_kb']} kB upload ({upload['upload_seconds']} s to index): question answered in "
              f"{upload['question_seconds']} s (asked while indexing: {upload['asked_while_indexing']})")
    else:
        print("during upload: skipped (needs /usr/bin/chromium)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
