"""benchmarks/RESULTS.md from the figures `python -m benchmarks` measured."""
from __future__ import annotations

import statistics
from pathlib import Path

TARGETS = {
    "build": 0.95, "accelerated_build": 1.5, "recall_drop": 0.01, "incremental": 20.0, "retrieval_ms": 10.0,
    "ask_p50_ms": 150.0, "ask_p95_ms": 250.0, "reader_ratio": 0.7, "cold_start_s": 6.0,
    "scale_ms": 10.0, "scale_recall": 0.95, "scale_mb": 2048.0, "filtered_ratio": 2.0, "filtered_recall": 0.95,
    "store_parity": 0.02, "store_same_top5": 0.99,
}


def verdict(holds: bool) -> str:
    return "**met**" if holds else "**not met**"


def _median(values) -> float:
    return statistics.median(values) if values else float("nan")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def write_results(results: dict, path: Path) -> None:
    m = results["machine"]
    out = [
        "# Benchmark results",
        "",
        "Written by `python -m benchmarks` (see its `--help`); do not edit by hand. Every duration is the",
        f"median of {results['runs']} runs{' (--quick)' if results['quick'] else ''}, and every ratio compares figures "
        "measured in this same run.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GiB; Python {m['python']}, torch {m['torch']}, "
        f"ONNX Runtime {m['onnxruntime']}, FAISS {m['faiss']}; {m['date']}; the whole run took "
        f"{results['wall_s'] / 60:.0f} min.",
        "",
    ]
    intro = len(out)
    peers = results.get("peers", {})
    summary: list[list] = []

    # index build
    out += ["## Index build", "",
            "Chunks per second of a full build (chunking, embedding, FAISS and BM25, model loading excluded), and the",
            "same chunk texts given straight to `SentenceTransformer.encode` (batch 32, float32): the embedding model",
            "is the limit. Peers index the same chunk texts with the same model.", ""]
    rows = []
    for name, row in results["index_build"].items():
        raw = row["chunks"] / row["raw_encode"]
        cells = [f"{name} ({row['articles']} articles, {row['chunks']} chunks)", f"{raw:.0f}"]
        for backend in ("torch", "onnx-int8"):
            rate = row["chunks"] / row[backend]
            cells.append(f"{rate:.0f} ({rate / raw:.2f}x)")
        for peer in ("haystack", "txtai"):
            seconds = peers.get(peer, {}).get("build_s", {}).get(name)
            cells.append(f"{row['chunks'] / _median(seconds):.0f} ({row['chunks'] / _median(seconds) / raw:.2f}x)"
                         if seconds else "not run")
        rows.append(cells)
    out += _table(["collection", "raw encode", "ours, torch", "ours, onnx-int8 (default)", "Haystack", "txtai"], rows)
    big = max(results["index_build"].values(), key=lambda r: r["chunks"])
    torch_ratio = big["raw_encode"] / big["torch"]
    fast_ratio = big["raw_encode"] / big["onnx-int8"]
    summary.append(["index build, torch backend vs raw encode (largest collection)", f">= {TARGETS['build']}x",
                    f"{torch_ratio:.2f}x", verdict(torch_ratio >= TARGETS["build"])])
    summary.append(["index build, onnx-int8 (default) vs raw torch encode", f">= {TARGETS['accelerated_build']}x",
                    f"{fast_ratio:.2f}x", verdict(fast_ratio >= TARGETS["accelerated_build"])])

    quality = results.get("embedder_quality", {})
    if quality:
        out += ["", "### The int8 embedder's retrieval quality", "",
                "Each question set end to end (`python -m qa eval --embedder-backend …`, hybrid retrieval, top 5):", ""]
        rows, drops = [], []
        for name, row in quality.items():
            drop = row["torch"]["recall_at_5"] - row["onnx-int8"]["recall_at_5"]
            drops.append(drop)
            rows.append([name, f"{row['torch']['recall_at_5']:.3f}", f"{row['onnx-int8']['recall_at_5']:.3f}",
                         f"{row['torch']['exact_match']:.3f}", f"{row['onnx-int8']['exact_match']:.3f}"])
        out += _table(["set", "recall@5 torch", "recall@5 onnx-int8", "EM torch", "EM onnx-int8"], rows)
        mean_drop = sum(drops) / len(drops)
        summary.append(["recall@5 of onnx-int8 vs float32 (mean over sets)", f"within {TARGETS['recall_drop']}",
                        f"{-mean_drop:+.4f} (worst set {-max(drops):+.4f})", verdict(mean_drop <= TARGETS["recall_drop"])])

    inc = results["incremental"]
    out += ["", "## Incremental re-index", "",
            f"A synthetic collection of {inc['articles']:,} articles ({inc['chunks']:,} chunks), default settings:", ""]
    out += _table(["step", "seconds"], [
        ["full build", inc["full_s"]], ["re-index, nothing changed", inc["unchanged_s"]],
        [f"re-index after changing 1% ({inc['changed_articles']} articles, {inc['embedded_chunks']} chunks embedded)",
         inc["one_percent_s"]]])
    summary.append(["incremental re-index of 1% vs full build", f">= {TARGETS['incremental']:.0f}x",
                    f"{inc['speedup']}x", verdict(inc["speedup"] >= TARGETS["incremental"])])

    ret = results["retrieval_500"]
    out += ["", "## Query latency", "",
            "Retrieval alone (embed the question, search, top 5) over the synthetic 500-article collection, every",
            "question of eval/questions.jsonl, ms:", ""]
    rows = [[f"ours, {mode}{' (default)' if mode == 'hybrid' else ''}", ret[mode]["p50"], ret[mode]["p95"]]
            for mode in ("hybrid", "dense", "lexical")]
    for peer, label in (("haystack", "Haystack (in-memory embedding retriever)"), ("txtai", "txtai (FAISS)")):
        times = peers.get(peer, {}).get("retrieve_ms")
        rows.append([label] + ([round(_percentile(times, 50), 2), round(_percentile(times, 95), 2)]
                               if times else ["not run", ""]))
    out += _table(["system", "p50", "p95"], rows)
    summary.append(["retrieval at 500 articles, p50 (hybrid)", f"<= {TARGETS['retrieval_ms']:.0f} ms",
                    f"{ret['hybrid']['p50']} ms", verdict(ret["hybrid"]["p50"] <= TARGETS["retrieval_ms"])])
    for peer in ("haystack", "txtai"):
        times = peers.get(peer, {}).get("retrieve_ms")
        if times:
            ratio = ret["hybrid"]["p50"] / _percentile(times, 50)
            summary.append([f"retrieval p50, ours hybrid / {peer}", "< 1x", f"{ratio:.2f}x", verdict(ratio < 1)])

    ask = results["ask"]
    out += ["", f"`ask` end to end on the bundled articles ({ask['questions']} questions x {ask['rounds']}, top 5, "
            f"{ask['reader']} reader), ms:", ""]
    out += _table(["part", "p50", "p95"], [[k.replace("_ms", ""), v["p50"], v["p95"]]
                                           for k, v in ask.items() if k.endswith("_ms")])
    summary.append(["`ask` p50 / p95", f"<= {TARGETS['ask_p50_ms']:.0f} / {TARGETS['ask_p95_ms']:.0f} ms",
                    f"{ask['total_ms']['p50']} / {ask['total_ms']['p95']} ms",
                    verdict(ask["total_ms"]["p50"] <= TARGETS["ask_p50_ms"] and ask["total_ms"]["p95"] <= TARGETS["ask_p95_ms"])])

    reader = results["reader_ms"]
    out += ["", "The reader alone on each question's top 5 passages (the same texts for both), ms:", ""]
    rows = [[f"ours ({results['reader_name']})", reader["p50"], reader["p95"]]]
    hay = peers.get("haystack", {}).get("read_ms")
    rows.append(["Haystack TransformersExtractiveReader, the same model folder"] +
                ([round(_percentile(hay, 50), 1), round(_percentile(hay, 95), 1)] if hay else ["not run", ""]))
    out += _table(["reader", "p50", "p95"], rows)
    if hay:
        ratio = reader["p50"] / _percentile(hay, 50)
        summary.append(["our reader / Haystack's, p50", f"<= {TARGETS['reader_ratio']}x", f"{ratio:.2f}x",
                        verdict(ratio <= TARGETS["reader_ratio"])])

    cold, app = results["cold_start"], results["app"]
    out += ["", "## Cold start and memory", "",
            f"- `python -m qa ask QUESTION` on an existing index, process start to printed answer: {cold['wall_s']} s "
            f"(runs: {', '.join(map(str, cold['runs_s']))}); peak RSS {cold['peak_rss_mb']} MB.",
            f"- `python -m qa serve`: first page after {app['first_page_s']} s; peak RSS {app['peak_rss_mb']} MB after "
            f"{app['questions']} questions ({app['errors']} errors)."]
    summary.append(["cold start of `qa ask`", f"<= {TARGETS['cold_start_s']:.0f} s", f"{cold['wall_s']} s",
                    verdict(cold["wall_s"] <= TARGETS["cold_start_s"])])

    scale = results["scale"]
    out += ["", "## Scale", "",
            f"Dense search over synthetic collections ({scale['real_vectors']:,} real sentence embeddings and blends of "
            f"them; {scale['queries']} real questions), recall@10 against exact search; BM25 over synthetic passages. "
            "`--faiss-factory auto` picks exact search up to 50,000 chunks and IVF(≈4√n),SQ8 with nprobe 128 above.", ""]
    rows = []
    best_at_max = None
    largest = max(scale["sizes"], key=int)
    for size, entries in sorted(scale["sizes"].items(), key=lambda item: int(item[0])):
        for row in entries:
            if "index" in row:
                rows.append([f"{int(size):,}", row["index"], row["build_s"], row["memory_mb"], row["search_p50_ms"],
                             row["search_p95_ms"], row.get("recall_at_10", "")])
                if size == largest and "IVF" in row["index"] and "nprobe=128" in row["index"]:
                    best_at_max = row
    out += _table(["passages", "index", "build s", "memory MB", "p50 ms", "p95 ms", "recall@10"], rows)
    out += ["", "![search p50 and memory against collection size](scaling.png)"]
    if best_at_max:
        holds = (best_at_max["search_p50_ms"] < TARGETS["scale_ms"] and best_at_max["recall_at_10"] >= TARGETS["scale_recall"]
                 and best_at_max["memory_mb"] < TARGETS["scale_mb"])
        summary.append([f"search at {int(largest):,} passages (the auto index)", "< 10 ms, recall@10 >= 0.95, < 2 GB",
                        f"{best_at_max['search_p50_ms']} ms, {best_at_max['recall_at_10']}, {best_at_max['memory_mb']} MB",
                        verdict(holds)])

    for size, filtered in sorted(scale.get("filtered", {}).items(), key=lambda item: int(item[0])):
        out += ["", f"Filtered dense search at {int(size):,} passages, through the app's own path (random rows kept, "
                    "as a date range or a source would), recall@10 against an exact search of the kept rows:", ""]
        out += _table(["filter keeps", "p50 ms", "recall@10", "p50 / unfiltered"],
                      [[row["filter_keeps"], row["search_p50_ms"], row["recall_at_10"], row.get("p50_over_unfiltered", "")]
                       for row in filtered])
        one = next((row for row in filtered if row["filter_keeps"] == "1%"), None)
        if one:
            summary.append([f"a filter keeping 1% of {int(size):,} passages", "<= 2x unfiltered, recall@10 >= 0.95",
                            f"{one['p50_over_unfiltered']}x, {one['recall_at_10']}",
                            verdict(one["p50_over_unfiltered"] <= TARGETS["filtered_ratio"]
                                    and one["recall_at_10"] >= TARGETS["filtered_recall"])])

    if "stores" in results:
        out += _stores_section(results["stores"], summary)

    errors = {name: peer["error"] for name, peer in peers.items() if isinstance(peer, dict) and "error" in peer}
    if "skipped" in peers or errors:
        out += ["", "## Peers not measured", ""]
        out += [f"- {peers['skipped']}"] if "skipped" in peers else []
        out += [f"- {name}: {error}" for name, error in errors.items()]
    versions = [f"{name} {peer['version']}" for name, peer in peers.items() if isinstance(peer, dict) and "version" in peer]
    head = ["## Targets", "", f"Peers: {', '.join(versions) or 'none'} (their own virtual environment, the same torch).", ""]
    head += _table(["figure", "target", "measured", ""], summary)
    text = "\n".join(out[:intro] + head + [""] + out[intro:]) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def _stores_section(stores: dict, summary: list) -> list[str]:
    """Milvus Lite against the FAISS index folder, and the Ray build (benchmarks/stores.py)."""
    out = ["", "## Milvus Lite and Ray", "",
           "Each question set indexed into both stores; hybrid retrieval with the shipped reader, top 5. Dense: exact "
           "search in both (FLAT / Flat), the share of questions with the same top 5 passages in the same order.", ""]
    parity = stores["parity"]
    out += _table(["set", "FAISS R@5", "Milvus R@5", "FAISS EM", "Milvus EM", "dense: same top 5"],
                  [[r["set"], r["faiss_recall_at_5"], r["milvus_recall_at_5"], r["faiss_exact_match"],
                    r["milvus_exact_match"], r["dense_same_top5"]] for r in parity])
    worst = max(max(abs(r["faiss_recall_at_5"] - r["milvus_recall_at_5"]), abs(r["faiss_exact_match"] - r["milvus_exact_match"]))
                for r in parity)
    same = min(r["dense_same_top5"] for r in parity)
    summary.append(["Milvus Lite against FAISS, hybrid top 5, every set", "R@5 and EM within 0.02",
                    f"largest difference {worst:.3f}", verdict(worst <= TARGETS["store_parity"])])
    summary.append(["Milvus Lite exact dense search: the same top 5 as FAISS", ">= 99% of questions",
                    f"{same:.1%} on the worst set", verdict(same >= TARGETS["store_same_top5"])])
    out += ["", "Search one query at a time over the synthetic collections of the scale section (Milvus gets the index "
                "its store chooses at that size), recall@10 against exact search:", ""]
    out += _table(["passages", "Milvus index", "Milvus p50 ms", "Milvus recall@10", "FAISS exact p50 ms"],
                  [[f"{r['passages']:,}", r["milvus_index"], r["milvus_p50_ms"], r["milvus_recall_at_10"],
                    r["faiss_exact_p50_ms"]] for r in stores["search"]])
    ray = stores["ray_build"]
    out += ["", f"Index build of {ray['articles']} synthetic articles ({ray['chunks']:,} chunks): one process "
                f"{ray['single_process_s']} s, Ray Data with 2 local workers {ray['ray_2_workers_s']} s "
                f"({ray['ray_over_single']}x the time, on the same 2 cores); largest difference between the two builds' "
                f"vectors {ray['largest_vector_difference']:.2g}."]
    return out


def _percentile(values, q):
    from eval.metrics import percentile

    return percentile(values, q)
